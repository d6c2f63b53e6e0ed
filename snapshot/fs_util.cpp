#include "snapshot/fs_util.hpp"

#include "snapshot/error.hpp"
#include "snapshot/snapshot_format.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace sluice {

namespace {

[[noreturn]] void throw_io(const fs::path& path, std::string_view what, int err) {
  throw exception(ec::io_error, path.string() + ": " + std::string{what} + ": "
                                  + std::strerror(err));
}

[[noreturn]] void throw_io(const fs::path& path, std::string_view what) {
  throw exception(ec::io_error, path.string() + ": " + std::string{what});
}

} // namespace

fd_guard::~fd_guard() {
  if (fd >= 0)
    ::close(fd);
}

void throw_file_error(ec code, const fs::path& path, const std::string& what, int err) {
  auto msg = path.string() + ": " + what;
  if (err != 0)
    msg += std::string{": "} + std::strerror(err);
  throw exception(code, msg);
}

// --- reading ----------------------------------------------------------------

file_bytes read_whole_file(const fs::path& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    throw_io(path, "cannot open", errno);
  fd_guard guard{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0)
    throw_io(path, "cannot stat", errno);
  if (!S_ISREG(st.st_mode))
    throw_io(path, "not a regular file");
  file_bytes result;
  result.size = static_cast<size_t>(st.st_size);
  result.words = std::make_unique_for_overwrite<uint64_t[]>((result.size + 7) / 8 + 1);
  auto* out = reinterpret_cast<char*>(result.words.get());
  size_t done = 0;
  while (done < result.size) {
    auto n = ::read(fd, out + done, result.size - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw_io(path, "cannot read", errno);
    }
    if (n == 0)
      throw_io(path, "file shrank while being read");
    done += static_cast<size_t>(n);
  }
  return result;
}

// --- output_file --------------------------------------------------------------

output_file::output_file(fs::path path, bool exclusive) : path_(std::move(path)) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  fd_ = ::open(path_.c_str(), flags, 0644);
  if (fd_ < 0)
    throw_io(path_, "cannot create", errno);
}

output_file::output_file(output_file&& other) noexcept
  : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {
}

output_file& output_file::operator=(output_file&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

output_file::~output_file() {
  if (fd_ >= 0)
    ::close(fd_);
}

void output_file::write(const void* data, size_t size) {
  if (fd_ < 0)
    throw_io(path_, "write after close");
  auto* p = static_cast<const char*>(data);
  while (size > 0) {
    auto n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw_io(path_, "cannot write", errno);
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void output_file::write_at(uint64_t offset, const void* data, size_t size) {
  if (fd_ < 0)
    throw_io(path_, "write after close");
  auto* p = static_cast<const char*>(data);
  while (size > 0) {
    auto n = ::pwrite(fd_, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw_io(path_, "cannot write", errno);
    }
    p += n;
    offset += static_cast<uint64_t>(n);
    size -= static_cast<size_t>(n);
  }
}

void output_file::sync() {
  if (fd_ < 0)
    throw_io(path_, "fsync after close");
  if (::fsync(fd_) != 0)
    throw_io(path_, "fsync failed", errno);
}

void output_file::close() {
  if (fd_ < 0)
    return;
  int fd = std::exchange(fd_, -1);
  // Linux closes the descriptor even when close() fails: never retry.
  if (::close(fd) != 0)
    throw_io(path_, "close failed", errno);
}

// --- directories and atomic publish ---------------------------------------------

void sync_directory(const fs::path& dir) {
  auto d = dir.empty() ? fs::path{"."} : dir;
  int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    throw_io(d, "cannot open directory", errno);
  fd_guard guard{fd};
  if (::fsync(fd) != 0)
    throw_io(d, "fsync of directory failed", errno);
}

void write_file_atomically(const fs::path& path, std::string_view bytes) {
  static std::atomic<uint64_t> counter{0};
  auto temp = path;
  temp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(++counter);
  try {
    output_file out{temp, true};
    out.write(bytes.data(), bytes.size());
    out.sync();
    out.close();
    if (::rename(temp.c_str(), path.c_str()) != 0)
      throw_io(path, "cannot rename " + temp.filename().string() + " to it", errno);
  } catch (...) {
    ::unlink(temp.c_str()); // best effort; the original error matters
    throw;
  }
  sync_directory(path.parent_path());
}

void remove_checkpoint_directory(const fs::path& dir) {
  std::error_code err;
  auto status = fs::symlink_status(dir, err);
  if (err) {
    if (err == std::errc::no_such_file_or_directory)
      return;
    throw_io(dir, "cannot stat", err.value());
  }
  if (!fs::exists(status))
    return;
  if (!fs::is_directory(status))
    throw_io(dir, "not a directory");
  auto metadata = dir / metadata_file_name;
  if (::unlink(metadata.c_str()) == 0)
    sync_directory(dir);
  else if (errno != ENOENT)
    throw_io(metadata, "cannot remove", errno);
  fs::remove_all(dir, err);
  if (err)
    throw_io(dir, "cannot remove", err.value());
}

} // namespace sluice
