// The type-erased base of every keyed state kind (value_state, list_state,
// map_state, reducing_state, aggregating_state), so keyed_state_backend can
// hold states of different types and snapshot or restore them without
// knowing their types; and `keyed_state_on<V>`, the part the kinds share:
// they keep their entries in a state_table<V> (state_table.hpp) that the
// backend chose (heap or LMDB, with or without time-to-live).
//
// A state is obtained only from keyed_state_backend::get_state, which owns
// it; the reference stays valid as long as the backend lives. Not
// thread-safe: used by the one actor that owns the backend.
#pragma once

#include "snapshot/error.hpp"
#include "snapshot/state_file.hpp"
#include "snapshot/state_table.hpp"
#include "snapshot/type_fingerprint.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>

namespace sluice {

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

  /// Identifies the stored value type and the state kind (each kind's
  /// `fingerprint()`), mixed with "ttl" for a state with time-to-live:
  /// stored with the state's entries, compared on restore.
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

  /// The synchronous part of a snapshot (on the owning actor): an immutable
  /// view of every entry. Throws sluice::exception(ec::not_serializable)
  /// when !serializable().
  virtual std::unique_ptr<const keyed_state_copy> copy_entries() = 0;

  /// Decodes `value` and sets it as the entry of `key` (serialized key bytes)
  /// in `key_group`, replacing any. Precondition: the backend's range
  /// contains key_group, and the key hashes to it. Throws
  /// sluice::exception(ec::corrupt_file) on bad bytes (the state is
  /// unchanged) and ec::not_serializable when !serializable().
  virtual void restore_entry(uint32_t key_group, std::string_view key,
                             std::string_view value) = 0;

  /// End of an input batch (see state_table::end_batch).
  virtual void end_batch() = 0;

  /// Entries copied by copy-on-write so far (heap tables; 0 otherwise).
  virtual size_t copied_entries() const noexcept = 0;

  /// Incremental checkpoints: see state_table::take_changes and delta.
  virtual changed_keys take_changes() = 0;
  virtual std::unique_ptr<const keyed_state_copy> delta(const changed_keys& keys) = 0;

  /// Removes the entry of `key` in `key_group` (a tombstone of an
  /// incremental checkpoint being restored). Same preconditions as
  /// restore_entry.
  virtual void restore_deleted(uint32_t key_group, std::string_view key) = 0;

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

/// The ec::not_serializable message of a state: `what` ("keyed state 'x'")
/// + `holds` ("holds values of type T") + the remedy.
inline std::string unserializable_message(const std::string& what, const std::string& holds) {
  return what + " " + holds
         + ", which CAF cannot serialize: give the type an inspect() overload";
}

} // namespace detail

/// A state kind's fingerprint when the state has time-to-live (its entries
/// carry a timestamp, so they never restore into a state without, or back).
inline uint64_t ttl_fingerprint(uint64_t fingerprint) {
  return detail::kind_fingerprint("ttl", std::to_string(fingerprint));
}

/// What the five kinds share: a name, a table of `V` per key, and the
/// snapshot/restore plumbing.
template <class V>
class keyed_state_on : public keyed_state_base {
public:
  /// Entries in one key group; 0 outside the backend's range. O(entries of
  /// that key group) (LMDB: writes the open batch first).
  size_t size_in_key_group(uint32_t key_group) {
    size_t n = 0;
    table_->for_each_in_key_group(key_group, [&](std::string_view, const V&) { ++n; });
    return n;
  }

  /// Calls f(std::string_view key_bytes, const V& stored) for every entry of
  /// `key_group`, in unspecified order; nothing for a key group outside the
  /// range. `f` must not modify this state. (LMDB: writes the open batch
  /// first, so pointers from earlier accessors are invalidated.)
  template <class F>
  void for_each_in_key_group(uint32_t key_group, F&& f) {
    table_->for_each_in_key_group(key_group, std::forward<F>(f));
  }

  size_t size() const noexcept override {
    return table_->size();
  }

  bool serializable() const noexcept override {
    return serializable_;
  }

  std::unique_ptr<const keyed_state_copy> copy_entries() override {
    if (!serializable_)
      throw exception(ec::not_serializable, not_serializable_);
    return table_->snapshot();
  }

  void restore_entry(uint32_t key_group, std::string_view key, std::string_view value) override {
    if (!serializable_)
      throw exception(ec::not_serializable, not_serializable_);
    table_->restore_encoded(key_group, key, value, what_);
  }

  void end_batch() override {
    table_->end_batch();
  }

  size_t copied_entries() const noexcept override {
    return table_->copied_entries();
  }

  changed_keys take_changes() override {
    return table_->take_changes();
  }

  std::unique_ptr<const keyed_state_copy> delta(const changed_keys& keys) override {
    return table_->delta(keys);
  }

  void restore_deleted(uint32_t key_group, std::string_view key) override {
    table_->restore_erase(key_group, key);
  }

protected:
  /// `what`: names the state in errors ("keyed list state 'x'");
  /// `serializable`: the codec's; `not_serializable`: the error message
  /// when it is false.
  keyed_state_on(std::string name, const std::type_info& state_type, uint64_t fingerprint,
                 state_kind kind, std::unique_ptr<state_table<V>> table, std::string what,
                 bool serializable, std::string not_serializable)
    : keyed_state_base(std::move(name), state_type, fingerprint, kind),
      table_(std::move(table)),
      what_(std::move(what)),
      serializable_(serializable),
      not_serializable_(std::move(not_serializable)) {
  }

  state_table<V>& table() const noexcept {
    return *table_;
  }

private:
  std::unique_ptr<state_table<V>> table_;
  std::string what_;
  bool serializable_;
  std::string not_serializable_;
};

} // namespace sluice
