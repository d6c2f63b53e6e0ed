// The apps' checkpoint progress lines on stderr, e.g.
//
//   sluice: checkpoint 3 completed in 12 ms, 4.1 KiB state, 0 B in flight,
//           6/6 subtasks (/tmp/x/<job-id>/chk-3/_metadata)
//   sluice: checkpoint 4 failed after 10000 ms: checkpoint_expired:
//           Checkpoint expired before completing.
//
// (one line each). Pure formatting plus the bookkeeping of which
// checkpoints were printed: no job, no actor system, so unit tests feed it
// hand-made `checkpoint_stats_snapshot`s. The programs (apps/cli/sluice.cpp,
// apps/jobs/embedded_job.cpp) poll `job_client::checkpoint_stats()` in their wait
// loops and pass each snapshot to `checkpoint_reporter::update`.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "actors/checkpoint/checkpoint_stats.hpp"

namespace sluice::apps {

/// "0 B", "512 B", "4.1 KiB", "12.0 MiB", "1.5 GiB" (binary units, one
/// decimal from KiB on).
std::string format_bytes(uint64_t bytes);

/// The line for one completed or failed checkpoint, without prefix or
/// newline: "checkpoint 3 completed in 12 ms, 4.1 KiB state, 0 B in
/// flight, 6/6 subtasks (PATH)" (", unaligned" before the path when a
/// subtask took it unaligned; "savepoint" instead of "checkpoint" for
/// savepoints), or "checkpoint 4 failed after 10 ms: REASON: MESSAGE"
/// (the reason's snake_case name, then the failure message, or the
/// reason's description when the message is empty). An in-progress entry
/// gives "checkpoint N in progress, A/B subtasks".
std::string describe_checkpoint(const checkpoint_stats_entry& e);

/// Remembers which checkpoints were reported. Not thread-safe: one per wait
/// loop.
class checkpoint_reporter {
public:
  /// The lines (as `describe_checkpoint` gives them, oldest first) of every
  /// checkpoint in `s.history` that completed or failed since the previous
  /// call and was not reported yet. In-progress entries are reported once
  /// they end (if they are still in the history then). Checkpoints that
  /// left the 10-entry history between two calls are not reported; failed
  /// trigger attempts (no history entry) neither.
  std::vector<std::string> update(const checkpoint_stats_snapshot& s);

  /// Completed and failed checkpoints reported so far.
  uint64_t reported_completed() const noexcept {
    return completed_;
  }
  uint64_t reported_failed() const noexcept {
    return failed_;
  }

private:
  /// Reported ids not older than the oldest id of the last history (older
  /// ones cannot come back).
  std::set<uint64_t> reported_;
  uint64_t completed_ = 0;
  uint64_t failed_ = 0;
};

} // namespace sluice::apps
