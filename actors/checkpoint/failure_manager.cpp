#include "actors/checkpoint/failure_manager.hpp"

#include "actors/checkpoint/checkpoint_config.hpp"

namespace sluice {

checkpoint_failure_manager::checkpoint_failure_manager(int32_t tolerable_failures)
  : tolerable_(tolerable_failures < 0 ? 0 : tolerable_failures) {
}

std::optional<std::string>
checkpoint_failure_manager::on_failure(std::optional<uint64_t> checkpoint_id,
                                       checkpoint_failure_reason reason, bool savepoint) {
  if (savepoint || tolerable_ == checkpoint_config::unlimited_tolerable_failures)
    return std::nullopt;
  if (checkpoint_id && *checkpoint_id <= last_succeeded_)
    return std::nullopt;
  if (!counts_as_failure(reason))
    return std::nullopt;
  if (checkpoint_id && !counted_.insert(*checkpoint_id).second)
    return std::nullopt;
  ++continuous_failures_;
  if (continuous_failures_ <= tolerable_)
    return std::nullopt;
  auto failures = continuous_failures_;
  clear();
  return std::string{exceeded_message} + " The latest checkpoint failed due to "
         + describe(reason) + " " + std::to_string(failures)
         + " consecutive checkpoints failed (checkpointing.tolerable-failures = "
         + std::to_string(tolerable_) + "); see the checkpoint statistics for why.";
}

void checkpoint_failure_manager::on_success(uint64_t checkpoint_id) {
  if (checkpoint_id > last_succeeded_) {
    last_succeeded_ = checkpoint_id;
    clear();
  }
}

void checkpoint_failure_manager::clear() {
  continuous_failures_ = 0;
  counted_.clear();
}

} // namespace sluice
