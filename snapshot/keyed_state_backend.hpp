// Keyed state of one subtask of a keyed operator (Flink's KeyedStateBackend).
// Five kinds of state, as in Flink: value_state, list_state, map_state,
// reducing_state, aggregating_state (one header each), stored by one of two
// backends (`state.backend`):
//   hashmap  in memory, one hash map per key group, copy-on-write snapshots
//            (heap_table.hpp): the synchronous part of a checkpoint copies
//            nothing; entries changed while a snapshot is being written are
//            copied once.
//   lmdb     an LMDB environment per backend under `lmdb_dir`, keys prefixed
//            by key group and state id, a write-back cache written in one
//            write transaction per input batch (lmdb_table.hpp); a snapshot is
//            a read transaction iterated on another thread.
// Any descriptor may enable time-to-live (ttl_table.hpp).
//
// Owned by the keyed operator (one per operator instance in a subtask) and
// used from the one actor that hosts it: not thread-safe. The operator sets
// the current key before each record (`set_current_key`), then reads and
// writes its states, which all follow that key; the host calls `end_batch`
// at the end of every message that touched state (LMDB writes its batch
// there: a write transaction must not outlive the message handler).
//
// Checkpoints: `snapshot()` (synchronous part, on the actor) makes an
// immutable keyed_state_snapshot, which another thread then encodes into a
// state file (`write_to`). Restore: before the operator registers its
// states, every keyed entry of the checkpoint's files goes to
// `restore_entry`; a state registered later with `get_state` takes its
// entries then, after its type fingerprint was checked.
//
// Errors: `get_state` throws sluice::exception(ec::state_type_mismatch) when a
// name is reused with another kind or type, or when restored entries of that
// name have another kind or type fingerprint; ec::not_serializable when the
// lmdb backend is asked for a state whose values CAF cannot serialize.
// ec::io_error from LMDB. Other misuse (key group outside the range, state
// used before a key was set) is a programmer error (assert).
#pragma once

