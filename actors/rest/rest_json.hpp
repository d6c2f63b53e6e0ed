// JSON bodies of the REST endpoint, with Flink's field names (Flink's
// REST API message classes: JobIdsWithStatusOverview, JobDetailsInfo,
// CheckpointingStatistics, CheckpointStatistics, CheckpointConfigInfo,
// AsynchronousOperationResult, TriggerResponse, ErrorResponseBody).
//
// Pure functions of their arguments (the caller passes "now" and the clock
// offset), callable from any thread. Each returns compact JSON text, always
// valid: bytes that are not UTF-8 in strings (a job name, a failure
// message) are replaced with U+FFFD. Units as in Flink: durations in
// milliseconds, timestamps in milliseconds since the epoch, sizes in bytes;
// a timestamp that does not exist (no ack yet, no end) is -1.
//
// Checkpoint statistics carry steady-clock time points; `offset` is
// `system_clock::now() - steady_clock::now()` taken once (see
// checkpoint_stats.hpp's `epoch_millis`).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "actors/checkpoint/checkpoint_stats.hpp"
#include "actors/rest/rest_backend.hpp"

namespace sluice::rest_json {

/// Flink's JobStatus names: "CREATED", "RUNNING", "FAILING", "CANCELLING",
/// "RESTARTING", "FINISHED", "FAILED", "CANCELED" (sic, one L).
const char* job_status_name(job_status s) noexcept;

/// Flink's CheckpointStatsStatus: "IN_PROGRESS", "COMPLETED", "FAILED".
const char* checkpoint_status_name(checkpoint_status s) noexcept;

/// `{"errors": [message]}` (Flink's ErrorResponseBody).
std::string errors(std::string_view message);

/// `{"request-id": id}` (Flink's TriggerResponse).
std::string trigger(std::string_view id);

/// `GET /jobs`: `{"jobs": [{"id", "status"}]}`.
std::string jobs(const std::vector<rest_job_overview>& rows);

/// `GET /jobs/{id}`: jid, name, state, job-type, start-time, end-time,
/// duration (to end-time, or to `now` while running), now, parallelism,
/// maxParallelism, plus sluice's num-restarts, last-failure (null: none),
/// downtime, restored-checkpoint (null: fresh start), processing-guarantee
/// (EXACTLY_ONCE, AT_LEAST_ONCE, AT_MOST_ONCE: actors/job/delivery_guarantee.hpp)
/// and guarantee-warnings (one sentence per source that cannot replay).
std::string job_details(const rest_job_details& d, std::chrono::system_clock::time_point now);

/// `GET /jobs/{id}/checkpoints`: counts, summary, latest, history.
std::string checkpoint_statistics(const checkpoint_stats_snapshot& s,
                                  std::chrono::nanoseconds offset);

/// `GET /jobs/{id}/checkpoints/details/{cid}`: one history entry, with its
/// acknowledged subtasks aggregated per vertex under `tasks`.
std::string checkpoint_details(const checkpoint_stats_entry& e, std::chrono::nanoseconds offset);

/// `GET /jobs/{id}/checkpoints/config` (CheckpointConfigInfo);
/// max_concurrent is the effective value (min-pause and unaligned cap it).
std::string checkpoint_config(const rest_checkpoint_config& c);

/// `GET /jobs/{id}/savepoints/{trigger}`: `{"status": {"id"}, "operation":
/// {"location"} | {"failure-cause"}}`; no `operation` while in progress.
std::string savepoint_status(const rest_operation_status& s);

/// `GET /jobs/{id}/checkpoints/{trigger}`: as savepoint_status, with
/// `operation: {"checkpointId"}` once completed.
std::string checkpoint_trigger_status(const rest_operation_status& s);

} // namespace sluice::rest_json
