// What to break, and when, in a running job (`--inject-failures=...`, the
// fault-injection tests): a plain, seeded description and the schedule it
// yields. No CAF; actors/fault_injector.hpp acts on it.
//
// Spec syntax: comma-separated key=value pairs, e.g.
//   seed=7,kills=5                    kill 5 random subtasks
//   seed=7,kills=20,min-interval=50ms,max-interval=300ms
//   storage-failures=2                the writes of 2 random checkpoints
//                                     among the first 10 fail
//   storage-delay=200ms               every state file write takes longer
// Keys: seed (default 1), kills (0), min-interval (100ms), max-interval
// (1s), storage-failures (0), storage-delay (0ms). Durations need a unit
// (ms, s). The same seed gives the same schedule: the n-th kill happens
// after the same delay and picks the same subtask index (modulo the
// number of subtasks).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>

namespace sluice {

struct fault_injection_spec {
  uint64_t seed = 1;
  /// Subtask actors killed (exit_reason::kill), one after the other.
  uint32_t kills = 0;
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
    return kills > 0 || storage_failures > 0 || storage_delay.count() > 0;
  }

  /// Parses the syntax above. Returns the spec or an error naming the key
  /// or pair that is wrong ("inject-failures: unknown key 'kill'").
  static std::optional<fault_injection_spec> parse(std::string_view text, std::string& error);
};

/// The random choices of one spec, in order: deterministic for a seed.
class fault_schedule {
public:
  explicit fault_schedule(const fault_injection_spec& spec);

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
};

} // namespace sluice
