#include "actors/job/runtime.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/contract/error.hpp"
#include "actors/fault/fault_points.hpp"
#include "actors/job/job_master.hpp"
#include "actors/config/system_config.hpp"
#include "snapshot/checkpoint_storage.hpp"

namespace sluice {

struct job_client::impl {
  caf::actor_system* sys;
  job_master_actor master;
  std::shared_ptr<job_board> board;
  std::string job_id;
  checkpoint_storage_ptr storage;
  std::shared_ptr<fault_points> faults;
  guarantee_report guarantee;
};

const guarantee_report& job_client::guarantee() const {
  return impl_->guarantee;
}

const std::string& job_client::job_id() const {
  return impl_->job_id;
}

checkpoint_stats_snapshot job_client::checkpoint_stats() const {
  return impl_->board->checkpoint_stats();
}

job_restart_stats job_client::restart_stats() const {
  return impl_->board->restart_stats();
}

checkpoint_storage_ptr job_client::storage() const {
  return impl_->storage;
}

std::shared_ptr<fault_points> job_client::faults() const {
  return impl_->faults;
}

job_master_actor master_of(const job_client& job) {
  return job.get_impl()->master;
}

caf::actor_system& system_of(const job_client& job) {
  return *job.get_impl()->sys;
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

namespace {

/// 32 hex digits, like Flink's JobID.
std::string new_job_id() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  std::mt19937_64 gen{(uint64_t{rd()} << 32) ^ rd()
                      ^ static_cast<uint64_t>(
                        std::chrono::steady_clock::now().time_since_epoch().count())
                      ^ ++counter};
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(gen()),
                static_cast<unsigned long long>(gen()));
  return buf;
}

} // namespace

job_client runtime::submit(execution_plan plan) {
  check(plan.checkpointing);
  check(plan.state);
  auto job_id = new_job_id();
  plan.job_id = job_id;
  checkpoint_storage_ptr storage;
  if (plan.checkpointing.enabled())
    storage = plan.checkpointing.storage == checkpoint_storage_type::filesystem
                ? checkpoint_storage::filesystem(plan.checkpointing.dir, job_id)
                : checkpoint_storage::memory(job_id);
  auto board = std::make_shared<job_board>();
  auto guarantee = plan.guarantee;
  auto shared_plan = std::make_shared<const execution_plan>(std::move(plan));
  auto faults = std::make_shared<fault_points>();
  auto master = impl_->sys->spawn(job_master, shared_plan, board, storage, faults);
  job_client client{std::make_shared<job_client::impl>(job_client::impl{
    impl_->sys, std::move(master), std::move(board), job_id, storage, std::move(faults),
    std::move(guarantee)})};
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

void check(const state_config& cfg) {
  if (auto problem = cfg.validate())
    throw exception(ec::invalid_option, *problem);
}

void check(const checkpoint_config& cfg) {
  if (auto problem = cfg.validate())
    throw exception(ec::invalid_option, *problem);
}

caf::actor_system& runtime::system() noexcept {
  return *impl_->sys;
}

} // namespace sluice
