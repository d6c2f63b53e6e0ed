// A source of text lines from a file or from standard input, for the sample
// jobs (`sluice run word-count [--input FILE]`).
//
// It never blocks the subtask actor: every step polls the file descriptor
// without waiting, reads at most one chunk of what is there and returns
// `idle` when nothing is, so a cancel (Ctrl-C) lands between steps even
// while an interactive or piped stdin has nothing to say. Parallelism 1 (one
// reader per file); lines keep their order. Not replayable (a restarted job
// does not re-read stdin; `replayable()` is false, so a checkpointed job
// warns that it is at-most-once for this input). word-count uses it for
// stdin only: files go through the replayable operators/file_source.hpp.
#pragma once

#include <cstddef>
#include <string>

#include "actors/contract/operator.hpp"

namespace sluice::apps {

/// Empty when `path` names a readable regular file (or is empty / "-" for
/// stdin); otherwise why not, naming the file ("input file 'x': No such
/// file or directory"). The CLI checks before it starts a job.
std::string check_input_file(const std::string& path);

class line_source final : public source_operator {
public:
  /// `path` empty or "-": standard input (not closed at the end).
  explicit line_source(std::string path);

  ~line_source() override;

  line_source(const line_source&) = delete;
  line_source& operator=(const line_source&) = delete;

  /// Opens the file; throws `sluice::exception(ec::missing_input)` naming
  /// the file when it cannot be opened.
  void open(operator_context& ctx) override;

  /// Emits up to `max_records` complete lines (without the line break and
  /// a trailing '\r'); the last line needs no line break. `finished` at end
  /// of file, `idle` while no input is ready.
  source_step emit_next(operator_context& ctx, size_t max_records) override;

  /// "stdin" or the file's path, for messages.
  const std::string& display_name() const noexcept {
    return name_;
  }

private:
  /// Reads one chunk if the descriptor has input; false when none is ready.
  bool read_chunk(operator_context& ctx);

  std::string path_;
  std::string name_;
  int fd_ = -1;
  bool owns_fd_ = false;
  bool eof_ = false;
  /// Bytes read but not yet emitted, from offset `begin_` on.
  std::string buf_;
  size_t begin_ = 0;
};

} // namespace sluice::apps
