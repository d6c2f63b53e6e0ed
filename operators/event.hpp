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

/// "Event{user='Mary', url='./home', timestamp=1700000000000}".
std::ostream& operator<<(std::ostream& os, const event& e);

} // namespace sluice
