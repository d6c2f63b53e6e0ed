// Checkpoint ids (Flink's CheckpointIDCounter, standalone flavour).
//
// Owned by the job master (it outlives coordinator restarts: the coordinator
// of a restarted attempt continues the same counter), used only by the
// coordinator. Ids start at 1 and never repeat within a job: `restore_after`
// only moves the counter forward, so restoring an older checkpoint after a
// failover (say 5, while 6 and 7 were pending) continues at 8, and a job
// started from a retained checkpoint or savepoint with id n continues at n+1.
// Savepoints take their ids from the same counter.
#pragma once

#include <cstdint>
#include <limits>

#include "snapshot/error.hpp"

namespace sluice {

class checkpoint_id_counter {
public:
  static constexpr uint64_t initial_id = 1;

  /// The id for the next checkpoint; every call returns a new one.
  /// Throws `sluice::exception(ec::invalid_option)` only when 2^64 - 1 ids
  /// are used up (cannot happen in practice).
  uint64_t next() {
    if (next_ == std::numeric_limits<uint64_t>::max())
      throw exception(ec::invalid_option, "checkpoint ids exhausted");
    return next_++;
  }

  /// The id `next()` returns next, without using it.
  uint64_t peek() const noexcept {
    return next_;
  }

  /// The last id handed out (0: none yet).
  uint64_t last() const noexcept {
    return next_ - 1;
  }

  /// Continue after checkpoint `id` (restored or found in storage): the
  /// next id is at least `id + 1`. Never moves backwards.
  void restore_after(uint64_t id) noexcept {
    if (id != std::numeric_limits<uint64_t>::max() && id + 1 > next_)
      next_ = id + 1;
    else if (id == std::numeric_limits<uint64_t>::max())
      next_ = id;
  }

private:
  uint64_t next_ = initial_id;
};

} // namespace sluice
