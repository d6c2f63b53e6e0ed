#include "operators/transactional_file_sink.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

#include <sys/stat.h>
#include <unistd.h>

#include "snapshot/fs_util.hpp"

namespace fs = std::filesystem;

namespace sluice {

namespace {

/// Flush the write buffer once it holds this much.
constexpr size_t flush_threshold = 64 * 1024;

/// Size of the regular file at `path`, or -1 when it does not exist.
int64_t file_size_or_missing(const fs::path& path) {
  struct ::stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return -1;
    throw_file_error(ec::io_error, path, "cannot stat", errno);
  }
  if (!S_ISREG(st.st_mode))
    throw_file_error(ec::corrupt_file, path, "not a regular file");
  return static_cast<int64_t>(st.st_size);
}

void check_size(const fs::path& path, int64_t size, const file_transaction& txn) {
  if (size != static_cast<int64_t>(txn.bytes))
    throw_file_error(ec::corrupt_file, path,
         "holds " + std::to_string(size) + " bytes, transaction " + txn.id + " pre-committed "
           + std::to_string(txn.bytes));
}

/// Names of the entries of `dir` (none if it does not exist).
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> result;
  std::error_code err;
  for (auto it = fs::directory_iterator(dir, err); !err && it != fs::directory_iterator();
       it.increment(err))
    result.push_back(it->path().filename().string());
  if (err && err != std::errc::no_such_file_or_directory)
    throw_file_error(ec::io_error, dir, "cannot list", err.value());
  return result;
}

} // namespace

transactional_file_writer::transactional_file_writer(fs::path dir) : dir_(std::move(dir)) {
}

transactional_file_writer::~transactional_file_writer() = default;

fs::path transactional_file_writer::in_progress_path(const std::string& id) const {
  return dir_ / in_progress_dir_name / id;
}

fs::path transactional_file_writer::committed_path(const std::string& id) const {
  return dir_ / (part_prefix + id);
}

void transactional_file_writer::ensure_directories() {
  if (directories_ready_)
    return;
  std::error_code err;
  fs::create_directories(dir_ / in_progress_dir_name, err);
  if (err)
    throw_file_error(ec::io_error, dir_ / in_progress_dir_name, "cannot create", err.value());
  directories_ready_ = true;
}

void transactional_file_writer::append(file_transaction& txn, std::string_view data,
                                       uint64_t lines) {
  if (data.empty())
    return;
  if (!out_ || open_id_ != txn.id) {
    if (out_)
      throw exception(ec::invalid_argument, "transactional file sink: transaction " + txn.id
                                              + " written while " + open_id_ + " is open");
    if (txn.bytes != 0)
      throw_file_error(ec::invalid_argument, in_progress_path(txn.id),
           "transaction " + txn.id + " written after its pre-commit");
    ensure_directories();
    out_ = std::make_unique<output_file>(in_progress_path(txn.id), true);
    open_id_ = txn.id;
  }
  buffer_.append(data);
  txn.bytes += data.size();
  txn.lines += lines;
  if (buffer_.size() >= flush_threshold)
    flush();
}

void transactional_file_writer::flush() {
  if (!buffer_.empty())
    out_->write(buffer_.data(), buffer_.size());
  buffer_.clear();
}

void transactional_file_writer::pre_commit(file_transaction& txn) {
  if (!out_ || open_id_ != txn.id)
    return; // no record: no file
  flush();
  out_->sync();
  out_->close();
  out_.reset();
  open_id_.clear();
  sync_directory(dir_ / in_progress_dir_name);
}

void transactional_file_writer::commit(const file_transaction& txn) {
  if (txn.bytes == 0)
    return;
  auto from = in_progress_path(txn.id);
  auto to = committed_path(txn.id);
  auto size = file_size_or_missing(from);
  if (size >= 0) {
    check_size(from, size, txn);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT)
      throw_file_error(ec::io_error, to, "cannot rename " + from.string() + " to it", errno);
    sync_directory(dir_);
  }
  // Committed now or before (idempotent): the part file must be there.
  auto committed = file_size_or_missing(to);
  if (committed < 0)
    throw_file_error(ec::io_error, to,
         "transaction " + txn.id + " has neither an in-progress nor a committed file: "
           + std::to_string(txn.lines) + " pre-committed lines are lost");
  check_size(to, committed, txn);
}

void transactional_file_writer::abort(const file_transaction& txn) {
  if (out_ && open_id_ == txn.id) {
    out_.reset(); // closes without fsync; the file goes anyway
    open_id_.clear();
    buffer_.clear();
  }
  auto path = in_progress_path(txn.id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    throw_file_error(ec::io_error, path, "cannot remove", errno);
}

size_t transactional_file_writer::remove_leftovers(const std::vector<std::string>& prefixes) {
  auto dir = dir_ / in_progress_dir_name;
  size_t removed = 0;
  for (auto& name : names_in(dir)) {
    bool ours = std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) {
      return parse_transaction_sequence(name, p).has_value();
    });
    if (!ours || (out_ && name == open_id_))
      continue;
    auto path = dir / name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      throw_file_error(ec::io_error, path, "cannot remove leftover in-progress file", errno);
    ++removed;
  }
  if (removed > 0)
    sync_directory(dir);
  return removed;
}

uint64_t transactional_file_writer::first_free_sequence(const std::string& prefix) const {
  uint64_t result = 0;
  auto consider = [&](const std::optional<uint64_t>& seq) {
    if (seq)
      result = std::max(result, *seq + 1);
  };
  for (auto& name : names_in(dir_ / in_progress_dir_name))
    consider(parse_transaction_sequence(name, prefix));
  for (auto& name : names_in(dir_))
    consider(parse_transaction_sequence(name, part_prefix + prefix));
  return result;
}

std::vector<std::string> read_committed_lines(const fs::path& dir) {
  auto names = names_in(dir);
  std::sort(names.begin(), names.end());
  std::vector<std::string> lines;
  for (auto& name : names) {
    if (name.rfind(transactional_file_writer::part_prefix, 0) != 0)
      continue;
    auto bytes = read_whole_file(dir / name);
    auto text = bytes.view();
    if (!text.empty() && text.back() != '\n')
      throw_file_error(ec::corrupt_file, dir / name, "does not end with a complete line");
    size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      lines.emplace_back(text.substr(start, end - start));
      start = end + 1;
    }
  }
  return lines;
}

} // namespace sluice
