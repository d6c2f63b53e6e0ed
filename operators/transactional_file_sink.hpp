// A transactional file sink: exactly-once lines in a directory (Flink's
// FileSink / the seeds' TwoPhaseCommitSinkFunction example), built on
// two_phase_commit_sink.hpp.
//
// Layout of `dir` (one place that builds every path: transactional_file_writer):
//   <dir>/.in-progress/<txn-id>   data of a transaction not committed yet
//   <dir>/part-<txn-id>           a committed transaction's lines
// with <txn-id> = "<job>.<uid>-<subtask>-<sequence, 10 digits>"
// (transaction_id in two_phase_commit_sink.hpp).
//
// - A transaction's file is created on its first record (a transaction
//   without records leaves no file and commits to nothing).
// - pre-commit: flush, fsync the file, close it, fsync .in-progress/.
// - commit: rename the in-progress file to part-<txn-id> (atomic), fsync
//   the directory. Idempotent: when the in-progress file is gone but the
//   part file exists with the pre-committed size, the transaction was
//   committed before. Sizes are checked: an in-progress or part file whose
//   size differs from what was pre-committed fails the job
//   (ec::corrupt_file), and so does a transaction whose data vanished
//   (ec::io_error) — never silently lost or doubled output.
// - abort: close and remove the in-progress file (a missing one is fine).
// - On open (fresh start or restore), after the restored transactions were
//   committed or aborted: removes the in-progress files of this sink's
//   subtask (and of old subtasks it took over after a rescale) — those of
//   transactions begun after the restored checkpoint. Files of other
//   subtasks, other sinks (another job or uid) and part files are never
//   touched. New sequence numbers start above every id already in `dir`, so
//   a later run into the same directory adds files and never overwrites.
//
// Guarantee: part files hold exactly the records before the barrier of a
// completed checkpoint, each once, also across failures and restores (with a
// replayable source and exactly-once checkpoints). Readers must ignore
// `.in-progress/` (read_committed_lines does). Part files appear when the
// sink learns that a checkpoint completed (or on the restore after it), so
// output lags by about one checkpoint interval. Needs checkpointing: the
// final checkpoint after end of input commits the rest.
//
// Lines: Format turns a record into one line without its '\n' (default:
// the string itself, or `operator<<`); it must not produce '\n' itself.
#pragma once

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "operators/two_phase_commit_sink.hpp"

namespace sluice {

class output_file;

/// The handle of one file transaction, stored in checkpoints.
struct file_transaction {
  std::string id;
  /// Bytes and lines written so far (fixed by pre-commit).
  uint64_t bytes = 0;
  uint64_t lines = 0;

  friend bool operator==(const file_transaction&, const file_transaction&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, file_transaction& x) {
  return f(caf::meta::type_name("file_transaction"), x.id, x.bytes, x.lines);
}

/// The file operations of the sink, independent of the record type. One
/// writer per sink instance; not thread-safe. Every failure throws
/// sluice::exception naming the file.
class transactional_file_writer {
public:
  explicit transactional_file_writer(std::filesystem::path dir);
  ~transactional_file_writer();

  transactional_file_writer(const transactional_file_writer&) = delete;
  transactional_file_writer& operator=(const transactional_file_writer&) = delete;

  static constexpr const char* in_progress_dir_name = ".in-progress";
  static constexpr const char* part_prefix = "part-";

  const std::filesystem::path& dir() const noexcept {
    return dir_;
  }

  /// `<dir>/.in-progress/<id>`.
  std::filesystem::path in_progress_path(const std::string& id) const;

  /// `<dir>/part-<id>`.
  std::filesystem::path committed_path(const std::string& id) const;

  /// Appends `data` (`lines` complete lines) to `txn`'s in-progress file,
  /// creating it on first use. Only one transaction is written at a time.
  void append(file_transaction& txn, std::string_view data, uint64_t lines);

  void pre_commit(file_transaction& txn);
  void commit(const file_transaction& txn);
  void abort(const file_transaction& txn);

  /// Removes in-progress files named `prefix` + digits for any of
  /// `prefixes`; returns how many.
  size_t remove_leftovers(const std::vector<std::string>& prefixes);

  /// One above the highest sequence of an in-progress or part file named
  /// with `prefix`; 0 if there is none.
  uint64_t first_free_sequence(const std::string& prefix) const;

private:
  void ensure_directories();
  void flush();

  std::filesystem::path dir_;
  bool directories_ready_ = false;
  std::string open_id_;
  std::unique_ptr<output_file> out_;
  std::string buffer_;
};

/// Every line of every part file in `dir` (files in name order, so per
/// sink subtask in commit order); in-progress files are ignored. A missing
/// directory gives no lines.
std::vector<std::string> read_committed_lines(const std::filesystem::path& dir);

/// Default line format: the string itself, or what `operator<<` prints.
template <class T>
struct line_format {
  std::string operator()(const T& x) const {
    if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      return std::string{std::string_view{x}};
    } else {
      std::ostringstream os;
      os << x;
      return os.str();
    }
  }
};

template <class T, class Format = line_format<T>>
class transactional_file_sink final : public two_phase_commit_sink<T, file_transaction> {
public:
  explicit transactional_file_sink(std::filesystem::path dir, Format format = {})
    : writer_(std::move(dir)), format_(std::move(format)) {
  }

  const transactional_file_writer& writer() const noexcept {
    return writer_;
  }

protected:
  file_transaction begin_transaction(const transaction_context& ctx) override {
    return file_transaction{ctx.id, 0, 0};
  }

  void invoke(file_transaction& txn, const T& x) override {
    auto line = format_(x);
    line.push_back('\n');
    writer_.append(txn, line, 1);
  }

  void invoke_batch(file_transaction& txn, const std::vector<T>& xs) override {
    std::string buf;
    for (auto& x : xs) {
      buf += format_(x);
      buf.push_back('\n');
    }
    writer_.append(txn, buf, xs.size());
  }

  void pre_commit(file_transaction& txn) override {
    writer_.pre_commit(txn);
  }

  void commit(const file_transaction& txn) override {
    writer_.commit(txn);
  }

  void abort(const file_transaction& txn) override {
    writer_.abort(txn);
  }

  void clean_up_leftovers(const subtask_info& info,
                          const std::vector<uint32_t>& subtasks) override {
    std::vector<std::string> prefixes;
    for (auto j : subtasks)
      prefixes.push_back(transaction_id_prefix(info, j));
    writer_.remove_leftovers(prefixes);
  }

  uint64_t first_free_sequence(const subtask_info& info) override {
    return writer_.first_free_sequence(transaction_id_prefix(info, info.subtask_index));
  }

private:
  transactional_file_writer writer_;
  Format format_;
};

} // namespace sluice
