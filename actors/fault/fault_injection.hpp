// What to break, and when, in a running job (`--inject-failures=...`, the
// fault-injection tests): a plain, seeded description and the schedule it
// yields. No CAF; actors/fault/fault_injector.hpp acts on it.
//
// Spec syntax: comma-separated key=value pairs, e.g.
//   seed=7,kills=5                    kill 5 random subtasks
//   seed=7,kills=20,min-interval=50ms,max-interval=300ms
//   storage-failures=2                the writes of 2 random checkpoints
//                                     among the first 10 fail
//   storage-delay=200ms               every state file write takes longer
//   throws=2                          user code throws twice
//   alignment-kills=1,snapshot-kills=1,commit-kills=1,restore-kills=1
//                                     aimed kills (actors/fault/fault_points.hpp):
//                                     mid-alignment, mid-asynchronous
//                                     snapshot, between pre-commit and
//                                     commit, during a restore
// Keys: seed (default 1), kills (0), throws (0), alignment-kills (0),
// snapshot-kills (0), commit-kills (0), restore-kills (0), min-interval
// (100ms), max-interval (1s), storage-failures (0), storage-delay (0ms).
// Durations need a unit (ms, s). Counts are at most 10000. The same seed
// gives the same schedule: the faults come in the same (shuffled) order,
// each after the same delay, and a kill picks the same subtask index
// (modulo the number of subtasks).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct fault_injection_spec {
  uint64_t seed = 1;
  /// Subtask actors killed (exit_reason::kill), one after the other.
  uint32_t kills = 0;
  /// Exceptions thrown from user code (fault_point::user_code).
  uint32_t throws = 0;
  /// Aimed kills: at fault_point::alignment, async_snapshot, pre_commit;
  /// a restore kill kills a random subtask and then a subtask of the
  /// restarted attempt during its restore (fault_point::restore).
  uint32_t alignment_kills = 0;
  uint32_t snapshot_kills = 0;
  uint32_t commit_kills = 0;
  uint32_t restore_kills = 0;
  /// Each kill waits a uniformly random time in [min, max] after the
  /// previous one (or the start), counted while the job is running.
  std::chrono::milliseconds min_interval{100};
  std::chrono::milliseconds max_interval{1000};
  /// Checkpoints among ids 1..10 whose storage writes fail.
  uint32_t storage_failures = 0;
  /// Added to every state file write.
  std::chrono::milliseconds storage_delay{0};

  /// Whether anything is injected at all.
  bool active() const noexcept {
    return scheduled() > 0 || storage_failures > 0 || storage_delay.count() > 0;
  }

  /// Faults that happen one after the other (kills, throws, aimed kills).
  uint64_t scheduled() const noexcept {
    return uint64_t{kills} + throws + alignment_kills + snapshot_kills + commit_kills
           + restore_kills;
  }

  /// Why this spec cannot run on a job with(out) checkpointing: the
  /// alignment, snapshot and commit points exist only with checkpoints
  /// ("inject-failures: alignment-kills needs checkpointing (set
  /// checkpointing.interval)"); nullopt when it can.
  std::optional<std::string> problem(bool checkpointing) const;

  /// Parses the syntax above. Returns the spec or an error naming the key
  /// or pair that is wrong ("inject-failures: unknown key 'kill'").
  static std::optional<fault_injection_spec> parse(std::string_view text, std::string& error);
};

/// One scheduled fault.
enum class fault_action : uint8_t {
  kill,
  throw_in_user_code,
  alignment_kill,
  snapshot_kill,
  commit_kill,
  restore_kill,
};

/// "kill", "throw in user code", "kill mid-alignment", ...
std::string_view to_string(fault_action a) noexcept;

/// The random choices of one spec, in order: deterministic for a seed.
class fault_schedule {
public:
  explicit fault_schedule(const fault_injection_spec& spec);

  /// Every scheduled fault, shuffled: spec.scheduled() entries.
  const std::vector<fault_action>& actions() const noexcept {
    return actions_;
  }

  /// Delay before the next kill.
  std::chrono::milliseconds next_delay();

  /// Which of `n` (> 0) subtasks the next kill hits.
  size_t pick(size_t n);

  /// Checkpoint ids (1..10) whose storage writes fail.
  const std::set<uint64_t>& failing_checkpoints() const noexcept {
    return failing_;
  }

private:
  fault_injection_spec spec_;
  std::mt19937_64 rng_;
  std::set<uint64_t> failing_;
  std::vector<fault_action> actions_;
};

} // namespace sluice
