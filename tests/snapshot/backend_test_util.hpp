// Runs keyed-state tests against both state backends with the same test
// code: `BOOST_DATA_TEST_CASE(name, SLUICE_BACKENDS, kind)` and
// `keyed_state_backend b{max_p, range, backend_test::options(kind)}`. Every
// lmdb backend gets its own working directory under one scratch directory
// per test process (removed at exit; each backend removes its own directory
// when it is destroyed).
#pragma once

#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace sluice {

inline std::ostream& operator<<(std::ostream& os, state_backend_kind kind) {
  return os << to_string(kind);
}

} // namespace sluice

namespace sluice::backend_test {

inline constexpr std::array<state_backend_kind, 2> all_kinds{state_backend_kind::hashmap,
                                                             state_backend_kind::lmdb};

/// The scratch root of this process's lmdb working directories.
inline const std::filesystem::path& scratch_root() {
  struct root {
    root() {
      std::string pattern
        = (std::filesystem::temp_directory_path() / "sluice-backend-test-XXXXXX").string();
      if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error("mkdtemp failed");
      path = pattern;
    }
    ~root() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
    std::filesystem::path path;
  };
  static root r;
  return r.path;
}

/// Options of a backend of `kind` with a fresh lmdb working directory.
inline keyed_backend_options options(state_backend_kind kind,
                                     std::function<int64_t()> clock = {}) {
  static std::atomic<int> counter{0};
  keyed_backend_options opts;
  opts.kind = kind;
  if (kind == state_backend_kind::lmdb)
    opts.lmdb_dir = scratch_root() / ("backend-" + std::to_string(counter++));
  opts.clock = std::move(clock);
  return opts;
}

/// Writes `snap` into a memory state file (chunks of about `chunk` bytes)
/// and loads its entries back.
inline state_file_contents write_and_load(const keyed_state_snapshot& snap,
                                          size_t chunk = 4096) {
  auto w = state_file_writer::to_memory(
    "test.state", {"op", 0, snap.max_parallelism(), snap.key_groups()}, chunk);
  snap.write_to(w);
  w.finish();
  return load_state_bytes(w.take_bytes(), "test.state");
}

/// Restores every keyed entry and tombstone of `contents` into `b`, in
/// order, and ends the batch.
inline void apply(keyed_state_backend& b, const state_file_contents& contents) {
  for (const auto& e : contents.keyed) {
    if (e.deleted)
      b.restore_deleted(e.state, e.key_group, e.key);
    else
      b.restore_entry(e.state, e.key_group, e.key, e.value);
  }
  b.end_batch();
}

/// A fresh backend of `kind` for `range` (max parallelism 128) restored
/// from `contents`.
inline keyed_state_backend restore(const state_file_contents& contents, key_group_range range,
                                   state_backend_kind kind, uint32_t max_parallelism = 128) {
  keyed_state_backend b{max_parallelism, range, options(kind)};
  apply(b, contents);
  return b;
}

} // namespace sluice::backend_test

#define SLUICE_BACKENDS ::boost::unit_test::data::make(::sluice::backend_test::all_kinds)
