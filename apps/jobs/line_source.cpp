#include "apps/jobs/line_source.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot/error.hpp"

namespace sluice::apps {

namespace {

constexpr size_t chunk_size = 64 * 1024;

/// How long an idle step waits before polling again.
constexpr std::chrono::microseconds idle_retry{5000};

bool is_stdin(const std::string& path) {
  return path.empty() || path == "-";
}

std::string describe(const std::string& path, int err) {
  return "input file '" + path + "': " + std::strerror(err);
}

} // namespace

std::string check_input_file(const std::string& path) {
  if (is_stdin(path))
    return {};
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return describe(path, errno);
  if (S_ISDIR(st.st_mode))
    return describe(path, EISDIR);
  if (::access(path.c_str(), R_OK) != 0)
    return describe(path, errno);
  return {};
}

line_source::line_source(std::string path)
  : path_(std::move(path)), name_(is_stdin(path_) ? "stdin" : path_) {
}

line_source::~line_source() {
  if (owns_fd_ && fd_ >= 0)
    ::close(fd_);
}

void line_source::open(operator_context&) {
  if (is_stdin(path_)) {
    fd_ = STDIN_FILENO;
    owns_fd_ = false;
    return;
  }
  if (auto why = check_input_file(path_); !why.empty())
    throw exception(ec::missing_input, why);
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0)
    throw exception(ec::missing_input, describe(path_, errno));
  owns_fd_ = true;
}

bool line_source::read_chunk(operator_context& ctx) {
  pollfd p{fd_, POLLIN, 0};
  auto n = ::poll(&p, 1, 0);
  if (n == 0 || (n < 0 && errno == EINTR))
    return false;
  if (n < 0)
    ctx.fail(name_ + ": poll failed: " + std::strerror(errno));
  if ((p.revents & POLLNVAL) != 0)
    ctx.fail(name_ + ": not open for reading");
  // POLLIN, POLLHUP (writer gone: read returns what is left, then 0) or
  // POLLERR (read reports the error): read() does not block now.
  auto old = buf_.size();
  buf_.resize(old + chunk_size);
  auto got = ::read(fd_, buf_.data() + old, chunk_size);
  if (got < 0) {
    auto err = errno;
    buf_.resize(old);
    if (err == EINTR || err == EAGAIN)
      return false;
    ctx.fail(name_ + ": read failed: " + std::strerror(err));
  }
  buf_.resize(old + static_cast<size_t>(got));
  if (got == 0)
    eof_ = true;
  return true;
}

source_step line_source::emit_next(operator_context& ctx, size_t max_records) {
  std::vector<std::string> lines;
  auto push = [&](size_t end) {
    auto stop = end;
    if (stop > begin_ && buf_[stop - 1] == '\r')
      --stop;
    lines.emplace_back(buf_, begin_, stop - begin_);
  };
  auto take_complete_lines = [&] {
    while (lines.size() < max_records) {
      auto nl = buf_.find('\n', begin_);
      if (nl == std::string::npos)
        break;
      push(nl);
      begin_ = nl + 1;
    }
  };
  take_complete_lines();
  bool had_input = true;
  if (lines.size() < max_records && !eof_) {
    had_input = read_chunk(ctx);
    take_complete_lines();
  }
  // The last line of a file needs no line break.
  if (eof_ && lines.size() < max_records && begin_ < buf_.size()) {
    push(buf_.size());
    begin_ = buf_.size();
  }
  if (begin_ == buf_.size()) {
    buf_.clear();
    begin_ = 0;
  } else if (begin_ >= chunk_size) {
    buf_.erase(0, begin_);
    begin_ = 0;
  }
  auto emitted = !lines.empty();
  if (emitted)
    ctx.emit(make_batch(std::move(lines)));
  if (eof_ && buf_.empty())
    return {source_step::finished};
  if (!emitted && !had_input)
    return {source_step::idle, idle_retry};
  return {source_step::more};
}

} // namespace sluice::apps
