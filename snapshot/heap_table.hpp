// The `hashmap` backend's table: every entry in memory, one hash map per key
// group, with copy-on-write snapshots (Flink's CopyOnWriteStateMap, at the
// granularity of entries).
//
// Between snapshots the table is one layer of maps, `base`, changed in
// place: one hash lookup per access. A snapshot shares `base` with the table
// instead of copying it (the synchronous part costs O(key groups), whatever
// the number of entries) and from then on the table writes into a `delta`
// layer on top: the first change of an entry after the snapshot copies that
// one entry into the delta (counted by `copied_entries()`), a removal leaves
// a tombstone, reads look in the delta first. Once no snapshot holds `base`
// any more (its asynchronous part has written it), the next access merges the
// deltas into `base` (O(changed entries)) and the table is back to one layer.
// A snapshot taken while an older one still holds `base` freezes the current
// delta and shares it too, so a snapshot is always base + its frozen deltas.
//
// A snapshot (heap_table_copy) is immutable: nothing the table does later
// changes what it encodes, and it may be encoded on another thread while the
// table goes on (the layers it holds are never written again: the table only
// writes into `base` when it holds the only reference).
#pragma once

#include "snapshot/error.hpp"
#include "snapshot/state_table.hpp"

#include <atomic>
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

namespace sluice::detail {

template <class V>
using heap_map = tsl::robin_map<std::string, V, key_bytes_hash, std::equal_to<>>;

/// One layer of a heap table: a map per key group (index: key group - first).
template <class V>
struct heap_layer {
  explicit heap_layer(size_t n) : groups(n) {
  }
  std::vector<heap_map<V>> groups;
};

/// Changes since a snapshot; nullopt is a tombstone.
template <class V>
using delta_layer = heap_layer<std::optional<V>>;

/// Calls f(key, value) for every live entry of key group index `g` of
/// `base` overlaid by `deltas` (newest first): a key is taken from the
/// newest layer holding it, tombstones hide it.
template <class V, class F>
void visit_merged(const heap_layer<V>& base,
                  const std::vector<const delta_layer<V>*>& deltas_newest_first, size_t g, F&& f) {
  auto shadowed = [&](const std::string& key, size_t upto) {
    for (size_t j = 0; j < upto; ++j)
      if (deltas_newest_first[j]->groups[g].count(key) > 0)
        return true;
    return false;
  };
  for (size_t i = 0; i < deltas_newest_first.size(); ++i)
    for (const auto& [key, value] : deltas_newest_first[i]->groups[g])
      if (value && !shadowed(key, i))
        f(std::string_view{key}, *value);
  for (const auto& [key, value] : base.groups[g])
    if (!shadowed(key, deltas_newest_first.size()))
      f(std::string_view{key}, value);
}

/// A heap table's snapshot: shared, never again written layers.
template <class V, class Codec>
class heap_table_copy final : public keyed_state_copy {
public:
  heap_table_copy(uint32_t first, std::shared_ptr<const heap_layer<V>> base,
                  std::vector<std::shared_ptr<const delta_layer<V>>> deltas, size_t size)
    : first_(first), base_(std::move(base)), deltas_(std::move(deltas)), size_(size) {
  }

  size_t size() const noexcept override {
    return size_;
  }

  void encode_to(keyed_entry_sink& sink) const override {
    std::vector<const delta_layer<V>*> newest_first;
    for (auto it = deltas_.rbegin(); it != deltas_.rend(); ++it)
      newest_first.push_back(it->get());
    std::string buf;
    for (size_t g = 0; g < base_->groups.size(); ++g) {
      auto key_group = first_ + static_cast<uint32_t>(g);
      visit_merged(*base_, newest_first, g, [&](std::string_view key, const V& value) {
        buf.clear();
        Codec::encode(value, buf);
        sink.add(key_group, key, buf);
      });
    }
  }

private:
  uint32_t first_;
  std::shared_ptr<const heap_layer<V>> base_;
  std::vector<std::shared_ptr<const delta_layer<V>>> deltas_; // oldest first
  size_t size_;
};

} // namespace sluice::detail

