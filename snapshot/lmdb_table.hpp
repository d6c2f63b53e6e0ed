// The `lmdb` backend's table: every entry in the subtask's LMDB environment
// (lmdb_store.hpp), under key `key group | state id | key bytes`, value in
// the state's codec — the same bytes a state file holds, so a snapshot
// copies them without decoding.
//
// Reads and writes go through a write-back cache of decoded values: the first
// access of a key in a batch reads LMDB (one B-tree lookup and a decode),
// later accesses are a hash lookup; changed entries are written (encoded)
// when the batch ends (`end_batch`, inside the backend's one write
// transaction per input batch) and before every snapshot. After a batch the
// cache keeps its clean entries while it holds at most `cache_entries` (the
// hot-key cache; 0: nothing survives a batch), otherwise it is emptied.
//
// A snapshot is the backend's read transaction (lmdb_backend_context::
// snapshot, taken after every table wrote its batch): the copy iterates it on
// the writer's thread while the actor goes on writing (MVCC).
#pragma once

#include "snapshot/error.hpp"
#include "snapshot/lmdb_store.hpp"
#include "snapshot/state_table.hpp"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tsl/robin_map.h>
#include <tsl/robin_set.h>

namespace sluice {

/// What the LMDB tables of one backend share (owned by the backend).
struct lmdb_backend_context {
  explicit lmdb_backend_context(std::unique_ptr<lmdb_store> s, size_t cache)
    : store(std::move(s)), cache_entries(cache) {
  }

  /// Opens the batch (write transaction) if none is open; the backend
  /// commits it when the input batch ends.
  void ensure_batch() {
    if (!store->in_batch())
      store->begin_write();
  }

  std::unique_ptr<lmdb_store> store;
  /// The read view of the snapshot being taken (set by the backend around
  /// the tables' snapshot() calls).
  std::shared_ptr<const lmdb_snapshot> snapshot;
  /// Clean cache entries a table keeps across batches.
  size_t cache_entries;
  /// Incremental checkpoints: tables record the keys they write.
  bool track_changes = false;
};


namespace detail {

/// An LMDB table's snapshot: the entries of one state id in a read view.
class lmdb_table_copy final : public keyed_state_copy {
public:
  lmdb_table_copy(std::shared_ptr<const lmdb_snapshot> snap, key_group_range range,
                  uint16_t state_id, size_t size)
    : snap_(std::move(snap)), range_(range), state_id_(state_id), size_(size) {
  }

  size_t size() const noexcept override {
    return size_;
  }

  void encode_to(keyed_entry_sink& sink) const override {
    snap_->for_each_of_state(range_, state_id_,
                             [&](uint32_t key_group, uint16_t, std::string_view key,
                                 std::string_view value) { sink.add(key_group, key, value); });
  }

private:
  std::shared_ptr<const lmdb_snapshot> snap_;
  key_group_range range_;
  uint16_t state_id_;
  size_t size_;
};

/// An incremental snapshot of an LMDB table: the keys changed since the
/// base, each encoded as its value in the read view or as a tombstone.
class lmdb_delta_copy final : public keyed_state_copy {
public:
  lmdb_delta_copy(std::shared_ptr<const lmdb_snapshot> snap, key_group_range range,
                  uint16_t state_id, std::vector<std::vector<std::string>> keys)
    : snap_(std::move(snap)), range_(range), state_id_(state_id), keys_(std::move(keys)) {
    for (const auto& g : keys_)
      size_ += g.size();
  }

  size_t size() const noexcept override {
    return size_;
  }

  void encode_to(keyed_entry_sink& sink) const override {
    std::string value;
    for (size_t g = 0; g < keys_.size(); ++g) {
      auto key_group = range_.first + static_cast<uint32_t>(g);
      for (const auto& key : keys_[g]) {
        if (snap_->get(key_group, state_id_, key, value))
          sink.add(key_group, key, value);
        else
          sink.add_deleted(key_group, key);
      }
    }
  }

private:
  std::shared_ptr<const lmdb_snapshot> snap_;
  key_group_range range_;
  uint16_t state_id_;
  std::vector<std::vector<std::string>> keys_; // per key group index, sorted
  size_t size_ = 0;
};

} // namespace detail

template <class V, class Codec>
class lmdb_table final : public state_table<V> {
  static_assert(Codec::serializable, "the lmdb backend stores serialized values only");

public:
  /// `what` names the state in decoding errors.
  lmdb_table(const current_key_context& ctx, lmdb_backend_context& shared, uint16_t state_id,
             std::string what)
    : ctx_(&ctx), shared_(&shared), id_(state_id), what_(std::move(what)),
      caches_(ctx.range.size()), changed_(shared.track_changes ? ctx.range.size() : 0) {
  }

  /// The keys written since the last call (incremental checkpoints; empty
  /// unless the backend tracks changes), leaving none.
  changed_keys take_changes() override {
    changed_keys result(changed_.size());
    result.swap(changed_);
    return result;
  }

  /// An incremental snapshot of `keys` (per key group index) in the
  /// backend's read view.
  std::unique_ptr<const keyed_state_copy> delta(const changed_keys& keys) override {
    assert(shared_->snapshot);
    std::vector<std::vector<std::string>> sorted(keys.size());
    for (size_t g = 0; g < keys.size(); ++g) {
      sorted[g].assign(keys[g].begin(), keys[g].end());
      std::sort(sorted[g].begin(), sorted[g].end());
    }
    return std::make_unique<const detail::lmdb_delta_copy>(shared_->snapshot, ctx_->range, id_,
                                                           std::move(sorted));
  }

