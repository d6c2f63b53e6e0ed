// The window operator's own states for time windows, compiled once in the
// library (see snapshot/common_state_tables.hpp for why): the trigger
// counts (map time_window -> int64_t, also the contents of windows that
// sum or count into an int64_t), the merging windows of session windows,
// and the window timers of int32_t, int64_t and std::string keys.
// Included at the end of window_operator.hpp.
#pragma once

#include "operators/timer_service.hpp"
#include "operators/windows/window_assigners.hpp"
#include "snapshot/common_state_tables.hpp"
#include "snapshot/map_state.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice::common_tables {

using window_counts = map_state<time_window, int64_t>;
using window_merges = std::vector<std::pair<time_window, time_window>>;
template <class K>
using window_timers = key_timers<K, time_window>;
template <class K>
using window_timers_state = value_state<window_timers<K>>;

} // namespace sluice::common_tables

#define SLUICE_COMMON_WINDOW_TIMERS_OF(EXTERN, K)                                         \
  SLUICE_NO_TTL_TABLES(EXTERN, sluice::common_tables::window_timers<K>,                  \
                       sluice::common_tables::window_timers_state<K>::codec)             \
  EXTERN template class sluice::value_state<sluice::common_tables::window_timers<K>>;

#define SLUICE_COMMON_WINDOW_TABLES(EXTERN)                                               \
  SLUICE_NO_TTL_TABLES(EXTERN, sluice::common_tables::window_counts::stored_type,        \
                       sluice::common_tables::window_counts::codec)                      \
  EXTERN template class sluice::map_state<sluice::time_window, int64_t>;                  \
  SLUICE_NO_TTL_TABLES(EXTERN, sluice::common_tables::window_merges,                     \
                       sluice::plain_codec<sluice::common_tables::window_merges>)         \
  EXTERN template class sluice::value_state<sluice::common_tables::window_merges>;        \
  SLUICE_COMMON_WINDOW_TIMERS_OF(EXTERN, int32_t)                                         \
  SLUICE_COMMON_WINDOW_TIMERS_OF(EXTERN, int64_t)                                         \
  SLUICE_COMMON_WINDOW_TIMERS_OF(EXTERN, std::string)

SLUICE_COMMON_WINDOW_TABLES(extern)
