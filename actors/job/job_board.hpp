// Where a job master publishes the job's status for non-actor clients
// (`job_client`, the C++ API's `execute`), and its checkpoint coordinator
// the checkpoint statistics. Written by those two actors, read by any
// thread; the one piece of state shared across that boundary.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "actors/checkpoint/checkpoint_stats.hpp"
#include "actors/contract/job_status.hpp"

namespace sluice {

class job_board {
public:
  void set_status(job_status s) {
    std::lock_guard<std::mutex> guard{mtx_};
    result_.status = s;
    cv_.notify_all();
  }

  /// Publishes the final result. Precondition: `is_terminal(r.status)`.
  void set_result(job_result r) {
    std::lock_guard<std::mutex> guard{mtx_};
    result_ = std::move(r);
    cv_.notify_all();
  }

  job_status status() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return result_.status;
  }

  /// Blocks until the job reached a terminal status.
  job_result wait() const {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait(guard, [&] { return is_terminal(result_.status); });
    return result_;
  }

  /// Like `wait`, but gives up after `timeout`.
  std::optional<job_result> wait_for(std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> guard{mtx_};
    if (!cv_.wait_for(guard, timeout, [&] { return is_terminal(result_.status); }))
      return std::nullopt;
    return result_;
  }

  /// Published by the checkpoint coordinator after every change.
  void set_checkpoint_stats(checkpoint_stats_snapshot s) {
    std::lock_guard<std::mutex> guard{mtx_};
    checkpoints_ = std::move(s);
  }

  checkpoint_stats_snapshot checkpoint_stats() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return checkpoints_;
  }

  /// Published by the job master at every failover and redeployment.
  void set_restart_stats(job_restart_stats s) {
    std::lock_guard<std::mutex> guard{mtx_};
    result_.restarts = std::move(s);
  }

  job_restart_stats restart_stats() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return result_.restarts;
  }

private:
  mutable std::mutex mtx_;
  checkpoint_stats_snapshot checkpoints_;
  mutable std::condition_variable cv_;
  job_result result_;
};

} // namespace sluice
