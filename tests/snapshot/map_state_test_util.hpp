// Helpers of the map state tests (map_state_*_test.cpp): the "clicks" map
// state of 300 keys, filled with put and put_all, and the check of a
// backend's maps against what was filled (keys of its key group range only).
#pragma once

#include "snapshot/keyed_state_backend.hpp"

#include <boost/test/unit_test.hpp>

#include "keyed_state_test_util.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace sluice::map_state_test {
using clicks_state = map_state<std::string, int64_t>;
} // namespace sluice::map_state_test

// The "clicks" state's tables (with and without time-to-live), compiled once
// for the map tests in map_state_tables.cpp instead of in each of their
// units (see snapshot/common_state_tables.hpp).
#define SLUICE_CLICKS_TABLES(EXTERN)                                                 \
  SLUICE_STATE_TABLES(EXTERN, sluice::map_state_test::clicks_state::stored_type,    \
                      sluice::map_state_test::clicks_state::codec)                  \
  EXTERN template class sluice::map_state<std::string, int64_t>;

SLUICE_CLICKS_TABLES(extern)

namespace sluice::map_state_test {

inline const map_state_descriptor<std::string, int64_t> clicks_desc{"clicks"};

using mappings = std::map<std::string, int64_t>;

/// The current key's mappings, ordered.
template <class State>
mappings to_map(const State& s) {
  mappings result;
  for (const auto& [uk, uv] : s.entries())
    result.emplace(uk, uv);
  return result;
}

/// 300 keys; key i maps "page-j" to i * 10 + j for j < i % 4 (none for
/// i % 4 == 0).
inline std::map<std::string, mappings> fill(keyed_state_backend& b) {
  std::map<std::string, mappings> expected;
  auto& clicks = b.get_state(clicks_desc);
  for (int i = 0; i < 300; ++i) {
    auto key = "user-" + std::to_string(i);
    keyed_state_test::select(b, key);
    mappings m;
    for (int j = 0; j < i % 4; ++j)
      m["page-" + std::to_string(j)] = i * 10 + j;
    if (i % 2 == 0) {
      for (const auto& [uk, uv] : m)
        clicks.put(uk, uv);
    } else {
      clicks.put_all(m);
    }
    if (!m.empty())
      expected[key] = m;
  }
  return expected;
}

/// Checks every key of `expected` in b's range, and that no other key has a
/// map.
inline void check_maps(keyed_state_backend& b, const std::map<std::string, mappings>& expected) {
  auto& clicks = b.get_state(clicks_desc);
  size_t in_range = 0;
  for (int i = 0; i < 300; ++i) {
    auto key = "user-" + std::to_string(i);
    if (!b.set_current_key_of(key))
      continue;
    auto it = expected.find(key);
    if (it == expected.end()) {
      BOOST_CHECK_MESSAGE(clicks.is_empty(), key);
      continue;
    }
    ++in_range;
    BOOST_CHECK_MESSAGE(to_map(clicks) == it->second, key);
  }
  BOOST_CHECK_EQUAL(clicks.size(), in_range);
}

} // namespace sluice::map_state_test
