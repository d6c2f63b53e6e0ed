// Job status and final result as seen by clients (no CAF).
#pragma once

#include <cstdint>
#include <string>

#include "snapshot/error.hpp"

namespace sluice {

/// Flink's JobStatus, reduced to what sluice has so far.
enum class job_status : uint8_t {
  created,
  running,
  /// A subtask failed; the others are being stopped.
  failing,
  /// Cancel requested; subtasks are being stopped.
  cancelling,
  finished,
  failed,
  cancelled,
};

const char* to_string(job_status s) noexcept;

inline bool is_terminal(job_status s) noexcept {
  return s == job_status::finished || s == job_status::failed
         || s == job_status::cancelled;
}

/// What a job ended with.
struct job_result {
  job_status status = job_status::created;
  /// ec::none unless failed or cancelled.
  ec code = ec::none;
  /// The failure cause, naming the operator and subtask; empty otherwise.
  std::string message;
};

} // namespace sluice
