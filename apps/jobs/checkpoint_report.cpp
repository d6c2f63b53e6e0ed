#include "apps/jobs/checkpoint_report.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>

#include "actors/checkpoint/failure_reason.hpp"

namespace sluice::apps {

std::string format_bytes(uint64_t bytes) {
  static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024)
    return std::to_string(bytes) + " B";
  auto x = static_cast<double>(bytes) / 1024.0;
  size_t unit = 0;
  // Round first, so 1048575 bytes read "1.0 MiB" rather than "1024.0 KiB".
  while (unit + 1 < std::size(units) && x >= 1024.0 - 0.05) {
    x /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", x, units[unit]);
  return buf;
}

std::string describe_checkpoint(const checkpoint_stats_entry& e) {
  std::string out = e.is_savepoint ? "savepoint " : "checkpoint ";
  out += std::to_string(e.checkpoint_id);
  auto subtasks = std::to_string(e.num_acknowledged_subtasks) + "/"
                  + std::to_string(e.num_subtasks) + " subtasks";
  auto ms = std::to_string(millis(e.end_to_end_duration)) + " ms";
  switch (e.status) {
    case checkpoint_status::in_progress:
      out += " in progress, " + subtasks;
      break;
    case checkpoint_status::completed:
      out += " completed in " + ms + ", " + format_bytes(e.state_size) + " state, "
             + format_bytes(e.persisted_data) + " in flight, " + subtasks;
      if (e.unaligned)
        out += ", unaligned";
      if (!e.external_path.empty())
        out += " (" + e.external_path + ")";
      break;
    case checkpoint_status::failed: {
      out += " failed after " + ms;
      std::string message = e.failure_message;
      if (e.failure_reason) {
        out += ": ";
        out += to_string(*e.failure_reason);
        if (message.empty())
          message = describe(*e.failure_reason);
      }
      if (!message.empty())
        out += ": " + message;
      break;
    }
  }
  return out;
}

std::vector<std::string> checkpoint_reporter::update(const checkpoint_stats_snapshot& s) {
  // The history, plus the latest completed and failed ones (they may have
  // left the history already), by id.
  std::map<uint64_t, const checkpoint_stats_entry*> ended;
  auto consider = [&](const checkpoint_stats_entry& e) {
    if (e.status != checkpoint_status::in_progress)
      ended.emplace(e.checkpoint_id, &e);
  };
  for (auto& e : s.history)
    consider(e);
  if (s.latest_completed)
    consider(*s.latest_completed);
  if (s.latest_failed)
    consider(*s.latest_failed);
  if (s.latest_savepoint)
    consider(*s.latest_savepoint);
  std::vector<std::string> lines;
  for (auto& [id, e] : ended) {
    if (!reported_.insert(id).second)
      continue;
    lines.push_back(describe_checkpoint(*e));
    if (e->status == checkpoint_status::completed)
      ++completed_;
    else
      ++failed_;
  }
  // Forget ids older than everything the snapshot still shows: they cannot
  // be shown again. Keep the newest reported id regardless.
  uint64_t oldest = UINT64_MAX;
  for (auto& e : s.history)
    oldest = std::min(oldest, e.checkpoint_id);
  for (auto* e : {s.latest_completed ? &*s.latest_completed : nullptr,
                  s.latest_failed ? &*s.latest_failed : nullptr,
                  s.latest_savepoint ? &*s.latest_savepoint : nullptr})
    if (e != nullptr)
      oldest = std::min(oldest, e->checkpoint_id);
  while (reported_.size() > 1 && *reported_.begin() < oldest)
    reported_.erase(reported_.begin());
  return lines;
}

} // namespace sluice::apps
