// Where a keyed state keeps its entries: the seam between the five state
// kinds (value_state, list_state, ... — what an operator sees) and the state
// backends (heap_table.hpp: in memory with copy-on-write snapshots;
// lmdb_table.hpp: LMDB with a write-back cache; ttl_table.hpp: time-to-live
// over either).
//
// A `state_table<V>` holds one `V` per key of the backend's key-group range.
// Every accessor works on the backend's current key (current_key_context,
// set by keyed_state_backend::set_current_key before each record). Used by
// the one actor that owns the backend: not thread-safe. Pointers returned by
// `find`/`find_for_update`/`insert` stay valid until the next insert into
// the table or the next `end_batch`.
//
// Codecs. A table stores values and writes them to snapshots through a
// codec, a stateless policy:
//   static constexpr bool serializable;   // false: encode/decode never called
//   static void encode(const V&, std::string& out);        // appends
//   static V decode(std::string_view bytes, const std::string& what);
//   static bool empty(const V&);          // a restored empty value = no entry
// `plain_codec<V>` (CAF binary, state_codec.hpp) serves value, list,
// reducing and aggregating state; map_state brings its own.
#pragma once

#include "snapshot/key_groups.hpp"
#include "snapshot/error.hpp"
#include "snapshot/state_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tsl/robin_set.h>

namespace sluice {

/// The current key of a backend, shared by all of its states. Owned by the
/// backend (heap-allocated, stable address); states and tables only read it.
struct current_key_context {
  std::string key;        // serialized key bytes, buffer reused across keys
  size_t hash = 0;        // table_hash(murmur3 of `key`), for the tables
  uint32_t key_group = 0; // key group of `key`, inside `range`
  bool has_key = false;   // false until the first set_current_key
  key_group_range range;  // key groups owned by the backend
};

/// Hash of the in-memory tables, from a key's murmur3 hash (computed once
/// per record for the key group anyway): a multiply-shift mix, so that keys
/// of one key group (equal low bits of the murmur hash) still spread over
/// the table. (In-memory only; key groups never use std::hash.)
inline size_t table_hash(uint32_t murmur) noexcept {
  return static_cast<size_t>((uint64_t{murmur} * 0x9e3779b97f4a7c15ull) >> 32);
}

/// Transparent hasher of the tables, consistent with `table_hash`, so
/// lookups by string_view do not allocate.
struct key_bytes_hash {
  using is_transparent = void;
  size_t operator()(std::string_view bytes) const noexcept {
    return table_hash(murmur3_32(bytes.data(), bytes.size(), 0));
  }
};

/// Receives encoded entries from keyed_state_copy::encode_to.
class keyed_entry_sink {
public:
  /// One entry; the views are valid only during the call.
  virtual void add(uint32_t key_group, std::string_view key, std::string_view value) = 0;

  /// A key removed since the base of an incremental snapshot (a tombstone).
  virtual void add_deleted(uint32_t key_group, std::string_view key) = 0;

protected:
  ~keyed_entry_sink() = default;
};

/// The entries of one state at the time of a snapshot, owned by the
/// snapshot. Immutable; never changes when the state changes afterwards, so
/// another thread may encode it while the state goes on.
class keyed_state_copy {
public:
  virtual ~keyed_state_copy() = default;

  /// Number of entries (an upper bound when entries may be dropped while
  /// encoding: expired time-to-live entries).
  virtual size_t size() const noexcept = 0;

  /// Encodes every entry and hands it to `sink`, key groups ascending.
  /// Throws what encoding or reading throws.
  virtual void encode_to(keyed_entry_sink& sink) const = 0;
};

/// Keys changed since some point, per key group index of a table's range
/// (incremental checkpoints).
using changed_keys = std::vector<tsl::robin_set<std::string>>;

/// The codec of value, list, reducing and aggregating state: CAF binary.
/// `EmptyIsAbsent` (list state): an empty container is no entry.
template <class V, bool EmptyIsAbsent = false>
struct plain_codec {
  static constexpr bool serializable = is_serializable_v<V>;

  static void encode(const V& v, std::string& out) {
    encode_value(v, out);
  }

  static V decode(std::string_view bytes, const std::string& what) {
    return decode_value<V>(bytes, what);
  }

  static bool empty(const V& v) {
    if constexpr (EmptyIsAbsent)
      return v.empty();
    else
      return false;
  }
};

template <class V>
class state_table {
public:
  using value_type = V;

  state_table() = default;
  state_table(const state_table&) = delete;
  state_table& operator=(const state_table&) = delete;
  virtual ~state_table() = default;

  /// The current key's value for reading, or nullptr.
  virtual const V* find() = 0;

  /// The current key's value for changing in place, or nullptr. Marks the
  /// entry changed (a copy-on-write copy, a dirty LMDB entry, a refreshed
  /// time-to-live).
  virtual V* find_for_update() = 0;

  /// Sets the value of the current key, which has none, and returns it.
  virtual V& insert(V v) = 0;

  /// Removes the current key's value; whether there was one.
  virtual bool erase() = 0;

  /// Entries over all keys.
  virtual size_t size() const noexcept = 0;

  /// Calls f(key bytes, value) for every entry of `key_group` (unspecified
  /// order; nothing outside the range). `f` must not change the table.
  virtual void for_each_in_key_group(
    uint32_t key_group, const std::function<void(std::string_view, const V&)>& f) = 0;

  /// The synchronous part of a snapshot: an immutable view of every entry.
  /// Throws ec::not_serializable when the codec cannot encode.
  virtual std::unique_ptr<const keyed_state_copy> snapshot() = 0;

  /// Decodes `bytes` (as written by a snapshot) and makes it the value of
  /// `key` in `key_group` (an empty value removes the entry). Precondition:
  /// the range contains key_group. Throws ec::corrupt_file naming `what` on
  /// bad bytes (the table is unchanged).
  virtual void restore_encoded(uint32_t key_group, std::string_view key, std::string_view bytes,
                               const std::string& what) = 0;

  /// Removes the entry of `key` in `key_group` if any (a tombstone being
  /// restored). Precondition: the range contains key_group.
  virtual void restore_erase(uint32_t key_group, std::string_view key) = 0;

  /// End of an input batch: LMDB writes its dirty entries. No-op in memory.
  virtual void end_batch() {
  }

  /// Incremental checkpoints (lmdb with change tracking): the keys written
  /// since the last call, leaving none; empty for other tables.
  virtual changed_keys take_changes() {
    return {};
  }

  /// Incremental checkpoints: the current value (or a tombstone) of every
  /// key of `keys`, in the snapshot being taken. Only for tables that track
  /// changes.
  virtual std::unique_ptr<const keyed_state_copy> delta(const changed_keys& keys) {
    (void) keys;
    throw exception(ec::invalid_argument, "incremental snapshot of a table without changes");
  }

  /// Entries copied by copy-on-write since the table was made (heap only).
  virtual size_t copied_entries() const noexcept {
    return 0;
  }
};

} // namespace sluice