  const V* find() override {
    auto& c = lookup();
    return c.value ? &*c.value : nullptr;
  }

  V* find_for_update() override {
    auto& c = lookup();
    if (!c.value)
      return nullptr;
    mark(c);
    return &*c.value;
  }

  V& insert(V v) override {
    auto& c = lookup();
    assert(!c.value);
    c.value = std::move(v);
    ++size_;
    mark(c);
    return *c.value;
  }

  bool erase() override {
    auto& c = lookup();
    if (!c.value)
      return false;
    c.value.reset();
    --size_;
    mark(c);
    return true;
  }

  size_t size() const noexcept override {
    return size_;
  }

  void for_each_in_key_group(
    uint32_t key_group, const std::function<void(std::string_view, const V&)>& f) override {
    if (!ctx_->range.contains(key_group))
      return;
    write_batch();
    auto snap = shared_->store->snapshot();
    snap.for_each_of_state({key_group, key_group}, id_,
                           [&](uint32_t, uint16_t, std::string_view key,
                               std::string_view value) { f(key, Codec::decode(value, what_)); });
  }

  std::unique_ptr<const keyed_state_copy> snapshot() override {
    assert(shared_->snapshot && "the backend takes the read view first");
    return std::make_unique<const detail::lmdb_table_copy>(shared_->snapshot, ctx_->range, id_,
                                                           size_);
  }

  void restore_encoded(uint32_t key_group, std::string_view key, std::string_view bytes,
                       const std::string& what) override {
    assert(ctx_->range.contains(key_group));
    auto value = Codec::decode(bytes, what); // refuse bad bytes before storing
    bool present = forget(key_group, key);
    shared_->ensure_batch();
    if (Codec::empty(value)) {
      // Also when the cache said absent: its uncommitted erase is gone.
      shared_->store->erase(key_group, id_, key);
      size_ -= present ? 1 : 0;
      return;
    }
    shared_->store->put(key_group, id_, key, bytes);
    size_ += present ? 0 : 1;
  }

  void restore_erase(uint32_t key_group, std::string_view key) override {
    assert(ctx_->range.contains(key_group));
    bool present = forget(key_group, key);
    shared_->ensure_batch();
    shared_->store->erase(key_group, id_, key); // also when the cache said absent
    size_ -= present ? 1 : 0;
  }

  /// Writes the changed entries into the backend's open batch.
  void end_batch() override {
    if (num_dirty_ > 0) {
      shared_->ensure_batch();
      auto& store = *shared_->store;
      for (size_t g = 0; g < caches_.size() && num_dirty_ > 0; ++g) {
        auto key_group = ctx_->range.first + static_cast<uint32_t>(g);
        for (auto it = caches_[g].begin(); it != caches_[g].end(); ++it) {
          auto& c = it.value();
          if (!c.dirty)
            continue;
          if (c.value) {
            buf_.clear();
            Codec::encode(*c.value, buf_);
            store.put(key_group, id_, it->first, buf_);
          } else {
            store.erase(key_group, id_, it->first);
          }
          if (!changed_.empty())
            changed_[g].insert(it->first);
          c.dirty = false;
          --num_dirty_;
        }
      }
    }
    if (cached_ > shared_->cache_entries) {
      for (auto& cache : caches_)
        cache.clear();
      cached_ = 0;
    }
  }

private:
  struct cached {
    std::optional<V> value; // nullopt: absent
    bool dirty = false;
  };

  /// Whether `key` has a value now (the cached one, maybe an uncommitted
  /// change, else the stored one), dropping its cache entry: a restore
  /// replaces it in the store.
  bool forget(uint32_t key_group, std::string_view key) {
    auto& cache = caches_[key_group - ctx_->range.first];
    if (auto it = cache.find(key); it != cache.end()) {
      bool present = it->second.value.has_value();
      num_dirty_ -= it->second.dirty ? 1 : 0;
      cached_ -= 1;
      cache.erase(it);
      return present;
    }
    return shared_->store->get(key_group, id_, key, buf_);
  }

  /// The cache entry of the current key, read from LMDB on a miss.
  cached& lookup() {
    assert(ctx_->has_key && ctx_->range.contains(ctx_->key_group)
           && "keyed state used before set_current_key");
    auto& cache = caches_[ctx_->key_group - ctx_->range.first];
    auto it = cache.find(ctx_->key, ctx_->hash);
    if (it != cache.end())
      return it.value();
    cached c;
    if (shared_->store->get(ctx_->key_group, id_, ctx_->key, buf_))
      c.value = Codec::decode(buf_, what_);
    ++cached_;
    return cache.emplace(ctx_->key, std::move(c)).first.value();
  }

  void mark(cached& c) {
    if (!c.dirty) {
      c.dirty = true;
      ++num_dirty_;
    }
  }

  /// Ends the batch now (for a full read of the store).
  void write_batch() {
    end_batch();
    if (shared_->store->in_batch()) {
      if (shared_->store->commit() != lmdb_commit_status::ok)
        throw exception(ec::io_error, what_ + ": the LMDB map is full while a snapshot is open");
    }
  }

  const current_key_context* ctx_;
  lmdb_backend_context* shared_;
  uint16_t id_;
  std::string what_;
  /// The cache, one map per key group of the range (the same key bytes may
  /// be set as current key in two key groups).
  std::vector<tsl::robin_map<std::string, cached, key_bytes_hash, std::equal_to<>>> caches_;
  size_t cached_ = 0; // entries over all caches_
  changed_keys changed_; // per key group index; empty when not tracked
  size_t num_dirty_ = 0;
  size_t size_ = 0;
  std::string buf_;
};

} // namespace sluice
