// The sample jobs of `sluice run <job>`: the table from job names to the
// apps' job code (click_counts.hpp, word_count.hpp, state_examples.hpp,
// window_examples.hpp) with their sources and sinks.
//
// Sources. Every job's source can replay except word-count reading stdin
// (`--input` unset or '-'): click-counts and window-stats read the click
// generator (`generator.*`), word-count with `--input FILE` the replayable
// file source (byte offsets in operator state), the fixed-input examples
// their seed's input through a collection source. The generator and the
// collections keep their positions per split (operators/index_splits.hpp),
// so every job but stdin word-count is exactly-once for its state under
// failures and rescales through a savepoint.
//
// Fixed inputs. `examples.repeat` (default 1) runs a fixed-input example
// over its seed's input repeated that often (timestamped inputs shifted by
// 100 s per repetition, so event time keeps rising) and `examples.rate`
// limits the records per second (0: as fast as possible): long enough to
// watch checkpoints or to break the job with `--inject-failures`.
//
// Sinks. `print` (at-least-once), or with `output` a transactional file
// sink writing `part-*` files exactly once (needs checkpointing).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "operators/sources.hpp"

namespace sluice {
class environment;
} // namespace sluice

namespace sluice::apps {

struct sample_options {
  /// word-count: the input file; empty or "-": stdin.
  std::string input;
  /// Every job: the transactional file sink's directory; empty: print.
  std::string output;
  /// click-counts, window-stats: the click generator.
  click_source_options generator;
  /// Fixed-input examples: input repetitions (>= 1) and records per second.
  uint64_t repeat = 1;
  double rate = 0;
  /// Whether checkpointing is on (`output` needs it).
  bool checkpointing = false;
};

/// "usage: sluice run <job> [options]" and the list of jobs.
extern const char* const sample_jobs_usage;

/// Adds job `name` (not consistency-levels: apps/jobs/consistency_levels.hpp
/// runs itself) with its source and sink to `env`. Returns 0, or 2 after
/// writing "sluice: <code>: <why>" to `err` when the job cannot start: an
/// unknown job, a bad option value, a missing input file, `output` without
/// checkpointing.
int build_sample_job(const std::string& name, const sample_options& opts, environment& env,
                     std::ostream& err);

} // namespace sluice::apps
