// Internals shared by the subtask actor's translation units
// (actors/subtask/subtask.cpp: deployment, flow control, sources;
// actors/subtask/subtask_checkpoint.cpp: barriers and the checkpoint protocol;
// actors/subtask/subtask_time.cpp: flush and processing-time timers).
// Not part of the public API.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <caf/typed_event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/contract/error.hpp"
#include "actors/fault/fault_points.hpp"
#include "actors/subtask/subtask_restore.hpp"
#include "actors/subtask/subtask.hpp"

namespace sluice {

using subtask_self = subtask_actor::stateful_pointer<subtask_state>;

/// Ends the subtask with `code`, naming the operator that failed.
void fail(subtask_self self, ec code, const std::string& what);

/// Ends the subtask with `ec::subtask_failed`, naming the task: a broken
/// input protocol is the task's fault, not an operator's.
void fail_task(subtask_self self, const std::string& what);

/// Runs `f`; an exception ends the subtask with an error naming the
/// operator that threw. Returns whether `f` completed.
template <class F>
bool guarded(subtask_self self, F&& f) {
  try {
    f();
    return true;
  } catch (const exception& e) {
    fail(self, e.code(), e.what());
  } catch (const std::exception& e) {
    fail(self, ec::operator_failed, e.what());
  } catch (...) {
    fail(self, ec::operator_failed, "unknown exception");
  }
  return false;
}

/// Whether the armed aimed fault `p` (actors/fault/fault_points.hpp) fires here.
inline bool fault_fires(subtask_self self, fault_point p) {
  auto& dep = self->state.dep;
  return dep && dep->faults && dep->faults->fire(p);
}

/// Fires `p` as a kill: the subtask quits with exit_reason::kill, as if it
/// had been killed at this moment. Returns whether it did (the caller
/// then returns at once).
inline bool killed_at(subtask_self self, fault_point p) {
  if (!fault_fires(self, p))
    return false;
  self->quit(caf::exit_reason::kill);
  return true;
}

/// Throws from user code when the user_code point fires: call inside the
/// `guarded` call that runs the operators.
inline void maybe_throw_in_user_code(subtask_self self) {
  if (fault_fires(self, fault_point::user_code))
    throw std::runtime_error{"injected failure in user code (inject-failures: throws)"};
}

/// Barrier `id` (checkpoint timestamp `ts`) handled from input channel
/// `ch`: aligns, snapshots, forwards, acks or declines. False when the
/// subtask failed.
bool on_barrier(subtask_self self, uint32_t ch, uint64_t id, timestamp ts,
                bool savepoint = false);

/// A barrier arrived in the mailbox (before it is queued). True when it
/// was handled here (unaligned checkpoints: barriers overtake the queued
/// input); false when it goes into the input queue (aligned handling).
bool on_barrier_arrival(subtask_self self, uint32_t ch, uint64_t id, timestamp ts,
                        bool savepoint = false);

/// A data batch arrived on `ch`: recorded as channel state while an
/// unaligned checkpoint waits for that channel's barrier.
void on_data_arrival(subtask_self self, uint32_t ch, uint64_t seq, const batch_ptr& b);

/// End-of-stream arrived on `ch`: no barrier will come there.
void on_eos_arrival(subtask_self self, uint32_t ch);

/// The aligned-timeout of checkpoint `id` expired: if still aligning,
/// switch to an unaligned checkpoint.
void on_aligned_timeout(subtask_self self, uint64_t id);

/// The job's final checkpoint completed: report metrics and end normally.
void quit_finished(subtask_self self);

/// Input channel `ch` ended: may complete the running alignment. False when
/// the subtask failed.
bool on_input_finished_for_barriers(subtask_self self, uint32_t ch);

/// The codec of the records on input channels (a non-source vertex has one
/// input edge) or on output gate `gate`.
batch_codec input_codec(subtask_self self);
batch_codec output_codec(subtask_self self, size_t gate);

/// A restored attempt, after the chain opened: sends the recorded output
/// batches of an unaligned checkpoint on their output channels, then runs
/// the recorded input batches through the chain. Throws (the caller
/// guards) ec::corrupt_file for a batch that names no channel or does not
/// decode.
void replay_channel_state(subtask_self self, const std::vector<channel_batch>& batches);

/// Sends what the chain buffers after the buffer timeout (at most one
/// flush pending). actors/subtask/subtask_time.cpp, like the three below.
void schedule_flush(subtask_self self);

/// Tells every output channel that this subtask's output went idle or
/// active again (after sending what is buffered).
void broadcast_status(subtask_self self, bool idle);

/// Makes sure a timer_atom arrives by processing time `at` (ms).
void schedule_timer(subtask_self self, timestamp at);

/// A processing-time timer is due: the chain's operators that asked run.
void on_timer(subtask_self self);

/// Coordinator -> source: take checkpoint n now.
void on_trigger(subtask_self self, const trigger_msg& m);

/// Coordinator -> every subtask: checkpoint n completed or aborted.
void on_checkpoint_done(subtask_self self, const checkpoint_done_msg& m);

} // namespace sluice
