#include "operators/file_source.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "operators/environment.hpp"
#include "snapshot/key_groups.hpp"
#include "snapshot/state_codec.hpp"

namespace sluice {

namespace {

namespace fs = std::filesystem;

using offset_item = std::pair<std::string, uint64_t>;

/// Bytes read per read(2) call.
constexpr size_t chunk_size = 64 * 1024;

/// Reads per step at most: a step stays short (a cancel lands between steps).
constexpr size_t max_chunks_per_step = 16;

bool filtered_out(const std::string& name) {
  return name.empty() || name.front() == '.' || name.front() == '_';
}

std::string in_quotes(const fs::path& p) {
  return "'" + p.string() + "'";
}

} // namespace

uint32_t file_owner(std::string_view name, uint32_t parallelism) noexcept {
  return murmur3_32(name.data(), name.size(), 0) % parallelism;
}

std::vector<std::string> list_input_files(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code err;
  fs::directory_iterator it{dir, err};
  for (; !err && it != fs::directory_iterator{}; it.increment(err)) {
    auto name = it->path().filename().string();
    std::error_code type_err;
    if (!filtered_out(name) && it->is_regular_file(type_err))
      names.push_back(std::move(name));
  }
  if (err)
    throw exception(ec::io_error, "file source: cannot list directory " + in_quotes(dir) + ": "
                                    + err.message());
  std::sort(names.begin(), names.end());
  return names;
}

file_source::file_source(file_source_options opts) : opts_(std::move(opts)) {
}

file_source::~file_source() {
  if (fd_ >= 0)
    ::close(fd_);
}

void file_source::initialize_state(const initialization_context& ctx) {
  restored_.clear();
  if (!ctx.restored)
    return;
  for (auto& bytes : ctx.restored_list(file_offsets_state))
    restored_.push_back(decode_value<offset_item>(bytes, "file source: restored file offset"));
}

fs::path file_source::path_of(const tracked_file& f) const {
  return is_dir_ ? fs::path{opts_.path} / f.name : fs::path{opts_.path};
}

void file_source::fail_io(const tracked_file& f, const std::string& what, int err) const {
  throw exception(ec::io_error, "file source: " + what + " " + in_quotes(path_of(f)) + " (file '"
                                  + f.name + "' at offset " + std::to_string(f.offset)
                                  + "): " + std::strerror(err));
}

void file_source::open(operator_context& ctx) {
  if (opts_.max_line_length == 0)
    throw exception(ec::invalid_argument, "file source: max line length must be > 0");
  if (opts_.follow && opts_.poll_interval.count() <= 0)
    throw exception(ec::invalid_argument, "file source: poll interval must be > 0");
  index_ = ctx.info().subtask_index;
  parallelism_ = std::max<uint32_t>(ctx.info().parallelism, 1);
  struct stat st;
  if (::stat(opts_.path.c_str(), &st) != 0) {
    auto err = errno;
    throw exception(err == ENOENT ? ec::missing_input : ec::io_error,
                    "file source: input path " + in_quotes(opts_.path) + ": "
                      + std::strerror(err));
  }
  is_dir_ = S_ISDIR(st.st_mode);
  if (!is_dir_ && !S_ISREG(st.st_mode))
    throw exception(ec::io_error, "file source: input path " + in_quotes(opts_.path)
                                    + " is neither a regular file nor a directory");
  if (!is_dir_ && ::access(opts_.path.c_str(), R_OK) != 0)
    throw exception(ec::io_error, "file source: input path " + in_quotes(opts_.path) + ": "
                                    + std::strerror(errno));
  files_.clear();
  scan();
  // Apply the restored offsets of the files this subtask owns.
  std::vector<offset_item> mine;
  for (auto& item : restored_)
    if (file_owner(item.first, parallelism_) == index_)
      mine.push_back(item);
  std::sort(mine.begin(), mine.end());
  for (size_t i = 1; i < mine.size(); ++i)
    if (mine[i].first == mine[i - 1].first)
      throw exception(ec::invalid_argument, "file source: restored state holds two offsets ("
                                              + std::to_string(mine[i - 1].second) + ", "
                                              + std::to_string(mine[i].second)
                                              + ") for file '" + mine[i].first + "'");
  for (auto& [name, offset] : mine) {
    auto it = std::lower_bound(files_.begin(), files_.end(), name,
                               [](const tracked_file& f, const std::string& n) {
                                 return f.name < n;
                               });
    tracked_file probe{name, offset, false};
    if (it == files_.end() || it->name != name)
      throw exception(ec::io_error, "file source: restored file '" + name + "' (offset "
                                      + std::to_string(offset) + ") no longer exists in "
                                      + in_quotes(opts_.path));
    struct stat fst;
    if (::stat(path_of(probe).c_str(), &fst) != 0)
      fail_io(probe, "cannot stat restored file", errno);
    if (static_cast<uint64_t>(fst.st_size) < offset)
      throw exception(ec::io_error, "file source: restored file " + in_quotes(path_of(probe))
                                      + " has " + std::to_string(fst.st_size)
                                      + " bytes, less than its restored offset "
                                      + std::to_string(offset) + " (truncated?)");
    it->offset = offset;
  }
  restored_.clear();
  cur_ = 0;
}

void file_source::scan() {
  std::vector<std::string> names;
  if (is_dir_)
    names = list_input_files(opts_.path);
  else
    names.push_back(fs::path{opts_.path}.filename().string());
  for (auto& name : names) {
    if (file_owner(name, parallelism_) != index_)
      continue;
    auto it = std::lower_bound(files_.begin(), files_.end(), name,
                               [](const tracked_file& f, const std::string& n) {
                                 return f.name < n;
                               });
    if (it == files_.end() || it->name != name)
      files_.insert(it, tracked_file{name, 0, false});
  }
}

void file_source::leave_current() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
  buf_.clear();
  begin_ = 0;
}

