#include "actors/runtime.hpp"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/error.hpp"
#include "actors/job_master.hpp"
#include "actors/system_config.hpp"

namespace sluice {

struct job_client::impl {
  caf::actor_system* sys;
  job_master_actor master;
  std::shared_ptr<job_board> board;
};

job_master_actor master_of(const job_client& job) {
  return job.get_impl()->master;
}

job_status job_client::status() const {
  return impl_->board->status();
}

void job_client::cancel() const {
  if (!is_terminal(impl_->board->status()))
    caf::anon_send(impl_->master, cancel_atom::value);
}

job_result job_client::wait() const {
  return impl_->board->wait();
}

std::optional<job_result> job_client::wait_for(std::chrono::milliseconds timeout) const {
  return impl_->board->wait_for(timeout);
}

struct runtime::impl {
  /// Set when sluice owns the system; declared before `sys` (destroyed after).
  std::unique_ptr<system_config> own_cfg;
  std::unique_ptr<caf::actor_system> own_sys;
  caf::actor_system* sys = nullptr;
  std::mutex mtx;
  std::vector<job_client> jobs;
};

runtime::runtime(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

runtime::~runtime() {
  std::vector<job_client> jobs;
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    jobs.swap(impl_->jobs);
  }
  for (auto& job : jobs) {
    job.cancel();
    job.wait();
  }
  // own_sys's destructor waits for the (now finished) actors.
}

std::shared_ptr<runtime> runtime::start(const pipeline_config& cfg) {
  auto p = std::make_unique<impl>();
  p->own_cfg = std::make_unique<system_config>();
  // CAF 0.17's default is max(4, cores): on a 2-core machine, 4 workers
  // would contend for 2 cores. 0 means one per core, as documented.
  size_t threads = cfg.threads > 0 ? cfg.threads
                                   : std::max(1u, std::thread::hardware_concurrency());
  p->own_cfg->set("scheduler.max-threads", threads);
  p->own_sys = std::make_unique<caf::actor_system>(*p->own_cfg);
  p->sys = p->own_sys.get();
  return std::shared_ptr<runtime>(new runtime(std::move(p)));
}

std::shared_ptr<runtime> runtime::attach(caf::actor_system& host) {
  auto p = std::make_unique<impl>();
  p->sys = &host;
  return std::shared_ptr<runtime>(new runtime(std::move(p)));
}

job_client runtime::submit(execution_plan plan) {
  auto board = std::make_shared<job_board>();
  auto shared_plan = std::make_shared<const execution_plan>(std::move(plan));
  auto master = impl_->sys->spawn(job_master, shared_plan, board);
  job_client client{std::make_shared<job_client::impl>(
    job_client::impl{impl_->sys, std::move(master), std::move(board)})};
  std::lock_guard<std::mutex> guard{impl_->mtx};
  // Forget jobs that ended; keep the ones the destructor must stop.
  std::erase_if(impl_->jobs, [](const job_client& j) { return is_terminal(j.status()); });
  impl_->jobs.push_back(client);
  return client;
}

void check(const pipeline_config& cfg) {
  if (auto err = validate(cfg))
    throw exception(ec::invalid_option, render(err));
}

caf::actor_system& runtime::system() noexcept {
  return *impl_->sys;
}

} // namespace sluice