#include "snapshot/aggregating_state.hpp"
#include "snapshot/error.hpp"
#include "snapshot/key_groups.hpp"
#include "snapshot/list_state.hpp"
#include "snapshot/map_state.hpp"
#include "snapshot/reducing_state.hpp"
#include "snapshot/state_descriptor.hpp"
#include "snapshot/state_file.hpp"
#include "snapshot/value_state.hpp"
#include "snapshot/heap_table.hpp"
#include "snapshot/lmdb_table.hpp"
#include "snapshot/ttl_table.hpp"

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace sluice {

class state_file_writer;

/// The keyed state of a backend at one checkpoint: made on the actor by
/// keyed_state_backend::snapshot(), then written by one other thread. Holds
/// copies only (never refers to the backend) and is immutable.
class keyed_state_snapshot {
public:
  keyed_state_snapshot(const keyed_state_snapshot&) = delete;
  keyed_state_snapshot& operator=(const keyed_state_snapshot&) = delete;
  ~keyed_state_snapshot();

  /// Entries over all states (incremental: entries and tombstones).
  size_t num_entries() const noexcept {
    return num_entries_;
  }

  /// Whether this snapshot holds only the changes since `base_checkpoint()`
  /// (entries with their current value, tombstones for removed keys); a
  /// restore applies the base's files, then every delta after it in order.
  bool incremental() const noexcept {
    return incremental_;
  }

  /// The confirmed checkpoint an incremental snapshot builds on.
  uint64_t base_checkpoint() const noexcept {
    return base_;
  }

  /// States with at least one entry (only those are written).
  size_t num_states() const noexcept {
    return states_.size();
  }

  /// The backend's max parallelism and key group range: the state file's
  /// info must have the same max parallelism and a key group range that
  /// contains this one.
  uint32_t max_parallelism() const noexcept {
    return max_parallelism_;
  }

  key_group_range key_groups() const noexcept {
    return range_;
  }

  /// Encodes every entry and adds it to `w` with keyed_state_meta{name,
  /// fingerprint, kind}, one state after the other, key groups ascending
  /// within a state. Blocking and CPU-bound: call off the actor. Throws
  /// ec::io_error when w's info does not fit (see above) and whatever
  /// state_file_writer::add_keyed_entry or encoding throws.
  void write_to(state_file_writer& w) const;

private:
  friend class keyed_state_backend;

  struct state_entries {
    keyed_state_meta meta;
    std::unique_ptr<const keyed_state_copy> entries;
  };

  keyed_state_snapshot(uint32_t max_parallelism, key_group_range range)
    : max_parallelism_(max_parallelism), range_(range) {
  }

  uint32_t max_parallelism_;
  key_group_range range_;
  std::vector<state_entries> states_;
  size_t num_entries_ = 0;
  bool incremental_ = false;
  uint64_t base_ = 0;
};

/// Where keyed state lives (`state.backend`).
enum class state_backend_kind { hashmap, lmdb };

/// Tag of `keyed_state_backend::get_state` for the engine's own states
/// (window contents, timers, keyed aggregations): they never have
/// time-to-live, so their types do not instantiate the time-to-live tables
/// (about a third of the code a window operator compiles to).
struct no_ttl_t {
  explicit no_ttl_t() = default;
};
inline constexpr no_ttl_t no_ttl{};

/// "hashmap" / "lmdb".
const char* to_string(state_backend_kind kind) noexcept;

/// Parses "hashmap" / "lmdb"; nullopt otherwise.
std::optional<state_backend_kind> parse_state_backend_kind(std::string_view text) noexcept;

struct keyed_backend_options {
  state_backend_kind kind = state_backend_kind::hashmap;
  /// lmdb: the backend's working directory, by convention
  /// `<state.local-dir>/<job-id>/<operator-uid>-<subtask>-<attempt>`; created,
  /// and removed when the backend and its last snapshot are gone.
  std::filesystem::path lmdb_dir;
  lmdb_store_options lmdb;
  /// lmdb: clean entries each state's cache keeps across input batches.
  size_t lmdb_cache_entries = 10000;
  /// Milliseconds of processing time, for time-to-live (default: the
  /// system clock).
  std::function<int64_t()> clock;
  /// lmdb: incremental snapshots (see keyed_state_backend::snapshot);
  /// ignored by hashmap.
  bool incremental = false;
  /// Incremental: after this many confirmed incremental snapshots the next
  /// one is full again (periodic full materialization), so a restore never
  /// reads a longer chain than 1 + full_every files.
  uint32_t full_every = 10;
};

class keyed_state_backend {
public:
  /// `range`: the key groups owned by this subtask, usually
  /// key_group_range_for_operator(max_parallelism, parallelism, index); may be
  /// empty. Preconditions: 0 < max_parallelism <= upper_bound_max_parallelism;
  /// a non-empty range lies inside [0, max_parallelism). Throws io_error
  /// when the lmdb environment cannot be opened.
  keyed_state_backend(uint32_t max_parallelism, key_group_range range,
                      keyed_backend_options options = {});

  keyed_state_backend(const keyed_state_backend&) = delete;
  keyed_state_backend& operator=(const keyed_state_backend&) = delete;
  keyed_state_backend(keyed_state_backend&&) noexcept = default;
  keyed_state_backend& operator=(keyed_state_backend&&) noexcept = default;
  ~keyed_state_backend();

  /// Makes `key_bytes` (a key serialized with append_key_bytes) the current
  /// key of every state. Called by the keyed operator before each record.
  /// Precondition: range().contains(key_group) and key_group is the key group
  /// of key_bytes. Does not allocate once the buffer fits the longest key.
  void set_current_key(std::string_view key_bytes, uint32_t key_group);

  /// What keyed operators call per record: serializes `key` into the reused
  /// buffer (no copy, no allocation once it fits), hashes it once for the key
  /// group and the tables, and makes it current. Returns false, leaving no
  /// current key, when the key's group is outside range() (a routing bug the
  /// caller reports; `current_key_group()` tells which group it was).
  template <class K>
  bool set_current_key_of(const K& key) {
    ctx_->key.clear();
    append_key_bytes(ctx_->key, key);
    auto murmur = murmur3_32(ctx_->key.data(), ctx_->key.size(), 0);
    ctx_->key_group = assign_key_group(fold_key_hash(murmur), max_parallelism_);
    ctx_->hash = table_hash(murmur);
    ctx_->has_key = ctx_->range.contains(ctx_->key_group);
    return ctx_->has_key;
  }

  /// Serialized bytes of the current key (empty before the first key); valid
  /// until the next set_current_key.
  std::string_view current_key() const noexcept {
    return ctx_->key;
  }

  uint32_t current_key_group() const noexcept {
    return ctx_->key_group;
  }

  /// The state named by `desc`, registering it on first use. The same name,
  /// kind and types always return the same object (stable address for the
  /// backend's lifetime; functions of later descriptors are ignored). Throws
  /// sluice::exception(ec::state_type_mismatch) naming the state and both
  /// state types when `desc.name` is registered with another kind or type.
  /// On registration the state takes the restored entries of its name
  /// (restore_entry): ec::state_type_mismatch naming the state and both
  /// fingerprints when their type fingerprint or kind differs,
  /// ec::corrupt_file when a value does not decode, ec::not_serializable
  /// when the stored type cannot be decoded at all. After such an error the
  /// state is not registered and the restored entries stay unclaimed.
  template <class T>
  value_state<T>& get_state(const value_state_descriptor<T>& desc) {
    return get_or_register<value_state<T>>(desc);
  }

  template <class T>
  list_state<T>& get_state(const list_state_descriptor<T>& desc) {
    return get_or_register<list_state<T>>(desc);
  }

  template <class UK, class UV>
  map_state<UK, UV>& get_state(const map_state_descriptor<UK, UV>& desc) {
    return get_or_register<map_state<UK, UV>>(desc);
  }

  template <class T>
  reducing_state<T>& get_state(const reducing_state_descriptor<T>& desc) {
    return get_or_register<reducing_state<T>>(desc, desc.reduce);
  }

  template <class IN, class ACC, class OUT>
  aggregating_state<IN, ACC, OUT>&
  get_state(const aggregating_state_descriptor<IN, ACC, OUT>& desc) {
    return get_or_register<aggregating_state<IN, ACC, OUT>>(desc, desc.fn);
  }

  /// The same for the engine's own states (see no_ttl_t): a descriptor
  /// with time-to-live is a programmer error (ec::invalid_argument).
  template <class T>
  value_state<T>& get_state(const value_state_descriptor<T>& desc, no_ttl_t) {
    return get_or_register<value_state<T>, false>(desc);
  }

  template <class UK, class UV>
  map_state<UK, UV>& get_state(const map_state_descriptor<UK, UV>& desc, no_ttl_t) {
    return get_or_register<map_state<UK, UV>, false>(desc);
  }

  // --- checkpoints ---------------------------------------------------------

  /// The synchronous part of a checkpoint (on the owning actor): an
  /// immutable view of every registered state (hashmap: shares the tables,
  /// copy-on-write; lmdb: writes the batch, then one read transaction), and
  /// copies of the raw restored entries of states no operator has
  /// registered yet (so they survive into the next checkpoint). Throws
  /// sluice::exception(ec::not_serializable) naming the state when a
  /// registered state's value type cannot be serialized (even when empty:
  /// the checkpoint must fail the same way whatever the data); io_error
  /// when the LMDB map is full while an older snapshot is still open.
  /// With `incremental` (lmdb), snapshot `checkpoint_id` holds only what
  /// changed since the last checkpoint confirmed by
  /// notify_checkpoint_complete — the changes of snapshots not confirmed
  /// (failed, aborted) included — unless there is no confirmed one yet or
  /// `full_every` incremental ones were confirmed since the last full one:
  /// then it is full. Ids must grow.
  std::unique_ptr<keyed_state_snapshot> snapshot(uint64_t checkpoint_id = 0);

  /// Checkpoint `checkpoint_id` completed: its snapshot is the new base of
  /// incremental snapshots. No-op for an unknown id or without incremental.
  void notify_checkpoint_complete(uint64_t checkpoint_id);

  /// Restores a tombstone of an incremental checkpoint: removes the entry
  /// of `key`, registered or not yet (errors as restore_entry).
  void restore_deleted(const keyed_state_meta& state, uint32_t key_group,
                       std::string_view key);

  /// End of a message that touched state: lmdb writes the changed entries
  /// in one write transaction. No-op for hashmap. Throws io_error.
  void end_batch();

  /// Entries copied by copy-on-write so far, over all states (hashmap).
  size_t copied_entries() const noexcept;

  state_backend_kind kind() const noexcept {
    return kind_;
  }

  /// Whether snapshots are incremental (lmdb with options.incremental).
  bool incremental() const noexcept {
    return incremental_;
  }

  /// lmdb: the store (tests, diagnostics); nullptr for hashmap.
  lmdb_store* store() const noexcept {
    return lmdb_ ? lmdb_->store.get() : nullptr;
  }

  /// Restores one keyed entry of a checkpoint (see state_file_reader.hpp),
  /// normally before the operator registers its states. Entries of key
  /// groups outside range() are skipped (a restore at another parallelism
  /// reads whole files). If `state.name` is registered, the value is checked
  /// and decoded now (errors as in get_state); otherwise the bytes are kept
  /// until get_state registers the name. Throws
  /// sluice::exception(ec::corrupt_file) when `key` does not hash to
  /// `key_group` (another max parallelism, or a damaged file) or when
  /// entries of one name disagree on fingerprint or kind.
  void restore_entry(const keyed_state_meta& state, uint32_t key_group, std::string_view key,
                     std::string_view value);

  /// Names of restored states no get_state has claimed, in the order their
  /// first entry arrived (diagnostics after open: state of a removed or
  /// renamed operator state).
  std::vector<std::string> unclaimed_restored_states() const;

  /// Number of registered states.
  size_t num_states() const noexcept {
    return states_.size();
  }

  uint32_t max_parallelism() const noexcept {
    return max_parallelism_;
  }

  key_group_range range() const noexcept {
    return ctx_->range;
  }

private:
  /// get_state: the registered state named by `desc` of type S, or a new
  /// S(name, fingerprint, table, args...) that took its restored entries.
  /// Without `AllowTtl` the time-to-live tables are not instantiated.
  template <class S, bool AllowTtl = true, class Desc, class... Args>
  S& get_or_register(const Desc& desc, const Args&... args) {
    const auto& name = desc.name;
    if (auto* existing = find_state(name)) {
      if (existing->state_type() != typeid(S))
        throw_type_mismatch(*existing, typeid(S));
      return static_cast<S&>(*existing);
    }
    using V = typename S::stored_type;
    using codec = typename S::codec;
    std::unique_ptr<S> state;
    if constexpr (AllowTtl) {
      if (desc.ttl) {
        auto inner = make_table<ttl_slot<V>, ttl_codec<codec>>(name);
        auto table = std::make_unique<ttl_table<V>>(std::move(inner), *desc.ttl, clock_);
        state = std::make_unique<S>(name, ttl_fingerprint(S::fingerprint()), std::move(table),
                                    args...);
      }
    } else if (desc.ttl) {
      throw_ttl_not_allowed(name);
    }
    if (!state)
      state = std::make_unique<S>(name, S::fingerprint(), make_table<V, codec>(name), args...);
    if (!restored_.empty())
      claim_restored(*state);
    auto& result = *state;
    states_.push_back(std::move(state));
    return result;
  }

  /// A table of the backend's kind for a new state.
  template <class V, class Codec>
  std::unique_ptr<state_table<V>> make_table(const std::string& name) {
    if (!lmdb_)
      return std::make_unique<heap_table<V, Codec>>(*ctx_);
    if constexpr (Codec::serializable) {
      return std::make_unique<lmdb_table<V, Codec>>(*ctx_, *lmdb_, next_state_id(name),
                                                    "keyed state '" + name + "'");
    } else {
      throw_lmdb_not_serializable(name);
    }
  }

  uint16_t next_state_id(const std::string& name);

  [[noreturn]] static void throw_lmdb_not_serializable(const std::string& name);

  [[noreturn]] static void throw_ttl_not_allowed(const std::string& name);

  /// The registered state named `name`, or nullptr. Linear: an operator has
  /// a handful of states and looks them up once, not per record.
  keyed_state_base* find_state(std::string_view name) const noexcept;

  [[noreturn]] static void throw_type_mismatch(const keyed_state_base& existing,
                                               const std::type_info& requested);

  /// Hands the restored entries named like `state` to it (see get_state).
  void claim_restored(keyed_state_base& state);

  struct restored_entry {
    uint32_t key_group;
    std::string key;
    std::string value; // encoded
  };

  /// Entries of a checkpoint for a state not registered (yet).
  struct restored_state {
    keyed_state_meta meta;
    std::vector<restored_entry> entries;
  };

  uint32_t max_parallelism_;
  state_backend_kind kind_;
  std::function<int64_t()> clock_;
  std::unique_ptr<current_key_context> ctx_; // shared with the states
  std::unique_ptr<lmdb_backend_context> lmdb_; // lmdb only; outlives the states
  uint16_t state_ids_ = 0;
  /// Incremental: the changes of snapshots not confirmed yet, per state
  /// (index in states_), ascending ids.
  struct unconfirmed {
    uint64_t id;
    bool full;
    std::vector<changed_keys> per_state;
  };
  bool incremental_ = false;
  uint32_t full_every_ = 10;
  std::vector<unconfirmed> unconfirmed_;
  std::optional<uint64_t> confirmed_;
  uint32_t deltas_since_full_ = 0;
  std::vector<std::unique_ptr<keyed_state_base>> states_; // registration order
  std::vector<restored_state> restored_; // unclaimed, in order of arrival
};

} // namespace sluice

// The common value types' tables are compiled once, in the library.
#include "snapshot/common_state_tables.hpp"
