// The subtask's clocks and output status: buffer-timeout flushes,
// processing-time callbacks of the chain's operators (one delayed
// timer_atom at a time, for the earliest time asked for) and the idle /
// active status it tells downstream.
#include <algorithm>
#include <chrono>

#include <caf/all.hpp>

#include "actors/contract/job_graph.hpp"
#include "actors/subtask/output_gate.hpp"
#include "actors/subtask/subtask_support.hpp"

namespace sluice {

void schedule_flush(subtask_self self) {
  auto& st = self->state;
  if (st.flush_scheduled || !st.chain || !st.chain->has_buffered())
    return;
  st.flush_scheduled = true;
  self->delayed_send(self, st.dep->plan->config.buffer_timeout, flush_atom::value);
}

void broadcast_status(subtask_self self, bool idle) {
  auto& st = self->state;
  st.chain->flush();
  for (auto& out : st.outputs)
    out->broadcast_watermark_status(idle);
}

void schedule_timer(subtask_self self, timestamp at) {
  auto& st = self->state;
  if (at >= st.timer_at)
    return;
  st.timer_at = at;
  auto delay = std::max<timestamp>(0, at - st.chain->processing_time());
  self->delayed_send(self, std::chrono::milliseconds{delay}, timer_atom::value);
}

void on_timer(subtask_self self) {
  auto& st = self->state;
  st.timer_at = INT64_MAX;
  if (!st.chain || st.finishing)
    return;
  if (!guarded(self, [&] { st.chain->fire_processing_time(st.chain->processing_time()); }))
    return;
  schedule_flush(self);
  if (auto next = st.chain->next_processing_time(); next != max_timestamp)
    schedule_timer(self, next);
}

} // namespace sluice
