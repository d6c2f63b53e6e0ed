#include "actors/contract/job_status.hpp"

namespace sluice {

const char* to_string(job_status s) noexcept {
  switch (s) {
    case job_status::created: return "created";
    case job_status::running: return "running";
    case job_status::failing: return "failing";
    case job_status::cancelling: return "cancelling";
    case job_status::restarting: return "restarting";
    case job_status::finished: return "finished";
    case job_status::failed: return "failed";
    case job_status::cancelled: return "cancelled";
  }
  return "unknown";
}

} // namespace sluice
