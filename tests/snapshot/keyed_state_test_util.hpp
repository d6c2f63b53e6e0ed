// Helpers of the keyed state tests per state kind (map_state_*_test.cpp,
// list_state_*_test.cpp, reducing_aggregating_state_*_test.cpp): the whole
// key group range at max parallelism 128, selecting a key, a value type
// that cannot be serialized, and a check that a call fails with
// ec::state_type_mismatch naming given words.
#pragma once

#include "snapshot/error.hpp"
#include "snapshot/keyed_state_backend.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>

namespace sluice::keyed_state_test {

inline constexpr uint32_t max_p = 128;
inline const key_group_range whole{0, max_p - 1};

/// No inspect(): usable in memory, not snapshottable.
struct opaque {
  int x = 0;
};

inline void select(keyed_state_backend& b, const std::string& key) {
  BOOST_REQUIRE(b.set_current_key_of(key));
}

/// Runs `f`, which must throw ec::state_type_mismatch mentioning `words`.
template <class F>
void check_mismatch(F f, std::initializer_list<const char*> words) {
  try {
    f();
    BOOST_ERROR("expected ec::state_type_mismatch");
  } catch (const exception& e) {
    BOOST_CHECK(e.code() == ec::state_type_mismatch);
    std::string what = e.what();
    for (const char* word : words)
      BOOST_CHECK_MESSAGE(what.find(word) != std::string::npos, word << " not in: " << what);
  }
}

/// A snapshot restored at each of three subtasks' key group ranges (of
/// max_p): `restore(range)` makes the backend, `check(backend)` checks the
/// entries it should hold, `state_of(backend)` is the state counted. Each
/// holds fewer than `expected` entries and none outside its range, and
/// together they hold every one once (the ranges are disjoint).
template <class Restore, class Check, class StateOf>
void check_restore_in_three_ranges(size_t expected, Restore restore, Check check,
                                   StateOf state_of) {
  size_t total = 0;
  for (uint32_t i = 0; i < 3; ++i) {
    auto range = key_group_range_for_operator(max_p, 3, i);
    auto restored = restore(range);
    check(restored);
    auto& state = state_of(restored);
    BOOST_CHECK(state.size() < expected);
    for (uint32_t kg = 0; kg < max_p; ++kg)
      if (!range.contains(kg))
        BOOST_CHECK_EQUAL(state.size_in_key_group(kg), 0u);
    total += state.size();
  }
  BOOST_CHECK_EQUAL(total, expected);
}

} // namespace sluice::keyed_state_test
