// Plain values of the `state.*` options (no CAF here: the C++ API uses it):
// where keyed state lives (Flink's state.backend.type, with lmdb in place of
// rocksdb), incremental checkpoints, and the lmdb working directories.
//
// Filled from compiled-in defaults (meson options state_*), then the config
// file and command line (actors/config/system_config.hpp), then the C++ API
// (environment::set_state_config). `validate()` checks it once before a job
// starts.
#pragma once

#include "sluice_defaults.hpp"
#include "snapshot/keyed_state_backend.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

struct state_config {
  /// `state.backend`: hashmap (memory) or lmdb (disk).
  state_backend_kind backend = state_backend_kind::SLUICE_DEFAULT_STATE_BACKEND;
  /// `state.incremental`: checkpoints of the lmdb backend write only what
  /// changed since the previous one.
  bool incremental = SLUICE_DEFAULT_STATE_INCREMENTAL;
  /// `state.local-dir`: root of the lmdb working directories (empty: the
  /// system's temporary directory + "/sluice-state").
  std::string local_dir = SLUICE_DEFAULT_STATE_LOCAL_DIR;
  /// `state.lmdb-cache-entries`: decoded entries each lmdb state keeps in
  /// memory across input batches (0: only within a batch).
  int64_t lmdb_cache_entries = SLUICE_DEFAULT_STATE_LMDB_CACHE_ENTRIES;

  /// The root actually used for lmdb working directories.
  std::filesystem::path effective_local_dir() const;

  /// Names of the options, as after "state." on the command line.
  static const std::vector<std::string_view>& option_names();

  /// Parses one option from its string form ("backend", "lmdb"); an error
  /// naming the option, the value and what is allowed.
  std::optional<std::string> set(std::string_view option, std::string_view value);

  /// Checks values and combinations; an error message naming the option.
  std::optional<std::string> validate() const;
};

} // namespace sluice
