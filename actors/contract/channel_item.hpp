// One item travelling on a channel between two subtasks, as the flow-control
// queues hold it: a data batch or an in-band control event. Plain value, no
// CAF; the actor side turns it into `data_msg` / `barrier_msg` /
// `watermark_msg` / `eos_msg` and back.
#pragma once

#include <cstdint>

#include "actors/contract/batch.hpp"
#include "actors/contract/operator.hpp"

namespace sluice {

struct channel_item {
  /// watermark_status: the sender's stream went idle (time 1) or active
  /// again (time 0) (Flink's WatermarkStatus).
  enum class kind : uint8_t { data, watermark, barrier, end_of_stream, watermark_status };

  kind what = kind::data;
  /// Records of a data item; null otherwise.
  batch_ptr records;
  /// Barrier: checkpoint id.
  uint64_t checkpoint_id = 0;
  /// Watermark: the watermark; barrier: the checkpoint timestamp.
  timestamp time = 0;
  /// Barrier of a savepoint: always aligned, also where checkpoints are
  /// unaligned.
  bool savepoint = false;

  bool is_data() const noexcept {
    return what == kind::data;
  }

  static channel_item data(batch_ptr b) {
    return {kind::data, std::move(b), 0, 0};
  }
  static channel_item watermark(timestamp wm) {
    return {kind::watermark, nullptr, 0, wm};
  }
  static channel_item barrier(uint64_t id, timestamp ts, bool savepoint = false) {
    return {kind::barrier, nullptr, id, ts, savepoint};
  }
  static channel_item watermark_status(bool idle) {
    return {kind::watermark_status, nullptr, 0, idle ? 1 : 0};
  }
  static channel_item end_of_stream() {
    return {kind::end_of_stream, nullptr, 0, 0};
  }
};

} // namespace sluice
