#include "actors/checkpoint/checkpoint_types.hpp"

namespace sluice {

std::string to_string(const subtask_id& x) {
  return "vertex " + std::to_string(x.vertex) + " subtask " + std::to_string(x.subtask);
}

const char* to_string(checkpoint_status s) noexcept {
  switch (s) {
    case checkpoint_status::in_progress:
      return "in_progress";
    case checkpoint_status::completed:
      return "completed";
    case checkpoint_status::failed:
      return "failed";
  }
  return "?";
}

} // namespace sluice
