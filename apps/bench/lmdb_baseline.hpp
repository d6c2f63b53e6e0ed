// The hand-written baseline of the `keyed-count-lmdb` workload: the same
// click events counted per user in a raw LMDB read-modify-write loop (one
// environment in a temporary directory, MDB_NOSYNC | MDB_NOMETASYNC like the
// lmdb state backend, one write transaction per `batch` records, the count
// stored as 8 raw bytes), no engine, no cache.
#pragma once

#include <cstdint>

#include "apps/bench/baselines.hpp"

namespace sluice::bench {

/// Counts `records` click events of `keys` users in LMDB; the tally is the
/// same as keyed_count_baseline's. Throws std::runtime_error on LMDB errors.
tally_result lmdb_keyed_count_baseline(uint64_t records, uint64_t keys, uint32_t batch);

} // namespace sluice::bench
