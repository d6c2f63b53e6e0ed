#include "apps/cli/checkpoint_listing.hpp"

#include "apps/cli/checkpoint_state.hpp"
#include "snapshot/error.hpp"
#include "snapshot/snapshot_format.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <set>
#include <tuple>

namespace sluice::apps {

namespace fs = std::filesystem;

std::string format_utc_iso8601(int64_t ms) {
  using namespace std::chrono;
  sys_time<milliseconds> tp{milliseconds{ms}};
  auto day = floor<days>(tp);
  year_month_day ymd{day};
  hh_mm_ss<milliseconds> hms{tp - day};
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

uint64_t checkpoint_size(const fs::path& dir, const checkpoint_metadata& md,
                         uint64_t metadata_size) {
  std::set<fs::path> files;
  for (auto& op : md.operators)
    for (auto& sub : op.subtasks)
      for (auto& h : sub.handles)
        if (!h.is_inline())
          files.insert(state_file_path(dir, h));
  uint64_t total = metadata_size;
  for (auto& f : files) {
    std::error_code err;
    auto size = fs::file_size(f, err);
    if (err)
      throw exception(ec::io_error, (dir / metadata_file_name).string()
                                      + ": references missing state file " + f.string());
    total += size;
  }
  return total;
}

namespace {

bool has_metadata(const fs::path& dir) {
  std::error_code err;
  return fs::exists(dir / metadata_file_name, err);
}

/// The subdirectories of `dir`; unreadable ones are skipped.
std::vector<fs::path> subdirectories(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code err;
  for (fs::directory_iterator it{dir, err}, end; !err && it != end; it.increment(err)) {
    std::error_code type_err;
    if (it->is_directory(type_err))
      out.push_back(it->path());
  }
  return out;
}

/// Collapses a multi-line message into one line.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

} // namespace

std::vector<fs::path> find_checkpoint_dirs(const fs::path& dir) {
  std::error_code err;
  auto status = fs::status(dir, err);
  if (!fs::exists(status))
    throw exception(ec::io_error, dir.string() + ": no such directory");
  if (!fs::is_directory(status))
    throw exception(ec::io_error, dir.string() + ": not a directory");
  if (has_metadata(dir))
    return {dir};
  std::error_code list_err;
  fs::directory_iterator probe{dir, list_err};
  if (list_err)
    throw exception(ec::io_error, dir.string() + ": cannot list: " + list_err.message());
  std::vector<fs::path> out;
  for (auto& child : subdirectories(dir)) {
    if (has_metadata(child)) {
      out.push_back(child);
      continue;
    }
    for (auto& grandchild : subdirectories(child))
      if (has_metadata(grandchild))
        out.push_back(grandchild);
  }
  std::sort(out.begin(), out.end());
  return out;
}

checkpoint_scan scan_checkpoints(const fs::path& dir) {
  checkpoint_scan scan;
  for (auto& chk : find_checkpoint_dirs(dir)) {
    try {
      auto file = chk / metadata_file_name;
      auto md = read_metadata_file(file);
      std::error_code err;
      auto metadata_size = fs::file_size(file, err);
      if (err)
        throw exception(ec::io_error, file.string() + ": cannot stat: " + err.message());
      scan.found.push_back({md.job_id, md.checkpoint_id, md.timestamp_ms, md.is_savepoint,
                            checkpoint_size(chk, md, metadata_size), chk});
    } catch (const std::exception& e) {
      scan.problems.push_back(one_line(e.what()));
    }
  }
  std::sort(scan.found.begin(), scan.found.end(), [](const auto& a, const auto& b) {
    return std::tie(a.job_id, a.checkpoint_id, a.dir) < std::tie(b.job_id, b.checkpoint_id, b.dir);
  });
  return scan;
}

std::string format_checkpoint_table(const std::vector<listed_checkpoint>& found,
                                    const fs::path& dir) {
  if (found.empty())
    return "no retained checkpoints under " + dir.string() + "\n";
  using row = std::array<std::string, 6>;
  std::vector<row> rows{{"JOB ID", "ID", "TRIGGER TIME (UTC)", "SIZE (BYTES)", "KIND", "PATH"}};
  for (auto& c : found)
    rows.push_back({c.job_id, std::to_string(c.checkpoint_id), format_utc_iso8601(c.timestamp_ms),
                    std::to_string(c.size_bytes), c.is_savepoint ? "savepoint" : "checkpoint",
                    c.dir.string()});
  std::array<size_t, 6> width{};
  for (auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      bool right = i == 1 || i == 3; // numbers
      auto pad = std::string(width[i] - r[i].size(), ' ');
      if (i + 1 == r.size()) {
        out += r[i];
        break;
      }
      out += right ? pad + r[i] : r[i] + pad;
      out += "  ";
    }
    out += '\n';
  }
  return out;
}

} // namespace sluice::apps
