// Keyed value state: one optional `T` per key, bound to the backend's current
// key (Flink's ValueState).
//
// Obtained only from `keyed_state_backend::get_state`, which owns it; the
// reference stays valid as long as the backend lives (also across moves of
// the backend). Not thread-safe: used by the one subtask actor that owns the
// backend. Every accessor reads or writes the entry of the current key, which
// the keyed operator sets with `keyed_state_backend::set_current_key` before
// each record; using a state before any key was set is a programmer error
// (assert).
//
// Storage is grouped by key group (one hash map per key group of the
// backend's range) so that a snapshot can walk one key group at a time and a
// restore at another parallelism can take whole key groups.
//
// Snapshot and restore (driven by keyed_state_backend): `copy_entries` copies
// every entry on the owning actor; the copy is immutable and encodes its
// values (state_codec.hpp) later, on another thread. `restore_entry` decodes
// one value. Both need is_serializable_v<T>; a state of another T works in
// memory and refuses both with ec::not_serializable.
#pragma once

#include "snapshot/key_groups.hpp"
#include "snapshot/state_codec.hpp"
#include "snapshot/state_file.hpp"

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include <tsl/robin_map.h>

namespace sluice {

class keyed_state_backend;

/// The current key of a backend, shared by all of its states. Owned by the
/// backend (heap-allocated, stable address); states only read it.
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

protected:
  ~keyed_entry_sink() = default;
};

/// The entries of one state at the time of a snapshot, owned by the
/// snapshot. Immutable; shares nothing with the state it was copied from, so
/// another thread may encode it while the state keeps changing.
class keyed_state_copy {
public:
  virtual ~keyed_state_copy() = default;

  /// Number of entries.
  virtual size_t size() const noexcept = 0;

  /// Encodes every entry and hands it to `sink`, one key group after the
  /// other (ascending). Throws what encoding throws (ec::not_serializable).
  virtual void encode_to(keyed_entry_sink& sink) const = 0;
};

/// Type-erased base of every keyed state kind (value_state here, list_state,
/// map_state, reducing_state, aggregating_state in their headers), so the
/// backend can hold states of different types and snapshot or restore them
/// without knowing `T`.
class keyed_state_base {
public:
  keyed_state_base(const keyed_state_base&) = delete;
  keyed_state_base& operator=(const keyed_state_base&) = delete;
  virtual ~keyed_state_base() = default;

  /// The descriptor's name.
  const std::string& name() const noexcept {
    return name_;
  }

  /// typeid of the concrete state class, e.g. value_state<int>; two
  /// registrations under one name must agree on it.
  const std::type_info& state_type() const noexcept {
    return *state_type_;
  }

  /// Identifies the stored value type, and the state kind when that is not
  /// a plain value (value_state<T>: type_fingerprint<T>(); the other kinds
  /// mix in their kind, see their headers): stored with the state's entries,
  /// compared on restore.
  uint64_t type_fingerprint() const noexcept {
    return fingerprint_;
  }

  /// How entries are laid out in a state file (value: one encoded value per
  /// key; list: the key's whole list; map: the key's whole map). Stored
  /// with the entries and compared on restore along with the fingerprint.
  state_kind kind() const noexcept {
    return kind_;
  }

  /// Number of entries over all keys.
  virtual size_t size() const noexcept = 0;

  /// Whether the value type can be snapshotted (is_serializable_v).
  virtual bool serializable() const noexcept = 0;

  /// Copies every entry (on the owning actor, for a snapshot). Throws
  /// sluice::exception(ec::not_serializable) when !serializable().
  virtual std::unique_ptr<const keyed_state_copy> copy_entries() const = 0;

  /// Decodes `value` and sets it as the entry of `key` (serialized key bytes)
  /// in `key_group`, replacing any. Precondition: the backend's range
  /// contains key_group, and the key hashes to it. Throws
  /// sluice::exception(ec::corrupt_file) on bad bytes (the state is
  /// unchanged) and ec::not_serializable when !serializable().
  virtual void restore_entry(uint32_t key_group, std::string_view key,
                             std::string_view value) = 0;

protected:
  keyed_state_base(std::string name, const std::type_info& state_type, uint64_t fingerprint,
                   state_kind kind)
    : name_(std::move(name)), state_type_(&state_type), fingerprint_(fingerprint), kind_(kind) {
  }

private:
  std::string name_;
  const std::type_info* state_type_;
  uint64_t fingerprint_;
  state_kind kind_;
};

namespace detail {

/// Encodes a stored value as is (value, list, reducing, aggregating state).
struct encode_stored_value {
  template <class V>
  void operator()(const V& value, std::string& out) const {
    encode_value(value, out);
  }
};

/// The entries of a state at snapshot time: a copy of its per-key-group
/// tables (`Map`: key bytes -> stored value), encoded on demand with
/// `Encode` (a stateless `void(const stored&, std::string&)`), one key
/// group after the other.
template <class Map, class Encode = encode_stored_value>
class keyed_entries_copy final : public keyed_state_copy {
public:
  keyed_entries_copy(uint32_t first, std::vector<Map> groups, size_t size)
    : first_(first), groups_(std::move(groups)), size_(size) {
  }

  size_t size() const noexcept override {
    return size_;
  }

  void encode_to(keyed_entry_sink& sink) const override {
    std::string buf;
    for (size_t i = 0; i < groups_.size(); ++i) {
      for (const auto& [key, value] : groups_[i]) {
        buf.clear();
        Encode{}(value, buf);
        sink.add(first_ + static_cast<uint32_t>(i), key, buf);
      }
    }
  }

private:
  uint32_t first_;
  std::vector<Map> groups_;
  size_t size_;
};

/// FNV-1a 64 of "sluice-v1:<kind>:" + `description`, for the fingerprints
/// of the state kinds other than value (so that, e.g., a list state of T
/// and a value state of std::vector<T> never match).
inline uint64_t kind_fingerprint(std::string_view kind, const std::string& description) {
  std::string s{"sluice-v1:"};
  s += kind;
  s += ':';
  s += description;
  return fnv1a_64(s);
}

} // namespace detail

