// Timers of one keyed operator (Flink's InternalTimerService): event-time
// and processing-time timers per (key, namespace), where the namespace is
// what the timer belongs to (a window for the window operator,
// `no_namespace` for keyed process functions).
//
// Timers are keyed state: one value_state entry per key holding the key
// itself and its timers, so they are snapshotted per key group with the
// operator's other keyed state, restored, and split or merged on a rescale
// like any keyed state (both backends). Beside the state the service keeps
// an in-memory queue per time domain ordered by (time, key group, key,
// namespace), rebuilt from the state by `restore_queues` after a restore.
// Registering an existing timer again is a no-op (a timer is a set element).
//
// Plain class, no CAF, not thread-safe: owned by the keyed operator and used
// from the subtask that hosts it. Register and delete act on the backend's
// current key, which the caller has set (and passes as `key`). `fire_*` sets
// the backend's current key to the timer's key before calling back, so the
// callback reads and writes that key's state; the callback may register or
// delete timers (a timer registered at or before the time being advanced to
// fires in the same call, as in Flink).
// Requirements: K and N serializable (CAF inspect) with N ordered (<).
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <utility>
#include <vector>

#include "actors/contract/operator.hpp"
#include "snapshot/keyed_state_backend.hpp"

namespace sluice {

/// The namespace of timers that belong to nothing but their key.
struct no_namespace {
  friend bool operator==(no_namespace, no_namespace) noexcept {
    return true;
  }
  friend bool operator<(no_namespace, no_namespace) noexcept {
    return false;
  }
  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, no_namespace&) {
    return f();
  }
};

/// Which clock a timer follows (Flink's TimeDomain).
enum class time_domain : uint8_t { event_time, processing_time };

/// The state entry of one key: the key (so a firing timer knows its key)
/// and its timers, each domain sorted by (time, namespace).
template <class K, class N>
struct key_timers {
  K key{};
  std::vector<std::pair<timestamp, N>> event;
  std::vector<std::pair<timestamp, N>> processing;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, key_timers& x) {
    return f(x.key, x.event, x.processing);
  }
};

template <class K, class N>
class timer_service {
public:
  /// Registers the timers' keyed state `state_name` in `backend` (which
  /// must outlive the service). Throws what get_state throws.
  timer_service(keyed_state_backend& backend, const std::string& state_name)
    : backend_(&backend),
      state_(&backend.get_state(value_state_descriptor<key_timers<K, N>>{state_name}, no_ttl)) {
  }

  /// Adds a timer of the current key (`key`) at `time` in namespace `ns`.
  void register_timer(time_domain d, const K& key, timestamp time, const N& ns) {
    auto entry = std::make_pair(time, ns);
    // Registering a timer that exists is common (a window's trigger and
    // cleanup timer coincide): look first, without marking the entry
    // changed or copying it.
    if (const auto* existing = std::as_const(*state_).peek()) {
      auto& list = d == time_domain::event_time ? existing->event : existing->processing;
      auto at = std::lower_bound(list.begin(), list.end(), entry);
      if (at != list.end() && *at == entry)
        return;
    }
    auto* rec = state_->find();
    if (rec == nullptr)
      rec = &state_->emplace(key_timers<K, N>{key, {}, {}});
    auto& list = d == time_domain::event_time ? rec->event : rec->processing;
    list.insert(std::lower_bound(list.begin(), list.end(), entry), entry);
    queue(d).insert(queued{time, backend_->current_key_group(),
                           std::string{backend_->current_key()}, ns});
  }

  /// Removes a timer of the current key; no-op when there is none.
  void delete_timer(time_domain d, timestamp time, const N& ns) {
    auto entry = std::make_pair(time, ns);
    const auto* existing = std::as_const(*state_).peek();
    if (existing == nullptr)
      return;
    auto& seen = d == time_domain::event_time ? existing->event : existing->processing;
    auto found = std::lower_bound(seen.begin(), seen.end(), entry);
    if (found == seen.end() || !(*found == entry))
      return;
    auto* rec = state_->find();
    auto& list = d == time_domain::event_time ? rec->event : rec->processing;
    list.erase(std::lower_bound(list.begin(), list.end(), entry));
    if (rec->event.empty() && rec->processing.empty())
      state_->clear();
    queue(d).erase(queued{time, backend_->current_key_group(),
                          std::string{backend_->current_key()}, ns});
  }

  /// Fires, in time order, every timer of domain `d` at or before `time`:
  /// removes it, makes its key current and calls fn(const K&, timestamp,
  /// const N&). Returns how many fired.
  template <class F>
  size_t fire(time_domain d, timestamp time, F&& fn) {
    auto& q = queue(d);
    size_t n = 0;
    while (!q.empty() && q.begin()->time <= time) {
      auto t = q.extract(q.begin()).value();
      backend_->set_current_key(t.key, t.key_group);
      auto* rec = state_->find();
      if (rec == nullptr)
        continue; // cannot happen unless the state was cleared behind our back
      auto& list = d == time_domain::event_time ? rec->event : rec->processing;
      auto entry = std::make_pair(t.time, t.ns);
      auto at = std::lower_bound(list.begin(), list.end(), entry);
      if (at != list.end() && *at == entry)
        list.erase(at);
      K key = rec->key;
      if (rec->event.empty() && rec->processing.empty())
        state_->clear();
      ++n;
      fn(static_cast<const K&>(key), t.time, static_cast<const N&>(t.ns));
    }
    return n;
  }

  /// The earliest timer of domain `d`, or max_timestamp when none.
  timestamp next(time_domain d) const noexcept {
    auto& q = d == time_domain::event_time ? event_ : processing_;
    return q.empty() ? max_timestamp : q.begin()->time;
  }

  /// Timers of domain `d` over all keys.
  size_t size(time_domain d) const noexcept {
    return (d == time_domain::event_time ? event_ : processing_).size();
  }

  /// Rebuilds the queues from the state (after a restore: the timers of
  /// the key groups this subtask owns now). Leaves no current key change
  /// visible to the caller beyond the backend's own.
  void restore_queues() {
    event_.clear();
    processing_.clear();
    auto range = backend_->range();
    if (range.empty())
      return;
    for (auto kg = range.first; kg <= range.last; ++kg)
      state_->for_each_in_key_group(kg, [&](std::string_view key, const key_timers<K, N>& rec) {
        for (auto& [time, ns] : rec.event)
          event_.insert(queued{time, kg, std::string{key}, ns});
        for (auto& [time, ns] : rec.processing)
          processing_.insert(queued{time, kg, std::string{key}, ns});
      });
  }

private:
  struct queued {
    timestamp time;
    uint32_t key_group;
    std::string key;
    N ns;

    friend bool operator<(const queued& x, const queued& y) {
      return std::tie(x.time, x.key_group, x.key, x.ns)
             < std::tie(y.time, y.key_group, y.key, y.ns);
    }
  };

  std::set<queued>& queue(time_domain d) noexcept {
    return d == time_domain::event_time ? event_ : processing_;
  }

  keyed_state_backend* backend_;
  value_state<key_timers<K, N>>* state_;
  std::set<queued> event_;
  std::set<queued> processing_;
};

} // namespace sluice

// The common key and window types' state tables are compiled once, in the library.
#include "operators/common_timer_tables.hpp"
