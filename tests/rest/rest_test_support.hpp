// Shared by the REST tests: a sample job with checkpoint history, a router
// on a pinned clock, and a synchronous `call` that waits (bounded) for the
// router's answer and parses its JSON.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/rest/rest_router.hpp"
#include "tests/rest/fake_rest_backend.hpp"

namespace sluice::test {

using json = nlohmann::json;
using namespace std::chrono_literals;

inline const std::string job_a = "a5e0edd8e66b53f1b89c2041f91b8fd2";
inline const std::string job_b = "c9e7d88f3c0b4a6789e012345678abcd";
/// Well-formed, but no such job.
inline const std::string job_unknown = "00000000000000000000000000000000";

/// steady + offset = epoch: steady 0 is 2023-11-14T22:13:20Z.
inline constexpr std::chrono::milliseconds epoch_offset{1'700'000'000'000};
/// The pinned "now" of job details.
inline const std::chrono::system_clock::time_point pinned_now{std::chrono::milliseconds{1'700'000'500'000}};

inline checkpoint_time at_s(int64_t seconds) {
  return checkpoint_time{} + std::chrono::seconds{seconds};
}

inline checkpoint_stats_entry make_entry(uint64_t id, checkpoint_status st) {
  checkpoint_stats_entry e;
  e.checkpoint_id = id;
  e.status = st;
  e.trigger_timestamp = at_s(static_cast<int64_t>(100 * id));
  e.num_subtasks = 4;
  if (st != checkpoint_status::in_progress) {
    e.latest_ack_timestamp = e.trigger_timestamp + 1500ms;
    e.end_to_end_duration = 1500ms;
    e.num_acknowledged_subtasks = st == checkpoint_status::completed ? 4 : 2;
    e.state_size = 1000 * id;
    e.checkpointed_size = 100 * id;
  }
  if (st == checkpoint_status::completed)
    e.external_path = "/tmp/chk/" + job_a + "/chk-" + std::to_string(id);
  if (st == checkpoint_status::failed) {
    e.failure_timestamp = e.trigger_timestamp + 1500ms;
    e.failure_message = "Checkpoint expired before completing.";
  }
  return e;
}

/// Job A: running since steady 10 s, 4 checkpoints (1, 2 completed, 3
/// failed, 4 in progress), two restarts. Job B: cancelled.
inline void add_sample_jobs(fake_rest_backend& b) {
  fake_job a;
  a.details.id = job_a;
  a.details.name = "word count";
  a.details.status = job_status::running;
  a.details.start_time = std::chrono::system_clock::time_point{std::chrono::milliseconds{1'700'000'010'000}};
  a.details.parallelism = 2;
  a.details.max_parallelism = 128;
  a.details.restarts.restarts = 2;
  a.details.restarts.last_failure = "map (2/2) failed: boom";
  a.details.restarts.downtime = 1200ms;
  a.details.restarts.restored_checkpoint = 2;
  auto c1 = make_entry(1, checkpoint_status::completed);
  auto c2 = make_entry(2, checkpoint_status::completed);
  c2.subtasks.resize(3);
  for (uint32_t i = 0; i < 3; ++i) {
    c2.subtasks[i].subtask = {i < 2 ? 0u : 1u, i};
    c2.subtasks[i].ack_timestamp = c2.trigger_timestamp + std::chrono::milliseconds{100 * (i + 1)};
    c2.subtasks[i].end_to_end_duration = std::chrono::milliseconds{100 * (i + 1)};
    c2.subtasks[i].state_size = 10;
    c2.subtasks[i].checkpointed_size = 5;
  }
  auto c3 = make_entry(3, checkpoint_status::failed);
  auto c4 = make_entry(4, checkpoint_status::in_progress);
  auto& s = a.stats;
  s.counts = {1, 4, 1, 2, 1};
  s.summary.state_size.add(1000);
  s.summary.state_size.add(2000);
  s.summary.checkpointed_size.add(100);
  s.summary.checkpointed_size.add(200);
  s.summary.end_to_end_duration.add(1500);
  s.summary.end_to_end_duration.add(1500);
  s.latest_completed = c2;
  s.latest_failed = c3;
  s.latest_restored = restored_checkpoint_stats{2, at_s(450), false, c2.external_path};
  s.history = {c4, c3, c2, c1};
  a.config.config.interval = 500ms;
  a.config.config.timeout = 10min;
  a.config.config.min_pause = 0ms;
  a.config.config.max_concurrent = 1;
  a.config.config.tolerable_failures = 3;
  a.config.config.externalized = externalized_cleanup::retain_on_cancellation;
  a.config.config.storage = checkpoint_storage_type::filesystem;
  a.config.state_backend = "lmdb";
  b.jobs[job_a] = a;
  fake_job other;
  other.details.id = job_b;
  other.details.name = "cancelled job";
  other.details.status = job_status::cancelled;
  other.details.start_time = a.details.start_time;
  other.details.end_time = a.details.start_time + 60s;
  b.jobs[job_b] = other;
}

inline rest_router_options pinned_options() {
  rest_router_options o;
  o.steady_to_system = epoch_offset;
  o.now = [] { return pinned_now; };
  return o;
}

struct reply {
  unsigned status = 0;
  /// Null when the body was no JSON (a failure in every test).
  json body;
  std::string raw;
  std::string allow;
  bool answered = false;
};

/// Runs one request through `r`; waits up to 5 s for the answer.
inline reply call(rest_router& r, std::string method, std::string target, std::string body = {}) {
  auto p = std::make_shared<std::promise<rest_response>>();
  auto f = p->get_future();
  r.handle({std::move(method), std::move(target), std::move(body)},
           [p](rest_response resp) { p->set_value(std::move(resp)); });
  reply out;
  if (f.wait_for(5s) != std::future_status::ready)
    return out;
  auto resp = f.get();
  out.answered = true;
  out.status = resp.status;
  out.raw = resp.body;
  out.allow = resp.allow;
  out.body = json::parse(resp.body, nullptr, false);
  if (out.body.is_discarded())
    out.body = nullptr;
  return out;
}

/// Flink's error shape: {"errors": [string, ...]} with at least one entry.
inline bool is_error_body(const json& j) {
  if (!j.is_object() || !j.contains("errors") || !j["errors"].is_array() || j["errors"].empty())
    return false;
  for (auto& e : j["errors"])
    if (!e.is_string())
      return false;
  return true;
}

} // namespace sluice::test
