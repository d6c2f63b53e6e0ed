// A replayable source of text lines from a file or a directory of files
// (Flink's readTextFile / FileSource with TextLineInputFormat, and
// readFile(..., PROCESS_CONTINUOUSLY) with `follow`).
//
// Files. `path` names a regular file or a directory. A directory means the
// regular files directly in it (no recursion), sorted by name, skipping
// names that start with '.' or '_' (Flink's default file filter: hidden and
// in-progress files). A file is identified by its name relative to the
// directory (for a single file: its file name), in state and in messages.
//
// Split over parallel subtasks. File `name` belongs to subtask
// `murmur3_32(name) % parallelism` (see `file_owner`): a pure function of
// the name, so ownership does not move when new files appear (follow mode)
// and every subtask of a restored job, at any parallelism, agrees on it.
// With few files the split can be uneven (one subtask may own them all, the
// others then finish at once, or only poll when following).
//
// Lines. Each record is one line without its '\n' (and without a '\r' just
// before it, like Flink's TextLineInputFormat). A file is read with one
// bounded buffer (at most `max_line_length` + 64 KiB bytes, never the whole
// file); a line longer than `max_line_length` fails the subtask
// (ec::corrupt_file, naming the file and the line's byte offset).
// A final line without '\n':
//  - without `follow`: emitted when the end of the file is reached;
//  - with `follow`: held back until its '\n' arrives (the writer may still be
//    appending to it); it is never emitted while the line stays open.
//
// Order. Without `follow` the files are read one after another in name
// order (each subtask reads its own files in that order), and the source
// finishes after its last file. With `follow` the subtask visits its files
// round robin, reads whatever was appended, and when a full round found
// nothing new it idles for `poll_interval`, then lists the directory again
// (new files join with offset 0). A followed source never finishes.
//
// State (exactly-once replay). Operator list state "file-offsets", in
// union_list mode: one item per file this subtask has read something of,
// (relative name, byte offset of the next unread line), encoded with
// snapshot/state_codec.hpp as std::pair<std::string, uint64_t>. Offsets
// always sit on line boundaries of emitted records, so a restore continues
// each file exactly there: no line lost, none repeated. After a restore every
// subtask sees the offsets of all old subtasks (union) and keeps those of the
// files it owns under the new parallelism, so rescaling works too.
//
// Errors (sluice::exception, from `open` unless noted, failing the
// subtask like any operator error):
//  - ec::missing_input: `path` does not exist;
//  - ec::io_error: `path` or a file cannot be read (open/read fails, also in
//    emit_next); a restored file no longer exists, or is shorter than its
//    restored offset; a file shrinks below what was read while following;
//  - ec::corrupt_file: a line is longer than `max_line_length`
//    (emit_next), or the restored state is malformed;
//  - ec::invalid_argument: `max_line_length` is 0, `poll_interval` is 0
//    with `follow`, or the restored state holds two offsets for one file.
// Files must not be removed or truncated while the source reads them.
//
// Threading: a plain operator object, driven by one subtask at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "actors/contract/operator.hpp"
#include "operators/stream.hpp"

namespace sluice {

class environment;

/// Options of `file_source`.
struct file_source_options {
  /// A regular file or a directory of files.
  std::string path;
  /// Keep watching for appended data and new files (never finishes).
  bool follow = false;
  /// With `follow`: how long to idle when nothing new was found.
  std::chrono::milliseconds poll_interval{100};
  /// Longest accepted line in bytes (without the line break).
  size_t max_line_length = 1024 * 1024;
};

/// Name of the operator list state holding the offsets.
inline constexpr const char* file_offsets_state = "file-offsets";

/// The subtask (of `parallelism`) that reads the file with relative name
/// `name`: murmur3_32(name bytes, seed 0) % parallelism. Precondition:
/// parallelism > 0.
uint32_t file_owner(std::string_view name, uint32_t parallelism) noexcept;

/// Regular files of `dir` (not recursive; no '.'/'_' names), sorted by
/// name. Throws sluice::exception(ec::io_error) naming `dir` when it cannot
/// be listed.
std::vector<std::string> list_input_files(const std::filesystem::path& dir);

class file_source final : public source_operator {
public:
  explicit file_source(file_source_options opts);

  ~file_source() override;

  file_source(const file_source&) = delete;
  file_source& operator=(const file_source&) = delete;

  /// Keeps the restored offsets; they are applied (and checked) in `open`.
  void initialize_state(const initialization_context& ctx) override;

  /// Lists the input, keeps the files this subtask owns and applies the
  /// restored offsets. Errors: see the top of this file.
  void open(operator_context& ctx) override;

  /// Emits up to `max_records` lines of one file as one batch.
  source_step emit_next(operator_context& ctx, size_t max_records) override;

  /// One "file-offsets" item per file with offset > 0.
  void snapshot_state(const snapshot_context& ctx) override;

  /// "file-offsets" is a union list (see the top of this file).
  operator_state_modes list_state_modes() const override;

  /// Always true: a restore replays exactly from the checkpointed offsets.
  bool replayable() const noexcept override {
    return true;
  }

  /// (relative name, offset of the next unread line) of every file this
  /// subtask owns so far, in name order (for tests and diagnostics).
  std::vector<std::pair<std::string, uint64_t>> offsets() const;

private:
  struct tracked_file {
    std::string name;
    uint64_t offset = 0;
    bool done = false;
  };

  /// Result of reading the current file within one step.
  struct read_result {
    bool at_end = false;
  };

  std::filesystem::path path_of(const tracked_file& f) const;
  /// Adds the owned files of a fresh listing not yet tracked.
  void scan();
  /// Reads lines of files_[cur_] into `out`.
  read_result read_current(std::vector<std::string>& out, size_t max_records);
  /// Drops the buffer and the descriptor of the current file.
  void leave_current();
  [[noreturn]] void fail_io(const tracked_file& f, const std::string& what, int err) const;

  file_source_options opts_;
  /// Restored (name, offset) items, all of them (union), until `open`.
  std::vector<std::pair<std::string, uint64_t>> restored_;
  bool is_dir_ = false;
  uint32_t index_ = 0;
  uint32_t parallelism_ = 1;
  /// The files this subtask owns, sorted by name.
  std::vector<tracked_file> files_;
  size_t cur_ = 0;
  /// Descriptor of files_[cur_], or -1.
  int fd_ = -1;
  /// Bytes of files_[cur_] from its offset on, read but not yet emitted,
  /// starting at buf_[begin_].
  std::string buf_;
  size_t begin_ = 0;
  /// With `follow`: consecutive visits that found nothing new.
  size_t empty_visits_ = 0;
  bool rescan_due_ = false;
};

/// Adds a file source (operator name and uid "file-source"; call `.uid()`
/// on the result to give a second file source of a job another uid).
/// `parallelism` 0 means the environment's default.
stream<std::string> read_text_file(environment& env, file_source_options opts,
                                   uint32_t parallelism = 1);

} // namespace sluice
