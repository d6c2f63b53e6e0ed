// Where a job master publishes the job's status for non-actor clients
// (`job_client`, the C++ API's `execute`). Written only by the job master,
// read by any thread; the one piece of state shared across that boundary.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "actors/job_status.hpp"

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

private:
  mutable std::mutex mtx_;
  mutable std::condition_variable cv_;
  job_result result_;
};

} // namespace sluice
