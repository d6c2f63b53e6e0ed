// Waiting for an event in tests: poll a condition until it holds. The
// deadline is a hang guard only: it fails a test when the event never
// comes, never because the machine is slow, so make it generous.
#pragma once

#include <chrono>
#include <thread>

namespace sluice::testing {

/// Polls `pred` every `every` until it holds (true) or `timeout` passed
/// (false). The timeout is a hang guard, never the property under test.
template <class Pred>
bool poll_until(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds{60},
                std::chrono::microseconds every = std::chrono::milliseconds{2}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(every);
  }
}

} // namespace sluice::testing
