// `sluice run ...` in the background for the app tests: its stderr goes to
// a file of ours (a shell execs sluice, so the process is sluice itself)
// that the test reads while the job runs, e.g. for the port of the
// "sluice: REST endpoint on http://..." line; plus the job verbs as
// separate processes against that port. Used from the Boost.Test thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/apps/process.hpp"

namespace sluice::test {

class running_job {
public:
  /// Starts `sluice ARGS...` (e.g. {"run", "click-counts", ...}); stderr
  /// goes to `dir/<err_name>`.
  running_job(const temp_dir& dir, const std::vector<std::string>& args,
              const std::string& err_name = "job-err")
    : err_(dir / err_name), job_(std::vector<std::string>{"/bin/sh", "-c", command(args)},
                                 dir.path()) {
  }

  /// The port of the "sluice: REST endpoint on http://127.0.0.1:PORT"
  /// line; nullopt when 30 s passed without it.
  std::optional<std::string> wait_for_port() {
    using namespace std::chrono_literals;
    std::regex line{R"(sluice: REST endpoint on http://127\.0\.0\.1:(\d+)\n)"};
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      auto text = err_so_far();
      if (std::regex_search(text, m, line))
        return m[1].str();
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }

  std::string err_so_far() const {
    return read_file(err_);
  }

  process& proc() {
    return job_;
  }

private:
  std::string command(const std::vector<std::string>& args) const {
    std::string cmd = "exec '" + build_path("apps/sluice") + "'";
    for (auto& a : args)
      cmd += " '" + a + "'";
    return cmd + " 2>'" + err_.string() + "'";
  }

  std::filesystem::path err_;
  process job_;
};

/// `sluice ARGS... --rest.port=PORT`.
inline process_result sluice_cli(std::vector<std::string> args, const std::string& port,
                                 const temp_dir& dir) {
  using namespace std::chrono_literals;
  args.insert(args.begin(), build_path("apps/sluice"));
  args.push_back("--rest.port=" + port);
  return run(args, dir.path(), 60s);
}

/// The path after "Savepoint completed. Path: " (a "file:" scheme dropped).
inline std::string savepoint_path(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex{R"(Savepoint completed\. Path: (\S+)\n)"}))
    return {};
  auto p = m[1].str();
  return p.rfind("file:", 0) == 0 ? p.substr(5) : p;
}

/// The one RUNNING job's id in `sluice list` output, or "".
inline std::string running_job_id(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex{R"( : ([0-9a-f]{32}) : .* \(RUNNING\)\n)"}))
    return {};
  return m[1].str();
}

} // namespace sluice::test
