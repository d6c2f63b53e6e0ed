// job_client's operations on a running job: savepoints and checkpoints by
// hand. Each asynchronous call spawns a short-lived actor that asks the job
// master and hands the answer to the callback, so no caller thread waits
// on an actor (the REST endpoint calls these from its io_context).
#include <future>

#include <caf/all.hpp>

#include "actors/contract/error.hpp"
#include "actors/job/job_master.hpp"
#include "actors/job/runtime.hpp"

namespace sluice {

namespace {

snapshot_kind kind_of(savepoint_mode mode) {
  switch (mode) {
    case savepoint_mode::keep_running:
      return snapshot_kind::savepoint;
    case savepoint_mode::stop:
      return snapshot_kind::stop;
    case savepoint_mode::stop_and_drain:
      return snapshot_kind::stop_drain;
  }
  return snapshot_kind::savepoint;
}

/// `err` as a sluice error: the job master's own errors stay as they are;
/// CAF's (the job master is gone, the request failed) become
/// ec::checkpoint_failure saying what happened.
job_operation_result failure(const caf::error& err) {
  job_operation_result r;
  if (code_of(err) != ec::none) {
    r.error = err;
    return r;
  }
  auto why = render(err);
  r.error = make_error(ec::checkpoint_failure,
                       err ? "the job master did not answer: " + why : "the job master is gone");
  return r;
}

} // namespace

void job_client::trigger_savepoint(std::string dir, savepoint_mode mode,
                                   std::function<void(job_operation_result)> done) const {
  auto master = master_of(*this);
  auto kind = kind_of(mode);
  system_of(*this).spawn([=](caf::event_based_actor* self) {
    self->request(master, caf::infinite, savepoint_atom::value, dir, kind)
      .then(
        [=](std::string& location) {
          job_operation_result r;
          r.location = std::move(location);
          done(std::move(r));
        },
        [=](caf::error& err) { done(failure(err)); });
  });
}

void job_client::trigger_checkpoint(std::function<void(job_operation_result)> done) const {
  auto master = master_of(*this);
  system_of(*this).spawn([=](caf::event_based_actor* self) {
    self->request(master, caf::infinite, checkpoint_atom::value)
      .then(
        [=](uint64_t id) {
          job_operation_result r;
          r.checkpoint_id = id;
          done(std::move(r));
        },
        [=](caf::error& err) { done(failure(err)); });
  });
}

caf::expected<std::string> job_client::savepoint(std::string dir, savepoint_mode mode,
                                                 std::chrono::milliseconds timeout) const {
  auto promise = std::make_shared<std::promise<job_operation_result>>();
  auto future = promise->get_future();
  trigger_savepoint(std::move(dir), mode,
                    [promise](job_operation_result r) { promise->set_value(std::move(r)); });
  if (future.wait_for(timeout) != std::future_status::ready)
    return make_error(ec::checkpoint_failure, "the savepoint did not complete within "
                                                + std::to_string(timeout.count()) + " ms");
  auto r = future.get();
  if (!r.ok())
    return std::move(r.error);
  return std::move(r.location);
}

} // namespace sluice
