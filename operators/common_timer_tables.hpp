// The timer state of keyed process functions whose key is an int32_t,
// int64_t or std::string, compiled once in the library (see
// snapshot/common_state_tables.hpp for why). Included at the end of
// timer_service.hpp.
#pragma once

#include "operators/timer_service.hpp"
#include "snapshot/common_state_tables.hpp"

#include <cstdint>
#include <string>

namespace sluice::common_tables {

template <class K>
using keyed_timers = key_timers<K, no_namespace>;
template <class K>
using keyed_timers_state = value_state<keyed_timers<K>>;

} // namespace sluice::common_tables

#define SLUICE_COMMON_TIMER_TABLES_OF(EXTERN, K)                                          \
  SLUICE_NO_TTL_TABLES(EXTERN, sluice::common_tables::keyed_timers<K>,                   \
                       sluice::common_tables::keyed_timers_state<K>::codec)              \
  EXTERN template class sluice::value_state<sluice::common_tables::keyed_timers<K>>;

#define SLUICE_COMMON_TIMER_TABLES(EXTERN)                                                \
  SLUICE_COMMON_TIMER_TABLES_OF(EXTERN, int32_t)                                          \
  SLUICE_COMMON_TIMER_TABLES_OF(EXTERN, int64_t)                                          \
  SLUICE_COMMON_TIMER_TABLES_OF(EXTERN, std::string)

SLUICE_COMMON_TIMER_TABLES(extern)