namespace detail {

/// What every in-memory keyed state kind shares: one table per key group of
/// the backend's range, keyed by serialized key bytes, the entry of the
/// current key found with the precomputed hash. `V` is what a key holds.
template <class V>
class key_group_tables {
public:
  using table_type = tsl::robin_map<std::string, V, key_bytes_hash, std::equal_to<>>;

  explicit key_group_tables(const current_key_context& ctx)
    : ctx_(&ctx), groups_(ctx.range.size()) {
  }

  /// Entries in one key group; 0 for a key group outside the backend's range.
  size_t size_in_key_group(uint32_t key_group) const noexcept {
    return ctx_->range.contains(key_group) ? groups_[key_group - ctx_->range.first].size() : 0;
  }

protected:
  std::string_view current_key() const noexcept {
    assert(ctx_->has_key && "keyed state used before set_current_key");
    return ctx_->key;
  }

  table_type& current_map() noexcept {
    assert(ctx_->has_key && ctx_->range.contains(ctx_->key_group));
    return groups_[ctx_->key_group - ctx_->range.first];
  }

  const table_type& current_map() const noexcept {
    assert(ctx_->has_key && ctx_->range.contains(ctx_->key_group));
    return groups_[ctx_->key_group - ctx_->range.first];
  }

  const current_key_context* ctx_;
  std::vector<table_type> groups_; // index: key group - range.first
  size_t size_ = 0;
  std::string what_; // names the state in decoding errors, set on first restore
};

} // namespace detail

template <class T>
class value_state final : public keyed_state_base, public detail::key_group_tables<T> {
  using tables = detail::key_group_tables<T>;
  using tables::ctx_;
  using tables::current_key;
  using tables::current_map;
  using tables::groups_;
  using tables::size_;
  using tables::what_;

public:
  using tables::size_in_key_group;
  using value_type = T;
  using map_type = tsl::robin_map<std::string, T, key_bytes_hash, std::equal_to<>>;

  /// Called by keyed_state_backend::get_state only.
  value_state(std::string name, const current_key_context& ctx)
    : keyed_state_base(std::move(name), typeid(value_state<T>), sluice::type_fingerprint<T>(),
                       state_kind::value),
      tables(ctx) {
  }

  using keyed_state_base::name;

  /// The current key's value; nullopt when unset.
  std::optional<T> value() const {
    const auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    if (it == map.end())
      return std::nullopt;
    return it->second;
  }

  /// The current key's value, or `fallback` when unset.
  T value_or(T fallback) const {
    const auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    if (it == map.end())
      return fallback;
    return it->second;
  }

  /// Sets the current key's value. Allocates only for a key new to the state.
  void update(T v) {
    auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    if (it != map.end()) {
      it.value() = std::move(v);
      return;
    }
    map.emplace(ctx_->key, std::move(v));
    ++size_;
  }

  /// The current key's value for an in-place update (one lookup instead of
  /// `value` + `update`), or nullptr when unset. Valid until the next entry
  /// is added to this state.
  T* find() {
    auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    return it == map.end() ? nullptr : &it.value();
  }

  /// Sets the value of the current key, which must be unset (`find()`
  /// returned nullptr), and returns it.
  T& emplace(T v) {
    auto& map = current_map();
    auto [it, inserted] = map.emplace(ctx_->key, std::move(v));
    assert(inserted);
    size_ += inserted ? 1 : 0;
    return it.value();
  }

  /// Removes the current key's entry (no-op when unset).
  void clear() {
    if (current_map().erase(current_key(), ctx_->hash) > 0)
      --size_;
  }

  /// Entries over all keys.
  size_t size() const noexcept override {
    return size_;
  }

  /// Calls f(std::string_view key_bytes, const T& value) for every entry of
  /// `key_group`, in unspecified order; nothing for a key group outside the
  /// range. `f` must not modify this state.
  template <class F>
  void for_each_in_key_group(uint32_t key_group, F&& f) const {
    if (!ctx_->range.contains(key_group))
      return;
    for (const auto& [key, value] : groups_[key_group - ctx_->range.first])
      f(std::string_view{key}, value);
  }

  bool serializable() const noexcept override {
    return is_serializable_v<T>;
  }

  std::unique_ptr<const keyed_state_copy> copy_entries() const override {
    if constexpr (is_serializable_v<T>)
      return std::make_unique<const detail::keyed_entries_copy<map_type>>(ctx_->range.first,
                                                                          groups_, size_);
    else
      throw_not_serializable();
  }

  void restore_entry(uint32_t key_group, std::string_view key, std::string_view value) override {
    assert(ctx_->range.contains(key_group));
    if constexpr (is_serializable_v<T>) {
      if (what_.empty())
        what_ = "keyed state '" + name() + "'";
      auto decoded = decode_value<T>(value, what_);
      auto& map = groups_[key_group - ctx_->range.first];
      if (map.insert_or_assign(std::string{key}, std::move(decoded)).second)
        ++size_;
    } else {
      throw_not_serializable();
    }
  }

private:
  [[noreturn]] void throw_not_serializable() const {
    throw exception(ec::not_serializable,
                    "keyed state '" + name() + "' holds values of type "
                      + type_description<T>()
                      + ", which CAF cannot serialize: give the type an inspect() overload");
  }

};

} // namespace sluice