file_source::read_result file_source::read_current(std::vector<std::string>& out,
                                                   size_t max_records) {
  auto& f = files_[cur_];
  if (fd_ < 0) {
    fd_ = ::open(path_of(f).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
      fail_io(f, "cannot open", errno);
  }
  auto too_long = [&](size_t len) {
    throw exception(ec::corrupt_file, "file source: line at offset " + std::to_string(f.offset)
                                        + " of file " + in_quotes(path_of(f)) + " is longer than "
                                        + std::to_string(opts_.max_line_length) + " bytes ("
                                        + std::to_string(len) + " bytes so far)");
  };
  auto push_line = [&](size_t end) { // buf_[begin_, end) is a line, end = '\n' or eof
    auto len = end - begin_;
    if (len > opts_.max_line_length)
      too_long(len);
    auto stop = end;
    if (stop > begin_ && buf_[stop - 1] == '\r')
      --stop;
    out.emplace_back(buf_, begin_, stop - begin_);
    f.offset += len + (end < buf_.size() ? 1 : 0);
    begin_ = std::min(end + 1, buf_.size());
  };
  size_t chunks = 0;
  bool at_end = false;
  for (;;) {
    while (out.size() < max_records) {
      auto nl = buf_.find('\n', begin_);
      if (nl == std::string::npos)
        break;
      push_line(nl);
    }
    if (out.size() >= max_records)
      break;
    // No '\n' in the pending bytes.
    if (buf_.size() - begin_ > opts_.max_line_length)
      too_long(buf_.size() - begin_);
    if (chunks == max_chunks_per_step)
      break;
    buf_.erase(0, begin_);
    begin_ = 0;
    auto pos = f.offset + buf_.size();
    auto old = buf_.size();
    buf_.resize(old + chunk_size);
    ssize_t got;
    do
      got = ::pread(fd_, buf_.data() + old, chunk_size, static_cast<off_t>(pos));
    while (got < 0 && errno == EINTR);
    if (got < 0) {
      auto err = errno;
      buf_.resize(old);
      fail_io(f, "cannot read", err);
    }
    buf_.resize(old + static_cast<size_t>(got));
    ++chunks;
    if (got == 0) {
      at_end = true;
      struct stat st;
      if (::fstat(fd_, &st) != 0)
        fail_io(f, "cannot stat", errno);
      if (static_cast<uint64_t>(st.st_size) < pos)
        throw exception(ec::io_error, "file source: file " + in_quotes(path_of(f)) + " shrank to "
                                        + std::to_string(st.st_size) + " bytes below offset "
                                        + std::to_string(pos) + " (truncated while read)");
      break;
    }
  }
  // The final line without '\n' (only when not following).
  if (at_end && !opts_.follow && begin_ < buf_.size()) {
    if (out.size() < max_records)
      push_line(buf_.size());
    else
      at_end = false; // emit it next step
  }
  if (begin_ == buf_.size()) {
    buf_.clear();
    begin_ = 0;
  }
  return {at_end};
}

source_step file_source::emit_next(operator_context& ctx, size_t max_records) {
  max_records = std::max<size_t>(max_records, 1);
  if (opts_.follow && rescan_due_) {
    rescan_due_ = false;
    leave_current();
    scan();
    cur_ = 0;
  }
  if (!opts_.follow) {
    while (cur_ < files_.size() && files_[cur_].done)
      ++cur_;
    if (cur_ == files_.size()) {
      leave_current();
      return {source_step::finished};
    }
  } else if (files_.empty()) {
    rescan_due_ = true;
    return {source_step::idle, opts_.poll_interval};
  }
  std::vector<std::string> lines;
  auto result = read_current(lines, max_records);
  auto emitted = !lines.empty();
  if (emitted)
    ctx.emit(make_batch(std::move(lines)));
  if (!result.at_end) {
    empty_visits_ = 0;
    return {source_step::more};
  }
  leave_current();
  if (!opts_.follow) {
    files_[cur_].done = true;
    ++cur_;
    return {source_step::more};
  }
  cur_ = (cur_ + 1) % files_.size();
  empty_visits_ = emitted ? 0 : empty_visits_ + 1;
  if (empty_visits_ >= files_.size()) {
    empty_visits_ = 0;
    rescan_due_ = true;
    return {source_step::idle, opts_.poll_interval};
  }
  return {source_step::more};
}

void file_source::snapshot_state(const snapshot_context& ctx) {
  for (auto& f : files_) {
    if (f.offset == 0)
      continue;
    std::string bytes;
    encode_value(offset_item{f.name, f.offset}, bytes);
    ctx.add_list_item(file_offsets_state, std::move(bytes));
  }
}

operator_state_modes file_source::list_state_modes() const {
  return {{file_offsets_state, operator_state_mode::union_list}};
}

std::vector<std::pair<std::string, uint64_t>> file_source::offsets() const {
  std::vector<std::pair<std::string, uint64_t>> result;
  for (auto& f : files_)
    result.emplace_back(f.name, f.offset);
  return result;
}

stream<std::string> read_text_file(environment& env, file_source_options opts,
                                   uint32_t parallelism) {
  auto s = env.add_source<std::string>(
    "file-source", [opts] { return std::make_unique<file_source>(opts); }, parallelism);
  s.uid("file-source");
  return s;
}

} // namespace sluice
