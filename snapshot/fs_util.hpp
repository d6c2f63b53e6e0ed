// POSIX file I/O for snapshot files: reading a whole file, writing with
// fsync, the atomic publish of `_metadata` (DESIGN.md invariant 2) and the
// removal of a checkpoint directory.
//
// Blocking calls: run them on snapshot I/O workers or the coordinator's
// storage thread, never on a CAF scheduler thread (DESIGN.md, "The coroutine
// runtime"). Thread-safe as long as two threads do not write the same path.
// Every failure throws sluice::exception(ec::io_error, "<path>: <what failed>:
// <strerror>").
#pragma once

#include "snapshot/error.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace sluice {

/// A POSIX file descriptor, closed on scope exit (unless negative).
struct fd_guard {
  int fd = -1;
  fd_guard() = default;
  explicit fd_guard(int f) noexcept : fd(f) {
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard();
};

/// Throws sluice::exception(code, "<path>: <what>[: <strerror(err)>]")
/// (err == 0: no strerror part).
[[noreturn]] void throw_file_error(ec code, const std::filesystem::path& path,
                                   const std::string& what, int err = 0);

/// A whole file in memory, 8-byte aligned (Cap'n Proto reads it in place).
struct file_bytes {
  std::unique_ptr<uint64_t[]> words;
  size_t size = 0;

  std::string_view view() const noexcept {
    return {reinterpret_cast<const char*>(words.get()), size};
  }
};

/// Reads the regular file at `path`. Refuses anything else (directory, FIFO,
/// device) without blocking on it.
file_bytes read_whole_file(const std::filesystem::path& path);

/// A file opened for writing; closes (without fsync) on destruction.
/// Move-only. Used by one thread at a time.
class output_file {
public:
  /// Creates `path`, or truncates it when it exists and `exclusive` is false;
  /// with `exclusive`, an existing file is an error.
  explicit output_file(std::filesystem::path path, bool exclusive = false);
  output_file(output_file&& other) noexcept;
  output_file& operator=(output_file&& other) noexcept;
  ~output_file();

  /// Appends `size` bytes (retries partial writes and EINTR).
  void write(const void* data, size_t size);

  /// Overwrites `size` bytes at `offset` (does not move the append position).
  void write_at(uint64_t offset, const void* data, size_t size);

  /// fsync: data and size are durable when it returns.
  void sync();

  /// Closes the file, reporting errors of close(2). Idempotent.
  void close();

  const std::filesystem::path& path() const noexcept {
    return path_;
  }

private:
  std::filesystem::path path_;
  int fd_ = -1;
};

/// fsyncs the directory `dir`, making creations, renames and removals of its
/// entries durable.
void sync_directory(const std::filesystem::path& dir);

/// Atomically replaces (or creates) `path` with `bytes` (invariant 2): writes
/// a temp file next to it (same directory, name starting with the target's
/// name and containing ".tmp."), fsyncs it, renames it over `path`, fsyncs
/// the directory. On a failure before the rename, the temp file is removed
/// and `path` is left as it was (old content or absent); when only the final
/// directory fsync fails, the new content is in place but may not survive a
/// crash (the error says "fsync of directory failed"). The directory must
/// exist.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

/// Disposes of a checkpoint directory: first removes its `_metadata` and
/// fsyncs the directory (so a crash halfway never leaves a checkpoint that
/// references deleted files), then removes the directory with everything
/// under it. A missing directory is not an error (disposal may be retried).
/// Removes only what lies under `dir`: files a retained checkpoint shares
/// (e.g. under `<job>/shared/`) are the caller's business.
void remove_checkpoint_directory(const std::filesystem::path& dir);

} // namespace sluice
