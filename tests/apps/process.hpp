// Runs programs for the app tests: posix_spawn with stdin from a file, a
// pipe or /dev/null, stdout and stderr into files, a deadline, and signals.
// Used from the Boost.Test thread only.
#pragma once

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/test_paths.hpp"

extern char** environ;

namespace sluice::test {

namespace fs = std::filesystem;

/// A fresh directory under the system's temp dir, removed on destruction.
class temp_dir {
public:
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "sluice-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }

  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const fs::path& path() const noexcept {
    return path_;
  }

  fs::path operator/(const std::string& name) const {
    return path_ / name;
  }

private:
  fs::path path_;
};

inline std::string read_file(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

inline void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out{p, std::ios::binary};
  out << content;
}

/// How a finished program ended.
struct process_result {
  /// Exit code, or -1 when it died from a signal or missed its deadline.
  int exit_code = -1;
  /// The signal that ended it (0 when it exited).
  int signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
  /// Wall time from start to end.
  std::chrono::milliseconds elapsed{0};
};

/// A running program. Its stdout and stderr go to files in `dir`.
class process {
public:
  enum class input { dev_null, file, pipe };

  /// Starts `argv` (argv[0] is the program's path). With `input::file`,
  /// stdin reads `stdin_file`; with `input::pipe`, `write_stdin` feeds it.
  /// `env` entries (NAME=value) are added to the test's environment.
  process(std::vector<std::string> argv, const fs::path& dir, input in = input::dev_null,
          const fs::path& stdin_file = {}, std::vector<std::string> env = {})
    : out_path_(dir / ("out-" + std::to_string(++counter()))),
      err_path_(dir / ("err-" + std::to_string(counter()))) {
    std::signal(SIGPIPE, SIG_IGN); // a dead child must not kill the test
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int pipe_fds[2] = {-1, -1};
    if (in == input::pipe) {
      if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed");
      posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
    } else {
      auto src = in == input::file ? stdin_file.string() : std::string{"/dev/null"};
      posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, src.c_str(), O_RDONLY, 0);
    }
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e)
      env_strings.emplace_back(*e);
    env_strings.insert(env_strings.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (auto& e : env_strings)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    // Its own process group, so a kill also reaches its children (a shell's).
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    started_ = std::chrono::steady_clock::now();
    auto rc = ::posix_spawn(&pid_, args[0], &actions, &attr, args.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (in == input::pipe) {
      ::close(pipe_fds[0]);
      stdin_fd_ = pipe_fds[1];
    }
    if (rc != 0) {
      close_stdin();
      throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
  }

  ~process() {
    close_stdin();
    if (pid_ > 0 && !result_) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  process(const process&) = delete;
  process& operator=(const process&) = delete;

  /// Writes to the program's stdin (input::pipe); false if it is gone.
  bool write_stdin(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      auto n = ::write(stdin_fd_, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  /// End of input for the program (input::pipe).
  void close_stdin() {
    if (stdin_fd_ >= 0) {
      ::close(stdin_fd_);
      stdin_fd_ = -1;
    }
  }

  /// Sends `sig` to the program (not to its children).
  void send(int sig) {
    ::kill(pid_, sig);
  }

  /// What the program printed to stdout so far.
  std::string out_so_far() const {
    return read_file(out_path_);
  }

  /// What the program printed to stderr so far.
  std::string err_so_far() const {
    return read_file(err_path_);
  }

  /// Waits until stdout contains `needle` or `timeout` passed.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (out_so_far().find(needle) != std::string::npos)
        return true;
      if (finished())
        return out_so_far().find(needle) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    return false;
  }

  /// Waits for the program to end; kills it (and its process group) after
  /// `timeout`.
  process_result wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!finished()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(-pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        result_ = process_result{};
        result_->timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    close_stdin();
    result_->out = read_file(out_path_);
    result_->err = read_file(err_path_);
    return *result_;
  }

private:
  bool finished() {
    if (result_)
      return true;
    int status = 0;
    auto rc = ::waitpid(pid_, &status, WNOHANG);
    if (rc == 0)
      return false;
    process_result r;
    r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started_);
    if (rc == pid_ && WIFEXITED(status))
      r.exit_code = WEXITSTATUS(status);
    else if (rc == pid_ && WIFSIGNALED(status))
      r.signal = WTERMSIG(status);
    result_ = r;
    return true;
  }

  static int& counter() {
    static int n = 0;
    return n;
  }

  fs::path out_path_;
  fs::path err_path_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::chrono::steady_clock::time_point started_;
  std::optional<process_result> result_;
};

/// Runs `argv` to its end (stdin: /dev/null or `stdin_file`).
inline process_result run(std::vector<std::string> argv, const fs::path& dir,
                          std::chrono::milliseconds timeout = std::chrono::seconds{30},
                          const fs::path& stdin_file = {},
                          std::vector<std::string> env = {}) {
  process p{std::move(argv), dir,
            stdin_file.empty() ? process::input::dev_null : process::input::file,
            stdin_file, std::move(env)};
  return p.wait(timeout);
}

/// Runs `sh -c command` to its end.
inline process_result shell(const std::string& command, const fs::path& dir,
                            std::chrono::milliseconds timeout = std::chrono::seconds{60},
                            std::vector<std::string> env = {}) {
  return run({"/bin/sh", "-c", command}, dir, timeout, {}, std::move(env));
}

/// Path of a program in the build tree, e.g. build_path("apps/sluice").
inline std::string build_path(const std::string& relative) {
  return (fs::path{sluice::test::build_dir()} / relative).string();
}

} // namespace sluice::test
