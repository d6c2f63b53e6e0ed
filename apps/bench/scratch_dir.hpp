// A fresh scratch directory for one benchmark run, removed with everything
// in it when the object goes (also when the run throws).
#pragma once

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace sluice::bench {

class scratch_dir {
public:
  /// mkdtemp("<parent>/sluice-bench-<name>-XXXXXX"); `parent` empty: the
  /// system's temporary directory. Throws std::system_error naming it.
  scratch_dir(const std::filesystem::path& parent, const std::string& name) {
    auto in = parent.empty() ? std::filesystem::temp_directory_path() : parent;
    std::string pattern = (in / ("sluice-bench-" + name + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(),
                              name + ": mkdtemp in " + in.string());
    path_ = pattern;
  }

  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const noexcept {
    return path_;
  }

private:
  std::filesystem::path path_;
};

} // namespace sluice::bench
