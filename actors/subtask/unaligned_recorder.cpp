#include "actors/subtask/unaligned_recorder.hpp"

#include "actors/subtask/async_snapshot.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace sluice {

unaligned_recorder::unaligned_recorder() = default;

unaligned_recorder::~unaligned_recorder() = default;

std::optional<uint64_t> unaligned_recorder::start(uint64_t id, std::shared_ptr<snapshot_task> task,
                                                  std::vector<bool> recording,
                                                  batch_codec codec, clock::time_point since) {
  assert(task != nullptr);
  auto abandoned = abandon();
  id_ = id;
  task_ = std::move(task);
  recording_ = std::move(recording);
  codec_ = codec;
  since_ = since;
  return abandoned;
}

std::optional<uint64_t> unaligned_recorder::abandon() noexcept {
  auto id = std::exchange(id_, std::nullopt);
  task_.reset();
  recording_.clear();
  return id;
}

void unaligned_recorder::on_data(uint32_t ch, uint64_t seq, const batch_ptr& in_flight) {
  if (records(ch))
    task_->channel_state.push_back(
      in_flight_batch{channel_direction::input, ch, seq, in_flight, codec_});
}

void unaligned_recorder::stop(uint32_t ch) noexcept {
  if (ch < recording_.size())
    recording_[ch] = false;
}

std::shared_ptr<snapshot_task> unaligned_recorder::take_if_complete(clock::time_point now) {
  if (!id_ || std::find(recording_.begin(), recording_.end(), true) != recording_.end())
    return nullptr;
  task_->ack.alignment_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - since_).count();
  id_.reset();
  recording_.clear();
  return std::move(task_);
}

} // namespace sluice
