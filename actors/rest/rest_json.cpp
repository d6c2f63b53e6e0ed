#include "actors/rest/rest_json.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "actors/checkpoint/failure_reason.hpp"

namespace sluice::rest_json {

namespace {

using json = nlohmann::json;

std::string text(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

int64_t ms_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

/// "EXACTLY_ONCE" for exactly_once (Flink's spelling of modes).
std::string to_upper(std::string s) {
  for (auto& c : s)
    if (c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
  return s;
}

int64_t ms(std::chrono::milliseconds d) {
  return d.count();
}

json min_max_avg_json(const min_max_avg& x) {
  return {{"min", x.min}, {"max", x.max}, {"avg", x.avg()}};
}

const char* checkpoint_type_name(const checkpoint_stats_entry& e) {
  if (e.is_savepoint)
    return "SAVEPOINT";
  return e.unaligned ? "UNALIGNED_CHECKPOINT" : "CHECKPOINT";
}

const char* class_name(checkpoint_status s) {
  switch (s) {
    case checkpoint_status::in_progress: return "in_progress";
    case checkpoint_status::completed: return "completed";
    case checkpoint_status::failed: return "failed";
  }
  return "in_progress";
}

/// One CheckpointStatistics (history entry, latest.completed/savepoint/
/// failed). `tasks` is left empty, as in Flink's overview.
json entry_json(const checkpoint_stats_entry& e, std::chrono::nanoseconds offset) {
  json j = {
    {"className", class_name(e.status)},
    {"id", e.checkpoint_id},
    {"status", checkpoint_status_name(e.status)},
    {"is_savepoint", e.is_savepoint},
    {"savepointFormat", e.is_savepoint ? json("CANONICAL") : json(nullptr)},
    {"trigger_timestamp", epoch_millis(e.trigger_timestamp, offset)},
    {"latest_ack_timestamp",
     e.latest_ack_timestamp ? epoch_millis(*e.latest_ack_timestamp, offset) : int64_t{-1}},
    {"state_size", e.state_size},
    {"checkpointed_size", e.checkpointed_size},
    {"end_to_end_duration", millis(e.end_to_end_duration)},
    {"alignment_buffered", 0},
    {"processed_data", e.processed_data},
    {"persisted_data", e.persisted_data},
    {"num_subtasks", e.num_subtasks},
    {"num_acknowledged_subtasks", e.num_acknowledged_subtasks},
    {"checkpoint_type", checkpoint_type_name(e)},
    {"tasks", json::object()},
  };
  if (e.status == checkpoint_status::completed) {
    j["external_path"] = e.external_path;
    j["discarded"] = e.discarded;
  }
  if (e.status == checkpoint_status::failed) {
    j["failure_timestamp"]
      = e.failure_timestamp ? epoch_millis(*e.failure_timestamp, offset) : int64_t{-1};
    if (!e.failure_message.empty())
      j["failure_message"] = e.failure_message;
    else if (e.failure_reason)
      j["failure_message"] = describe(*e.failure_reason);
    else
      j["failure_message"] = nullptr;
  }
  return j;
}

json optional_entry(const std::optional<checkpoint_stats_entry>& e,
                    std::chrono::nanoseconds offset) {
  return e ? entry_json(*e, offset) : json(nullptr);
}

json operation_status(const rest_operation_status& s) {
  switch (s.state) {
    case rest_operation_status::phase::in_progress: return {{"id", "IN_PROGRESS"}};
    case rest_operation_status::phase::completed:
    case rest_operation_status::phase::failed: return {{"id", "COMPLETED"}};
  }
  return {{"id", "IN_PROGRESS"}};
}

/// Flink's SerializedThrowable as JSON: class and stack trace (here the
/// message; sluice has no Java stack).
json failure_cause(const rest_operation_status& s) {
  return {{"class", "sluice.exception"}, {"stack-trace", s.failure_message}};
}

} // namespace

const char* job_status_name(job_status s) noexcept {
  switch (s) {
    case job_status::created: return "CREATED";
    case job_status::running: return "RUNNING";
    case job_status::failing: return "FAILING";
    case job_status::cancelling: return "CANCELLING";
    case job_status::restarting: return "RESTARTING";
    case job_status::finished: return "FINISHED";
    case job_status::failed: return "FAILED";
    case job_status::cancelled: return "CANCELED";
  }
  return "CREATED";
}

const char* checkpoint_status_name(checkpoint_status s) noexcept {
  switch (s) {
    case checkpoint_status::in_progress: return "IN_PROGRESS";
    case checkpoint_status::completed: return "COMPLETED";
    case checkpoint_status::failed: return "FAILED";
  }
  return "IN_PROGRESS";
}

std::string errors(std::string_view message) {
  return text({{"errors", json::array({std::string{message}})}});
}

std::string trigger(std::string_view id) {
  return text({{"request-id", std::string{id}}});
}

std::string jobs(const std::vector<rest_job_overview>& rows) {
  json list = json::array();
  for (auto& r : rows)
    list.push_back({{"id", r.id}, {"status", job_status_name(r.status)}});
  return text({{"jobs", std::move(list)}});
}

std::string job_details(const rest_job_details& d, std::chrono::system_clock::time_point now) {
  auto start = ms_since_epoch(d.start_time);
  auto end = d.end_time ? ms_since_epoch(*d.end_time) : int64_t{-1};
  auto until = d.end_time ? end : ms_since_epoch(now);
  json j = {
    {"jid", d.id},
    {"name", d.name},
    {"isStoppable", false},
    {"state", job_status_name(d.status)},
    {"job-type", "STREAMING"},
    {"start-time", start},
    {"end-time", end},
    {"duration", std::max<int64_t>(0, until - start)},
    {"now", ms_since_epoch(now)},
    {"parallelism", d.parallelism},
    {"maxParallelism", d.max_parallelism},
    {"num-restarts", d.restarts.restarts},
    {"last-failure",
     d.restarts.last_failure.empty() ? json(nullptr) : json(d.restarts.last_failure)},
    {"downtime", ms(d.restarts.downtime)},
    {"restored-checkpoint", d.restarts.restored_checkpoint == 0
                              ? json(nullptr)
                              : json(d.restarts.restored_checkpoint)},
    {"processing-guarantee", to_upper(to_string(d.guarantee.level))},
    {"guarantee-warnings", d.guarantee.warnings},
  };
  return text(j);
}

std::string checkpoint_statistics(const checkpoint_stats_snapshot& s,
                                  std::chrono::nanoseconds offset) {
  json counts = {
    {"restored", s.counts.restored},       {"total", s.counts.total},
    {"in_progress", s.counts.in_progress}, {"completed", s.counts.completed},
    {"failed", s.counts.failed},
  };
  json summary = {
    {"state_size", min_max_avg_json(s.summary.state_size)},
    {"checkpointed_size", min_max_avg_json(s.summary.checkpointed_size)},
    {"end_to_end_duration", min_max_avg_json(s.summary.end_to_end_duration)},
    {"alignment_buffered", min_max_avg_json(min_max_avg{})},
    {"processed_data", min_max_avg_json(s.summary.processed_data)},
    {"persisted_data", min_max_avg_json(s.summary.persisted_data)},
  };
  json restored = nullptr;
  if (s.latest_restored)
    restored = {
      {"id", s.latest_restored->checkpoint_id},
      {"restore_timestamp", epoch_millis(s.latest_restored->restore_timestamp, offset)},
      {"is_savepoint", s.latest_restored->is_savepoint},
      {"external_path", s.latest_restored->external_path},
    };
  json latest = {
    {"completed", optional_entry(s.latest_completed, offset)},
    {"savepoint", optional_entry(s.latest_savepoint, offset)},
    {"failed", optional_entry(s.latest_failed, offset)},
    {"restored", std::move(restored)},
  };
  json history = json::array();
  for (auto& e : s.history)
    history.push_back(entry_json(e, offset));
  return text({{"counts", std::move(counts)},
               {"summary", std::move(summary)},
               {"latest", std::move(latest)},
               {"history", std::move(history)}});
}

std::string checkpoint_details(const checkpoint_stats_entry& e, std::chrono::nanoseconds offset) {
  struct task_totals {
    int64_t latest_ack = -1;
    int64_t end_to_end = 0;
    uint64_t state_size = 0;
    uint64_t checkpointed_size = 0;
    uint64_t processed_data = 0;
    uint64_t persisted_data = 0;
    uint32_t acknowledged = 0;
  };
  std::map<uint32_t, task_totals> tasks;
  for (auto& s : e.subtasks) {
    auto& t = tasks[s.subtask.vertex];
    t.latest_ack = std::max(t.latest_ack, epoch_millis(s.ack_timestamp, offset));
    t.end_to_end = std::max(t.end_to_end, millis(s.end_to_end_duration));
    t.state_size += s.state_size;
    t.checkpointed_size += s.checkpointed_size;
    t.processed_data += s.processed_data;
    t.persisted_data += s.persisted_data;
    ++t.acknowledged;
  }
  json j = entry_json(e, offset);
  json& out = j["tasks"];
  for (auto& [vertex, t] : tasks)
    out[std::to_string(vertex)] = {
      {"id", e.checkpoint_id},
      {"status", checkpoint_status_name(e.status)},
      {"latest_ack_timestamp", t.latest_ack},
      {"state_size", t.state_size},
      {"checkpointed_size", t.checkpointed_size},
      {"end_to_end_duration", t.end_to_end},
      {"alignment_buffered", 0},
      {"processed_data", t.processed_data},
      {"persisted_data", t.persisted_data},
      {"num_acknowledged_subtasks", t.acknowledged},
    };
  return text(j);
}

std::string checkpoint_config(const rest_checkpoint_config& c) {
  auto& cfg = c.config;
  // Flink reports Long.MAX_VALUE as the interval of a job without periodic
  // checkpoints (savepoints and manual checkpoints still work).
  int64_t interval = cfg.interval ? ms(*cfg.interval) : std::numeric_limits<int64_t>::max();
  json j = {
    {"mode", to_string(cfg.mode)},
    {"interval", interval},
    {"timeout", ms(cfg.timeout)},
    {"min_pause", ms(cfg.min_pause)},
    {"max_concurrent", cfg.effective_max_concurrent()},
    {"externalization",
     {{"enabled", cfg.externalized != externalized_cleanup::none},
      {"delete_on_cancellation", cfg.externalized == externalized_cleanup::delete_on_cancellation}}},
    {"state_backend", c.state_backend},
    {"checkpoint_storage", to_string(cfg.storage)},
    {"unaligned_checkpoints", cfg.unaligned},
    {"tolerable_failed_checkpoints", cfg.tolerable_failures},
    {"aligned_checkpoint_timeout", ms(cfg.aligned_timeout)},
    {"checkpoints_after_tasks_finish", true},
    {"state_changelog_enabled", false},
  };
  return text(j);
}

std::string savepoint_status(const rest_operation_status& s) {
  json j = {{"status", operation_status(s)}};
  if (s.state == rest_operation_status::phase::completed)
    j["operation"] = {{"location", s.location}};
  else if (s.state == rest_operation_status::phase::failed)
    j["operation"] = {{"failure-cause", failure_cause(s)}};
  return text(j);
}

std::string checkpoint_trigger_status(const rest_operation_status& s) {
  json j = {{"status", operation_status(s)}};
  if (s.state == rest_operation_status::phase::completed)
    j["operation"] = {{"checkpointId", s.checkpoint_id}};
  else if (s.state == rest_operation_status::phase::failed)
    j["operation"] = {{"failure-cause", failure_cause(s)}};
  return text(j);
}

} // namespace sluice::rest_json
