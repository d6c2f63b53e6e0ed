// The subtask actor: one parallel instance of a vertex (Flink's StreamTask).
//
// Spawned by the job master, idle until `deploy`. It then builds its
// operator chain from the plan, opens it, and either runs its head source
// (one batch per `run` message, so cancel and kill land between steps) or
// processes what arrives on its input channels. It handles end-of-stream
// fully: when every input finished (or the source is exhausted) it emits the
// final watermark, closes the chain, flushes, sends end-of-stream on every
// output channel and quits normally. Any exception of an operator makes it
// quit with a `sluice` error naming the operator and subtask. Messages of
// another attempt are dropped; a gap in a channel's sequence numbers is an
// error (`ec::subtask_failed`), never silent loss.
#pragma once

#include <memory>
#include <vector>

#include "actors/actors.hpp"
#include "actors/operator_chain.hpp"
#include "actors/watermark_tracker.hpp"

namespace sluice {

class output_gate;

struct subtask_state {
  static inline const char* name = "sluice.subtask";

  subtask_state();
  ~subtask_state();

  deployment_ptr dep;
  std::vector<std::unique_ptr<output_gate>> outputs;
  std::unique_ptr<operator_chain> chain;
  /// Next expected sequence number per input channel.
  std::vector<uint64_t> next_seq;
  std::vector<bool> finished_inputs;
  size_t num_finished = 0;
  std::unique_ptr<watermark_tracker> watermarks;
  /// Highest checkpoint id whose barrier was forwarded.
  uint64_t last_barrier = 0;
  bool flush_scheduled = false;
  /// Messages of other attempts dropped (diagnostics).
  uint64_t dropped = 0;
};

subtask_actor::behavior_type
subtask(subtask_actor::stateful_pointer<subtask_state> self);

} // namespace sluice
