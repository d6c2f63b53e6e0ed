#include "operators/wal_sink.hpp"

#include <cerrno>
#include <cstring>
#include <sstream>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot/fs_util.hpp"

namespace fs = std::filesystem;

namespace sluice {

namespace {

constexpr const char* marker_magic = "sluice-wal";
constexpr const char* output_suffix = ".out";
constexpr const char* marker_suffix = ".committed";

/// "<job>.<uid>-<subtask>": the name shared by a subtask's files.
std::string base_name(const subtask_info& info, uint32_t subtask) {
  auto prefix = transaction_id_prefix(info, subtask);
  prefix.pop_back(); // the trailing '-'
  return prefix;
}

/// Parses a marker file's content; nullopt when malformed.
std::optional<wal_committer::marker> parse_marker(std::string_view text) {
  std::istringstream in{std::string{text}};
  std::string magic;
  int version = 0;
  wal_committer::marker m;
  if (!(in >> magic >> version >> m.checkpoint_id >> m.length) || magic != marker_magic
      || version != 1)
    return std::nullopt;
  std::string rest;
  if (in >> rest)
    return std::nullopt;
  return m;
}

std::optional<wal_committer::marker> read_marker_file(const fs::path& path) {
  struct ::stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return std::nullopt;
    throw_file_error(ec::io_error, path, "cannot stat", errno);
  }
  auto bytes = read_whole_file(path);
  auto m = parse_marker(bytes.view());
  if (!m)
    throw_file_error(ec::corrupt_file, path, "malformed write-ahead sink marker");
  return m;
}

} // namespace

wal_committer::wal_committer(fs::path dir) : dir_(std::move(dir)) {
}

fs::path wal_committer::output_path(const subtask_info& info, uint32_t subtask) const {
  return dir_ / (base_name(info, subtask) + output_suffix);
}

fs::path wal_committer::marker_path(const subtask_info& info, uint32_t subtask) const {
  return dir_ / ("." + base_name(info, subtask) + marker_suffix);
}

void wal_committer::ensure_directory() {
  if (directory_ready_)
    return;
  std::error_code err;
  fs::create_directories(dir_, err);
  if (err)
    throw_file_error(ec::io_error, dir_, "cannot create", err.value());
  directory_ready_ = true;
}

wal_committer::marker wal_committer::read_marker(const subtask_info& info,
                                                 uint32_t subtask) const {
  return read_marker_file(marker_path(info, subtask)).value_or(marker{});
}

void wal_committer::write_marker(const subtask_info& info, uint32_t subtask, marker m) {
  write_file_atomically(marker_path(info, subtask),
                        std::string{marker_magic} + " 1 " + std::to_string(m.checkpoint_id) + " "
                          + std::to_string(m.length) + "\n");
}

bool wal_committer::write(const subtask_info& info, uint32_t subtask, uint64_t checkpoint_id,
                          const std::vector<std::string>& lines) {
  ensure_directory();
  auto m = read_marker(info, subtask);
  if (checkpoint_id <= m.checkpoint_id)
    return false; // written before (a replay after a restore)
  std::string data;
  for (auto& line : lines) {
    data += line;
    data.push_back('\n');
  }
  auto path = output_path(info, subtask);
  fd_guard f;
  f.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (f.fd < 0)
    throw_file_error(ec::io_error, path, "cannot open", errno);
  struct ::stat st;
  if (::fstat(f.fd, &st) != 0)
    throw_file_error(ec::io_error, path, "cannot stat", errno);
  auto size = static_cast<uint64_t>(st.st_size);
  if (size < m.length)
    throw_file_error(ec::corrupt_file, path,
         "holds " + std::to_string(size) + " bytes, its marker committed "
           + std::to_string(m.length));
  if (size > m.length && ::ftruncate(f.fd, static_cast<off_t>(m.length)) != 0)
    throw_file_error(ec::io_error, path, "cannot truncate the uncommitted tail", errno);
  size_t done = 0;
  while (done < data.size()) {
    auto n = ::pwrite(f.fd, data.data() + done, data.size() - done,
                      static_cast<off_t>(m.length + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw_file_error(ec::io_error, path, "cannot write", errno);
    done += static_cast<size_t>(n);
  }
  if (::fsync(f.fd) != 0)
    throw_file_error(ec::io_error, path, "fsync failed", errno);
  if (size == 0)
    sync_directory(dir_); // the file may be new
  write_marker(info, subtask, marker{checkpoint_id, m.length + data.size()});
  return true;
}

void wal_committer::truncate_uncommitted(const subtask_info& info, uint32_t subtask) {
  auto m = read_marker(info, subtask);
  auto path = output_path(info, subtask);
  struct ::stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT && m.length == 0)
      return;
    throw_file_error(ec::io_error, path, "cannot stat", errno);
  }
  auto size = static_cast<uint64_t>(st.st_size);
  if (size < m.length)
    throw_file_error(ec::corrupt_file, path,
         "holds " + std::to_string(size) + " bytes, its marker committed "
           + std::to_string(m.length));
  if (size > m.length) {
    if (::truncate(path.c_str(), static_cast<off_t>(m.length)) != 0)
      throw_file_error(ec::io_error, path, "cannot truncate the uncommitted tail", errno);
  }
}

void wal_committer::reset(const subtask_info& info, uint32_t subtask) {
  truncate_uncommitted(info, subtask);
  auto m = read_marker(info, subtask);
  if (m.checkpoint_id == 0)
    return;
  ensure_directory();
  write_marker(info, subtask, marker{0, m.length});
}

std::vector<std::string> read_committed_wal_lines(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code err;
  for (auto it = fs::directory_iterator(dir, err); !err && it != fs::directory_iterator();
       it.increment(err)) {
    auto name = it->path().filename().string();
    if (name.size() > std::strlen(output_suffix) && name[0] != '.'
        && name.compare(name.size() - std::strlen(output_suffix), std::string::npos,
                        output_suffix)
             == 0)
      names.push_back(name);
  }
  if (err && err != std::errc::no_such_file_or_directory)
    throw_file_error(ec::io_error, dir, "cannot list", err.value());
  std::sort(names.begin(), names.end());
  std::vector<std::string> lines;
  for (auto& name : names) {
    auto base = name.substr(0, name.size() - std::strlen(output_suffix));
    auto m = read_marker_file(dir / ("." + base + marker_suffix)).value_or(wal_committer::marker{});
    auto bytes = read_whole_file(dir / name);
    auto text = bytes.view();
    if (text.size() < m.length)
      throw_file_error(ec::corrupt_file, dir / name,
           "holds " + std::to_string(text.size()) + " bytes, its marker committed "
             + std::to_string(m.length));
    text = text.substr(0, m.length);
    size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      if (end == std::string_view::npos)
        throw_file_error(ec::corrupt_file, dir / name, "committed part ends inside a line");
      lines.emplace_back(text.substr(start, end - start));
      start = end + 1;
    }
  }
  return lines;
}

} // namespace sluice
