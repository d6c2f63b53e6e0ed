// A rest_backend for tests: jobs, checkpoint statistics and trigger states
// held in memory. Answers synchronously, or (`async = true`) from a fresh
// thread as the bridge actor would; records the requests it got. Triggered
// operations stay IN_PROGRESS until the test completes or fails them
// (`finish_savepoint`, possibly from another thread).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "actors/rest/rest_backend.hpp"

namespace sluice::test {

struct fake_job {
  rest_job_details details;
  checkpoint_stats_snapshot stats;
  rest_checkpoint_config config;
};

class fake_rest_backend : public rest_backend {
public:
  ~fake_rest_backend() override {
    join();
  }

  /// Waits for every answer sent from another thread.
  void join() {
    std::vector<std::thread> ts;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      ts.swap(threads_);
    }
    for (auto& t : ts)
      t.join();
  }

  // --- set up by the test (before requests run) -------------------------
  std::map<std::string, fake_job> jobs;
  /// Answer from another thread.
  bool async = false;
  /// Answer every call with this error instead.
  std::optional<rest_error> fail_with;
  /// Throw from every call (a broken backend).
  bool throw_on_call = false;
  /// Answer every call twice (a broken backend).
  bool answer_twice = false;
  /// Trigger ids handed out, unless the request names one.
  std::string next_trigger = "0123456789abcdef0123456789abcdef";

  // --- recorded -------------------------------------------------------
  std::optional<rest_savepoint_request> last_savepoint;
  std::optional<rest_stop_request> last_stop;
  std::optional<rest_checkpoint_request> last_checkpoint;
  std::atomic<int> cancels{0};

  /// Completes (or fails, when `location` is empty) savepoint/stop
  /// `trigger`; any thread.
  void finish_savepoint(const std::string& trigger, std::string location,
                        std::string failure = {}) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& op = savepoints_[trigger];
    op.state = failure.empty() ? rest_operation_status::phase::completed
                               : rest_operation_status::phase::failed;
    op.location = std::move(location);
    op.failure_message = std::move(failure);
  }

  void finish_checkpoint(const std::string& trigger, uint64_t id) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& op = checkpoints_[trigger];
    op.state = rest_operation_status::phase::completed;
    op.checkpoint_id = id;
  }

  // --- rest_backend -----------------------------------------------------
  void list_jobs(rest_callback<std::vector<rest_job_overview>> done) override {
    std::vector<rest_job_overview> rows;
    for (auto& [id, j] : jobs)
      rows.push_back({id, j.details.status});
    answer(std::move(done), rest_result<std::vector<rest_job_overview>>{std::move(rows)});
  }

  void job_details(const std::string& job, rest_callback<rest_job_details> done) override {
    with_job<rest_job_details>(job, std::move(done), [](fake_job& j) { return j.details; });
  }

  void checkpoint_stats(const std::string& job,
                        rest_callback<checkpoint_stats_snapshot> done) override {
    with_job<checkpoint_stats_snapshot>(job, std::move(done), [](fake_job& j) { return j.stats; });
  }

  void checkpoint_config(const std::string& job,
                         rest_callback<rest_checkpoint_config> done) override {
    with_job<rest_checkpoint_config>(job, std::move(done), [](fake_job& j) { return j.config; });
  }

  void trigger_savepoint(const std::string& job, const rest_savepoint_request& req,
                         rest_callback<std::string> done) override {
    with_job<std::string>(job, std::move(done), [&](fake_job&) {
      last_savepoint = req;
      return start(savepoints_, req.trigger_id);
    });
  }

  void stop_with_savepoint(const std::string& job, const rest_stop_request& req,
                           rest_callback<std::string> done) override {
    with_job<std::string>(job, std::move(done), [&](fake_job&) {
      last_stop = req;
      return start(savepoints_, req.trigger_id);
    });
  }

  void savepoint_status(const std::string& job, const std::string& trigger,
                        rest_callback<rest_operation_status> done) override {
    lookup(savepoints_, job, trigger, std::move(done));
  }

  void cancel_job(const std::string& job, rest_callback<rest_done> done) override {
    with_job<rest_done>(job, std::move(done), [&](fake_job&) {
      ++cancels;
      return rest_done{};
    });
  }

  void trigger_checkpoint(const std::string& job, const rest_checkpoint_request& req,
                          rest_callback<std::string> done) override {
    with_job<std::string>(job, std::move(done), [&](fake_job&) {
      last_checkpoint = req;
      return start(checkpoints_, req.trigger_id);
    });
  }

  void checkpoint_status(const std::string& job, const std::string& trigger,
                         rest_callback<rest_operation_status> done) override {
    lookup(checkpoints_, job, trigger, std::move(done));
  }

private:
  using operations = std::map<std::string, rest_operation_status>;

  std::string start(operations& ops, const std::optional<std::string>& requested) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto id = requested ? *requested : next_trigger;
    ops.emplace(id, rest_operation_status{});
    return id;
  }

  void lookup(operations& ops, const std::string& job, const std::string& trigger,
              rest_callback<rest_operation_status> done) {
    with_job<rest_operation_status>(job, std::move(done), [&](fake_job&)
                                                            -> rest_result<rest_operation_status> {
      std::lock_guard<std::mutex> guard{mtx_};
      auto i = ops.find(trigger);
      if (i == ops.end())
        return rest_error{rest_error::kind::not_found, "Operation not found under key " + trigger};
      return i->second;
    });
  }

  template <class T, class F>
  void with_job(const std::string& job, rest_callback<T> done, F f) {
    if (throw_on_call)
      throw std::runtime_error("backend exploded");
    auto i = jobs.find(job);
    if (i == jobs.end())
      return answer(std::move(done),
                    rest_result<T>{rest_error{rest_error::kind::not_found, "Job " + job + " not found"}});
    answer(std::move(done), rest_result<T>{f(i->second)});
  }

  template <class T>
  void answer(rest_callback<T> done, rest_result<T> r) {
    if (throw_on_call)
      throw std::runtime_error("backend exploded");
    if (fail_with)
      r = *fail_with;
    int times = answer_twice ? 2 : 1;
    if (!async) {
      for (int i = 0; i < times; ++i)
        done(r);
      return;
    }
    std::lock_guard<std::mutex> guard{mtx_};
    threads_.emplace_back([done = std::move(done), r = std::move(r), times] {
      for (int i = 0; i < times; ++i)
        done(r);
    });
  }

  std::mutex mtx_;
  std::vector<std::thread> threads_;
  operations savepoints_;
  operations checkpoints_;
};

} // namespace sluice::test
