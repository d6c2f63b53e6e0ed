// `sluice run consistency-levels`: the seeds' StateConsistencyExample made
// observable. The same per-user visit count (keyed value state) over the
// same click events runs three times with the same injected failures
// (`--inject-failures`, default seed=1,kills=3) and a fixed-delay restart
// strategy, under
//   at-most-once   no checkpoints, and a source that cannot rewind (the
//                  events a failed attempt took are gone, like a socket);
//                  a restart starts with empty state;
//   at-least-once  checkpoints with checkpointing.mode=at_least_once
//                  (barriers not aligned) and the replayable generator;
//   exactly-once   checkpoints with aligned barriers (exactly_once).
// For each it prints, per user, the expected count (every event once), the
// observed count (the last count the job emitted for the user: its final
// state) and the records lost (expected - observed, when below) and
// duplicated (observed - expected, when above), plus the restarts.
//
// The count goes to a sink that keeps each user's latest value; the sink
// itself is not transactional, the comparison is about state.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "actors/fault/fault_injection.hpp"
#include "operators/sources.hpp"

namespace sluice::apps {

struct consistency_options {
  /// Events, users, seed and rate of the click generator (the rate makes
  /// the job run long enough for the kills to land mid-stream).
  click_source_options clicks = defaults();
  uint32_t parallelism = 2;
  std::chrono::milliseconds checkpoint_interval{50};
  fault_injection_spec faults = default_faults();

  static click_source_options defaults();
  static fault_injection_spec default_faults();
};

enum class consistency_level { at_most_once, at_least_once, exactly_once };

const char* to_string(consistency_level level) noexcept;

struct user_outcome {
  int64_t expected = 0;
  int64_t observed = 0;
};

struct level_outcome {
  consistency_level level = consistency_level::exactly_once;
  std::map<std::string, user_outcome> users;
  uint64_t restarts = 0;
  /// Empty when the job finished; else why it did not.
  std::string failure;

  int64_t lost() const;
  int64_t duplicated() const;
};

/// Runs the job once under `level` with `opts.faults` injected; blocks.
level_outcome run_consistency_level(consistency_level level, const consistency_options& opts);

/// Runs all three levels and prints the comparison to `out`; injected
/// faults and restarts go to `log`. Returns 0, or 1 when a job failed.
int consistency_levels(const consistency_options& opts, std::ostream& out, std::ostream& log);

} // namespace sluice::apps