namespace sluice {

template <class V, class Codec>
class heap_table final : public state_table<V> {
public:
  explicit heap_table(const current_key_context& ctx)
    : ctx_(&ctx), base_(std::make_shared<detail::heap_layer<V>>(ctx.range.size())) {
  }

  const V* find() override {
    if (active_ && !try_merge())
      return find_layered();
    const auto& m = base_->groups[index()];
    auto it = m.find(ctx_->key, ctx_->hash);
    return it == m.end() ? nullptr : &it->second;
  }

  V* find_for_update() override {
    if (active_ && !try_merge())
      return update_layered();
    auto& m = base_->groups[index()];
    auto it = m.find(ctx_->key, ctx_->hash);
    return it == m.end() ? nullptr : &it.value();
  }

  V& insert(V v) override {
    ++size_;
    if (active_ && !try_merge()) {
      auto& d = active_->groups[index()];
      auto [it, inserted] = d.insert_or_assign(ctx_->key, std::optional<V>{std::move(v)});
      return *it.value();
    }
    auto [it, inserted] = base_->groups[index()].emplace(ctx_->key, std::move(v));
    assert(inserted);
    return it.value();
  }

  bool erase() override {
    if (active_ && !try_merge()) {
      if (find_layered() == nullptr)
        return false;
      active_->groups[index()].insert_or_assign(ctx_->key, std::optional<V>{});
      --size_;
      return true;
    }
    if (base_->groups[index()].erase(ctx_->key, ctx_->hash) == 0)
      return false;
    --size_;
    return true;
  }

  size_t size() const noexcept override {
    return size_;
  }

  void for_each_in_key_group(
    uint32_t key_group, const std::function<void(std::string_view, const V&)>& f) override {
    if (!ctx_->range.contains(key_group))
      return;
    if (active_)
      try_merge();
    auto deltas = deltas_newest_first();
    detail::visit_merged(*base_, deltas, key_group - ctx_->range.first, f);
  }

  std::unique_ptr<const keyed_state_copy> snapshot() override {
    if constexpr (Codec::serializable) {
      if (active_ && !try_merge())
        frozen_.push_back(std::move(active_));
      std::vector<std::shared_ptr<const detail::delta_layer<V>>> deltas(frozen_.begin(),
                                                                        frozen_.end());
      auto copy = std::make_unique<const detail::heap_table_copy<V, Codec>>(
        ctx_->range.first, base_, std::move(deltas), size_);
      active_ = std::make_unique<detail::delta_layer<V>>(ctx_->range.size());
      return copy;
    } else {
      throw exception(ec::not_serializable, "heap table of a type without inspect()");
    }
  }

  void restore_encoded(uint32_t key_group, std::string_view key, std::string_view bytes,
                       const std::string& what) override {
    assert(ctx_->range.contains(key_group));
    if constexpr (Codec::serializable) {
      auto value = Codec::decode(bytes, what);
      if (active_)
        try_merge();
      auto g = key_group - ctx_->range.first;
      std::string k{key};
      bool present = contains(g, k);
      bool keep = !Codec::empty(value);
      if (active_) {
        if (keep || present) // a tombstone hides an older layer's entry
          active_->groups[g].insert_or_assign(
            std::move(k), keep ? std::optional<V>{std::move(value)} : std::optional<V>{});
      } else if (keep) {
        base_->groups[g].insert_or_assign(std::move(k), std::move(value));
      } else {
        base_->groups[g].erase(k);
      }
      size_ += keep ? 1 : 0;
      size_ -= present ? 1 : 0;
    } else {
      throw exception(ec::not_serializable, what + ": type without inspect()");
    }
  }

  void restore_erase(uint32_t key_group, std::string_view key) override {
    assert(ctx_->range.contains(key_group));
    if (active_)
      try_merge();
    auto g = key_group - ctx_->range.first;
    std::string k{key};
    if (!contains(g, k))
      return;
    if (active_)
      active_->groups[g].insert_or_assign(std::move(k), std::optional<V>{});
    else
      base_->groups[g].erase(k);
    --size_;
  }

