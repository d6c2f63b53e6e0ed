#include "snapshot/error.hpp"

namespace sluice {

const char* to_string(ec code) noexcept {
  switch (code) {
    case ec::none: return "none";
    case ec::invalid_option: return "invalid_option";
    case ec::invalid_config_file: return "invalid_config_file";
    case ec::invalid_argument: return "invalid_argument";
    case ec::invalid_job_graph: return "invalid_job_graph";
    case ec::operator_failed: return "operator_failed";
    case ec::subtask_failed: return "subtask_failed";
    case ec::state_type_mismatch: return "state_type_mismatch";
    case ec::job_cancelled: return "job_cancelled";
    case ec::io_error: return "io_error";
    case ec::corrupt_file: return "corrupt_file";
    case ec::missing_input: return "missing_input";
    case ec::not_serializable: return "not_serializable";
    case ec::checkpoint_failure: return "checkpoint_failure";
    case ec::incompatible_state: return "incompatible_state";
  }
  return "unknown";
}

bool restarts_cannot_cure(ec code) noexcept {
  switch (code) {
    case ec::invalid_option:
    case ec::invalid_config_file:
    case ec::invalid_argument:
    case ec::invalid_job_graph:
    case ec::state_type_mismatch:
    case ec::not_serializable:
    case ec::incompatible_state:
      return true;
    default:
      return false;
  }
}

} // namespace sluice
