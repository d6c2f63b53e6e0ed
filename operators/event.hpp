// The seeds' click event (Flink tutorial `Event{user, url, timestamp}`).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace sluice {

struct event {
  std::string user;
  std::string url;
  /// Event time, milliseconds since the epoch.
  int64_t timestamp = 0;

  friend bool operator==(const event&, const event&) = default;
};

/// CAF serialization (no CAF header needed here: only CAF instantiates
/// it): events can be persisted as in-flight data of unaligned checkpoints
/// and kept in state.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event& x) {
  return f(x.user, x.url, x.timestamp);
}

/// "Event{user='Mary', url='./home', timestamp=1700000000000}".
std::ostream& operator<<(std::ostream& os, const event& e);

} // namespace sluice
