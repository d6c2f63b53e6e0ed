#include "apps/jobs/embedded_job.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>
#include <vector>

#include <caf/all.hpp>

#include "actors/contract/actor_io.hpp"
#include "actors/fault/fault_injector.hpp"
#include "apps/jobs/checkpoint_report.hpp"
#include "operators/environment.hpp"

namespace sluice::apps {

namespace {

// -- the host's actors --------------------------------------------------------

/// The host actor that receives the job's output: an outlet actor.
using count_printer_actor = outlet_actor<user_count>;

struct count_printer_state {
  static inline const char* name = "host.count_printer";
  std::ostream* out = nullptr;
};

/// Writes "user visit count: n" per update; quits after end of stream.
count_printer_actor::behavior_type
count_printer(count_printer_actor::stateful_pointer<count_printer_state> self,
              std::ostream* out) {
  self->state.out = out;
  return {
    [self](const std::vector<user_count>& xs) {
      std::ostringstream buf;
      for (auto& x : xs)
        buf << x.user << " visit count: " << x.count << '\n';
      *self->state.out << buf.str() << std::flush;
    },
    [self](end_of_stream_atom) { self->quit(); },
  };
}

struct click_feeder_state {
  static inline const char* name = "host.click_feeder";
  click_source_options gen;
  embedded_options opts;
  inlet_actor<click> inlet;
  uint64_t next = 0;
};

using click_feeder_actor = caf::stateful_actor<click_feeder_state>;

/// Sends the next batch of clicks and, once its reply arrives (the inlet's
/// credit), the one after; then closes the inlet and quits.
void feed_next(click_feeder_actor* self) {
  auto& st = self->state;
  if (st.opts.count != 0 && st.next >= st.opts.count) {
    self->request(st.inlet, caf::infinite, caf::close_atom::value)
      .then([self](caf::ok_atom) { self->quit(); },
            [self](caf::error& err) { self->quit(std::move(err)); });
    return;
  }
  std::vector<click> batch;
  for (uint64_t i = 0; i < st.opts.batch && (st.opts.count == 0 || st.next < st.opts.count);
       ++i, ++st.next) {
    auto e = click_event_at(st.gen, st.next);
    batch.push_back(click{std::move(e.user), std::move(e.url), e.timestamp});
  }
  self->request(st.inlet, caf::infinite, std::move(batch))
    .then([self](caf::ok_atom) { feed_next(self); },
          [self](caf::error& err) { self->quit(std::move(err)); });
}

/// The host actor that produces clicks (the seeds' generator, event i a pure
/// function of seed and i) and pushes them into the inlet actor.
caf::behavior click_feeder(click_feeder_actor* self, inlet_actor<click> inlet,
                           embedded_options opts) {
  auto& st = self->state;
  st.opts = opts;
  st.opts.batch = std::max<uint64_t>(opts.batch, 1);
  st.gen.seed = opts.seed;
  st.gen.users = opts.users;
  st.gen.count = opts.count;
  st.inlet = std::move(inlet);
  feed_next(self);
  // Only the replies above drive it; this keeps the behavior non-empty.
  return {[](caf::get_atom) {}};
}

} // namespace

job_result run_embedded_clicks(caf::actor_system& host, const pipeline_config& cfg,
                               const embedded_options& opts, std::ostream& out,
                               const std::atomic<int>* cancel,
                               const checkpoint_config& checkpointing,
                               std::ostream* checkpoint_log, const std::string& log_prefix) {
  auto in = make_inlet<click>(opts.inlet_capacity);
  auto inlet = spawn_inlet_actor(host, in);
  auto printer = host.spawn(count_printer, &out);
  caf::scoped_actor self{host};
  self->monitor(printer);
  job_result result;
  {
    environment env{host, cfg}; // the host's system: no second one
    env.set_checkpoint_config(checkpointing);
    env.set_state_config(opts.state);
    env.set_restart_strategy(opts.restart);
    auto clicks = env.from_inlet(in);
    clicks.uid("host-clicks");
    auto ones = clicks.map([](const click& c) { return user_count{c.user, 1}; });
    ones.name("to-user-count");
    auto counts = ones.key_by([](const user_count& u) { return u.user; })
                    .sum(&user_count::count);
    counts.name("visit-count").uid("visit-count");
    counts.sink_to(actor_outlet<user_count>(printer)).name("host-printer");
    auto job = env.execute_async("embedded-click-counts");
    if (checkpoint_log != nullptr) // the inlet cannot rewind: at-most-once for its clicks
      for (auto& warning : env.delivery_warnings())
        *checkpoint_log << log_prefix + "warning: " + warning + "\n" << std::flush;
    if (opts.faults.active())
      start_fault_injector(host, job, opts.faults, [checkpoint_log, log_prefix](auto& line) {
        if (checkpoint_log != nullptr)
          *checkpoint_log << log_prefix + "inject-failures: " + line + "\n" << std::flush;
      });
    auto feeder = host.spawn(click_feeder, inlet, opts);
    checkpoint_reporter checkpoints;
    for (;;) {
      auto r = job.wait_for(std::chrono::milliseconds{50});
      if (checkpoint_log != nullptr && checkpointing.enabled()) {
        std::ostringstream lines;
        for (auto& line : checkpoints.update(job.checkpoint_stats()))
          lines << log_prefix << line << '\n';
        *checkpoint_log << lines.str() << std::flush;
      }
      if (r) {
        result = *r;
        break;
      }
      if (cancel != nullptr && *cancel != 0)
        job.cancel();
    }
    if (result.status != job_status::finished) {
      // Nothing more comes: stop the host's actors (the feeder may wait on
      // a full inlet; the printer gets no end of stream).
      self->send_exit(feeder, caf::exit_reason::user_shutdown);
      self->send_exit(inlet, caf::exit_reason::user_shutdown);
      self->send_exit(printer, caf::exit_reason::user_shutdown);
    }
  }
  // The printer quits after the end of stream, which the sinks send before
  // the job counts as finished: then every count was written.
  bool down = false;
  self->receive([&](const caf::down_msg&) { down = true; },
                caf::after(std::chrono::seconds{30}) >> [] {});
  if (!down) {
    self->send_exit(printer, caf::exit_reason::user_shutdown);
    self->receive([](const caf::down_msg&) {});
  }
  return result;
}

} // namespace sluice::apps
