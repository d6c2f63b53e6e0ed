// The state tables of the value types jobs keep most often, compiled once.
//
// keyed_state_backend::get_state instantiates, per state type, five table
// classes with all their virtual functions (heap and LMDB tables, and for
// time-to-live a heap and an LMDB table of ttl_slot<V> under a ttl_table<V>)
// — about ten seconds of code generation per type in every translation
// unit that registers it. For the types below the instantiations are
// declared `extern` here and defined once in common_state_tables.cpp
// (libsluice), so units that use them only reference the library's copies.
// Value, reducing and aggregating state of int64_t, int32_t, double and
// std::string, and list state of int64_t and std::string are covered;
// anything else is still instantiated where it is used.
//
// Included at the end of keyed_state_backend.hpp: a unit that sees
// get_state sees these declarations first.
#pragma once

#include "snapshot/heap_table.hpp"
#include "snapshot/lmdb_table.hpp"
#include "snapshot/list_state.hpp"
#include "snapshot/reducing_state.hpp"
#include "snapshot/ttl_table.hpp"
#include "snapshot/value_state.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::common_tables {

using list_int64_codec = plain_codec<std::vector<int64_t>, true>;
using list_string_codec = plain_codec<std::vector<std::string>, true>;

} // namespace sluice::common_tables

// EXTERN is `extern` (declarations, here) or empty (definitions, .cpp).
#define SLUICE_STATE_TABLES(EXTERN, V, C)                                     \
  EXTERN template class sluice::heap_table<V, C>;                             \
  EXTERN template class sluice::lmdb_table<V, C>;                             \
  EXTERN template class sluice::ttl_table<V>;                                 \
  EXTERN template class sluice::heap_table<sluice::ttl_slot<V>, sluice::ttl_codec<C>>; \
  EXTERN template class sluice::lmdb_table<sluice::ttl_slot<V>, sluice::ttl_codec<C>>;

// The tables of a state the engine registers with `no_ttl` (window
// contents, timers): no time-to-live tables.
#define SLUICE_NO_TTL_TABLES(EXTERN, V, C)                                    \
  EXTERN template class sluice::heap_table<V, C>;                             \
  EXTERN template class sluice::lmdb_table<V, C>;

#define SLUICE_COMMON_STATE_TABLES(EXTERN)                                              \
  SLUICE_STATE_TABLES(EXTERN, int64_t, sluice::plain_codec<int64_t>)                   \
  SLUICE_STATE_TABLES(EXTERN, int32_t, sluice::plain_codec<int32_t>)                   \
  SLUICE_STATE_TABLES(EXTERN, double, sluice::plain_codec<double>)                     \
  SLUICE_STATE_TABLES(EXTERN, std::string, sluice::plain_codec<std::string>)           \
  SLUICE_STATE_TABLES(EXTERN, std::vector<int64_t>, sluice::common_tables::list_int64_codec) \
  SLUICE_STATE_TABLES(EXTERN, std::vector<std::string>,                                 \
                      sluice::common_tables::list_string_codec)                         \
  EXTERN template class sluice::value_state<int64_t>;                                   \
  EXTERN template class sluice::value_state<int32_t>;                                   \
  EXTERN template class sluice::value_state<double>;                                    \
  EXTERN template class sluice::value_state<std::string>;                               \
  EXTERN template class sluice::list_state<int64_t>;                                    \
  EXTERN template class sluice::list_state<std::string>;                                \
  EXTERN template class sluice::reducing_state<int64_t>;                                \
  EXTERN template class sluice::reducing_state<double>;                                 \
  EXTERN template class sluice::reducing_state<std::string>;

SLUICE_COMMON_STATE_TABLES(extern)
