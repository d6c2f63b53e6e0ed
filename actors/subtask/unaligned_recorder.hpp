// Recording the input channel state of an unaligned checkpoint (Flink's
// ChannelStateWriter on the input side), as a plain class: it decides which
// arriving batches belong to the checkpoint and when the recording is
// complete; the subtask actor acts (dispatches the finished task, declines
// an abandoned checkpoint). Tested without an actor system
// (tests/flow/unaligned_recorder_test.cpp).
//
// An unaligned checkpoint n is taken the moment its first barrier arrives
// (or the source is triggered): the synchronous snapshot, the overtaken
// output and the input queued in front of barrier n go into the task at
// once. Every input channel whose barrier n has not arrived yet then
// records: each data batch arriving on it is in flight across the barrier
// and is added to the task, until barrier n or end-of-stream arrives on that
// channel. When no channel records any more, the task is finished (its
// alignment duration set) and handed back to the caller to be written.
//
// One checkpoint records at a time: starting checkpoint m while n still
// records abandons n (the caller declines it). Used by the one actor that
// owns it: not thread-safe.
#pragma once

#include "actors/contract/batch.hpp"
#include "actors/contract/batch_codec.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace sluice {

struct snapshot_task;

class unaligned_recorder {
public:
  using clock = std::chrono::steady_clock;

  unaligned_recorder();
  ~unaligned_recorder();
  unaligned_recorder(const unaligned_recorder&) = delete;
  unaligned_recorder& operator=(const unaligned_recorder&) = delete;

  /// The checkpoint being recorded, if any.
  std::optional<uint64_t> current() const noexcept {
    return id_;
  }

  /// Whether data arriving on input channel `ch` belongs to the current
  /// checkpoint (false without one, or for a channel out of range).
  bool records(uint32_t ch) const noexcept {
    return id_ && ch < recording_.size() && recording_[ch];
  }

  /// Starts recording checkpoint `id` into `task` (its channel state
  /// already holds the overtaken output and the queued input). Channel c
  /// records while `recording[c]`; arriving input is encoded with `codec`.
  /// `since` is when the checkpoint's alignment began (the task's
  /// alignment duration runs from it). A checkpoint still recording is
  /// abandoned: its id is returned and its task dropped. Precondition:
  /// task != nullptr.
  std::optional<uint64_t> start(uint64_t id, std::shared_ptr<snapshot_task> task,
                                std::vector<bool> recording, batch_codec codec,
                                clock::time_point since);

  /// Drops the current checkpoint, if any, and returns its id.
  std::optional<uint64_t> abandon() noexcept;

  /// A data batch with sequence number `seq` arrived on input channel `ch`:
  /// added to the task when the channel records; otherwise ignored.
  void on_data(uint32_t ch, uint64_t seq, const batch_ptr& in_flight);

  /// Channel `ch` stopped recording (barrier of the current checkpoint or
  /// end-of-stream on it); no-op when it did not record.
  void stop(uint32_t ch) noexcept;

  /// The finished task when the current checkpoint records on no channel
  /// any more (its ack's alignment duration set to `now - since`); the
  /// recorder is then idle. nullptr while some channel records, or without
  /// a current checkpoint.
  std::shared_ptr<snapshot_task> take_if_complete(clock::time_point now);

private:
  std::optional<uint64_t> id_;
  std::shared_ptr<snapshot_task> task_;
  std::vector<bool> recording_;
  batch_codec codec_;
  clock::time_point since_;
};

} // namespace sluice