  size_t copied_entries() const noexcept override {
    return copies_;
  }

  /// Layers above `base` (0: the table is one layer). For tests.
  size_t num_deltas() const noexcept {
    return frozen_.size() + (active_ ? 1 : 0);
  }

private:
  size_t index() const noexcept {
    assert(ctx_->has_key && ctx_->range.contains(ctx_->key_group)
           && "keyed state used before set_current_key");
    return ctx_->key_group - ctx_->range.first;
  }

  /// Folds the deltas into `base` when no snapshot holds any layer any more;
  /// whether the table is one layer again.
  bool try_merge() {
    if (base_.use_count() != 1)
      return false;
    for (const auto& f : frozen_)
      if (f.use_count() != 1)
        return false;
    // use_count() is a relaxed load; the thread that dropped the last other
    // reference decremented with release semantics: this fence orders its
    // reads of the layers before the writes below.
    std::atomic_thread_fence(std::memory_order_acquire);
    auto fold = [this](detail::delta_layer<V>& d) {
      for (size_t g = 0; g < d.groups.size(); ++g) {
        auto& target = base_->groups[g];
        for (auto it = d.groups[g].begin(); it != d.groups[g].end(); ++it) {
          if (it->second)
            target.insert_or_assign(it->first, std::move(*it.value()));
          else
            target.erase(it->first);
        }
      }
    };
    for (auto& f : frozen_)
      fold(*f);
    if (active_)
      fold(*active_);
    frozen_.clear();
    active_.reset();
    return true;
  }

  std::vector<const detail::delta_layer<V>*> deltas_newest_first() const {
    std::vector<const detail::delta_layer<V>*> result;
    if (active_)
      result.push_back(active_.get());
    for (auto it = frozen_.rbegin(); it != frozen_.rend(); ++it)
      result.push_back(it->get());
    return result;
  }

  /// Whether `key` has a live entry in key group index `g`, through the
  /// layers.
  bool contains(size_t g, const std::string& key) const {
    for (auto* d : deltas_newest_first()) {
      auto it = d->groups[g].find(key);
      if (it != d->groups[g].end())
        return it->second.has_value();
    }
    return base_->groups[g].count(key) > 0;
  }

  /// The current key's value through the layers (nullptr: absent or
  /// removed since the snapshot).
  const V* find_layered() const {
    auto g = index();
    auto look = [&](const detail::delta_layer<V>& d, const V*& out) {
      const auto& m = d.groups[g];
      auto it = m.find(ctx_->key, ctx_->hash);
      if (it == m.end())
        return false;
      out = it->second ? &*it->second : nullptr;
      return true;
    };
    const V* out = nullptr;
    if (look(*active_, out))
      return out;
    for (auto it = frozen_.rbegin(); it != frozen_.rend(); ++it)
      if (look(**it, out))
        return out;
    const auto& m = base_->groups[g];
    auto it = m.find(ctx_->key, ctx_->hash);
    return it == m.end() ? nullptr : &it->second;
  }

  /// The current key's value in the active delta, copied there first when
  /// it lives in an older layer (the copy of copy-on-write).
  V* update_layered() {
    auto& d = active_->groups[index()];
    auto it = d.find(ctx_->key, ctx_->hash);
    if (it != d.end())
      return it->second ? &*it.value() : nullptr;
    const V* older = find_layered();
    if (older == nullptr)
      return nullptr;
    ++copies_;
    auto [pos, inserted] = d.emplace(ctx_->key, std::optional<V>{*older});
    return &*pos.value();
  }

  const current_key_context* ctx_;
  std::shared_ptr<detail::heap_layer<V>> base_;
  std::vector<std::shared_ptr<detail::delta_layer<V>>> frozen_; // oldest first
  std::unique_ptr<detail::delta_layer<V>> active_; // set while a snapshot may hold base_
  size_t size_ = 0;
  size_t copies_ = 0;
};

} // namespace sluice
