// Aimed faults: points in the subtask's checkpoint and recovery protocol
// where an armed fault fires (`--inject-failures=alignment-kills=1,...`,
// the fault-injection tests). No CAF: the fault injector arms a point, the
// first subtask of the job that reaches it fires it (once per arm) and
// fails there, exactly as if it had been killed or its user code had
// thrown at that moment.
//
// Points (where the subtask checks):
//   user_code      a data batch or source step is about to run user code:
//                  an exception is thrown from inside the guarded call
//   alignment      the first barrier of a checkpoint arrived on one input
//                  of several (aligned: that channel is now blocked)
//   async_snapshot the synchronous part is done, the asynchronous part
//                  writes (before the acknowledgement)
//   pre_commit     a sink subtask (no outputs) is told that a checkpoint
//                  completed, before it commits (a two-phase-commit sink
//                  has pre-committed and not yet committed)
//   restore        a restarted attempt (attempt > 1) restored its state
//                  and has not opened its operators yet
// The killing points quit the subtask with exit_reason::kill.
//
// Thread-safe (atomics); `fire` costs one relaxed load when nothing is
// armed, so subtasks may call it per batch.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace sluice {

enum class fault_point : uint8_t {
  user_code,
  alignment,
  async_snapshot,
  pre_commit,
  restore,
};

inline constexpr size_t num_fault_points = 5;

/// "user code", "alignment", ... (for log lines).
constexpr std::string_view to_string(fault_point p) noexcept {
  switch (p) {
    case fault_point::user_code:
      return "user code";
    case fault_point::alignment:
      return "alignment";
    case fault_point::async_snapshot:
      return "asynchronous snapshot";
    case fault_point::pre_commit:
      return "between pre-commit and commit";
    case fault_point::restore:
      return "restore";
  }
  return "?";
}

class fault_points {
public:
  /// The next subtask that reaches `p` fails there (once).
  void arm(fault_point p) noexcept {
    armed_[index(p)].store(true, std::memory_order_release);
  }

  /// Takes an unfired arm back (the point was never reached).
  void disarm(fault_point p) noexcept {
    armed_[index(p)].store(false, std::memory_order_release);
  }

  /// Called at point `p`: true exactly once per arm (the caller fails).
  bool fire(fault_point p) noexcept {
    auto& a = armed_[index(p)];
    if (!a.load(std::memory_order_relaxed) || !a.exchange(false, std::memory_order_acq_rel))
      return false;
    fired_[index(p)].fetch_add(1, std::memory_order_acq_rel);
    return true;
  }

  /// How often `p` fired so far.
  uint64_t fired(fault_point p) const noexcept {
    return fired_[index(p)].load(std::memory_order_acquire);
  }

private:
  static constexpr size_t index(fault_point p) noexcept {
    return static_cast<size_t>(p);
  }

  std::array<std::atomic<bool>, num_fault_points> armed_{};
  std::array<std::atomic<uint64_t>, num_fault_points> fired_{};
};

} // namespace sluice
