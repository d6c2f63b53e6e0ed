// What a job guarantees for its state under failures, decided from its
// sources and its checkpointing (the reference articles' table: source,
// engine and sink together decide the end-to-end level; the sink's part is
// its own, see DESIGN.md invariant 3).
//
//   checkpointing   sources                 guarantee for the state
//   off             any                     at_most_once (a failure loses it)
//   on              all replayable          checkpointing.mode (exactly_once
//                                           or at_least_once)
//   on              one cannot replay       at_most_once for that input: state
//                                           is restored, but what the source
//                                           delivered since the checkpoint is
//                                           not delivered again
//
// A job never downgrades silently: `sluice run` prints every warning on
// stderr at start, the REST job details carry the level and the warnings
// (`processing-guarantee`, `guarantee-warnings`). Plain functions, no CAF.
#pragma once

#include <string>
#include <vector>

#include "actors/checkpoint/checkpoint_config.hpp"

namespace sluice {

struct job_node;

enum class processing_guarantee { at_most_once, at_least_once, exactly_once };

/// "at_most_once", "at_least_once", "exactly_once".
const char* to_string(processing_guarantee g) noexcept;

struct guarantee_report {
  processing_guarantee level = processing_guarantee::at_most_once;
  /// One sentence per source that cannot replay (only with checkpointing
  /// on), naming the source and what is lost after a failure.
  std::vector<std::string> warnings;
};

/// Assesses the job of `nodes` (a job graph's or an execution plan's):
/// asks one fresh instance of every source (source_operator::replayable;
/// its factory runs, nothing is opened) under checkpointing `cp`.
guarantee_report assess_guarantee(const std::vector<job_node>& nodes,
                                  const checkpoint_config& cp);

} // namespace sluice
