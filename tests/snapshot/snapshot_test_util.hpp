// Helpers of the snapshot format tests: a temp directory, whole-file I/O,
// resealing a file image after a deliberate change, and a check that a call
// fails with ec::corrupt_file naming the file.
#pragma once

#include "snapshot/crc32c.hpp"
#include "snapshot/error.hpp"
#include "snapshot/snapshot_format.hpp"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sluice::snapshot_test {

namespace fs = std::filesystem;

class scratch_dir {
public:
  scratch_dir() {
    std::string pattern = (fs::temp_directory_path() / "sluice-snapshot-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~scratch_dir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const fs::path& path() const noexcept {
    return path_;
  }
  fs::path operator/(std::string_view name) const {
    return path_ / name;
  }

private:
  fs::path path_;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

inline void spit(const fs::path& p, std::string_view content) {
  std::ofstream out{p, std::ios::binary | std::ios::trunc};
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

inline void put_u32(std::string& image, size_t offset, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    image[offset + i] = static_cast<char>(static_cast<unsigned char>(v >> (8 * i)));
}

inline uint32_t get_u32(std::string_view image, size_t offset) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(image[offset + i]);
  return v;
}

inline void put_u64(std::string& image, size_t offset, uint64_t v) {
  put_u32(image, offset, static_cast<uint32_t>(v));
  put_u32(image, offset + 4, static_cast<uint32_t>(v >> 32));
}

/// Recomputes the header CRC of `image` (after a change to the header).
inline void reseal_header(std::string& image) {
  namespace sf = snapshot_format;
  put_u32(image, sf::header_crc_offset, crc32c(image.data(), sf::header_crc_offset));
}

/// Recomputes body length, body CRC and header CRC: a changed body then
/// passes every check of the container, so what follows tests Cap'n Proto
/// parsing and our validation.
inline void reseal(std::string& image) {
  namespace sf = snapshot_format;
  auto body = std::string_view{image}.substr(sf::header_size);
  put_u64(image, sf::body_length_offset, body.size());
  put_u32(image, sf::body_crc_offset, crc32c(body));
  reseal_header(image);
}

/// Outcome of a call that must fail with ec::corrupt_file naming `name`.
enum class outcome { corrupt_file_named, succeeded, wrong_error };

/// Runs `f`; classifies its outcome, writing a description of a wrong
/// outcome to `detail`.
template <class F>
outcome run_expecting_corrupt(F&& f, std::string_view name, std::string& detail) {
  try {
    f();
    return outcome::succeeded;
  } catch (const sluice::exception& e) {
    std::string_view what = e.what();
    bool named = what.size() > name.size() + 2 && what.substr(0, name.size()) == name
                 && what.substr(name.size(), 2) == ": ";
    if (e.code() == ec::corrupt_file && named)
      return outcome::corrupt_file_named;
    detail = std::string{"sluice::exception "} + to_string(e.code()) + ": " + e.what();
  } catch (const std::exception& e) {
    detail = std::string{"other exception: "} + e.what();
  } catch (...) {
    detail = "unknown exception";
  }
  return outcome::wrong_error;
}

} // namespace sluice::snapshot_test
