// Pure window logic (Flink's TimeWindow, WindowAssigner family and
// MergingWindowSet): which windows a timestamp belongs to, and how session
// windows merge. No CAF, no actors, no state access: the window operator
// calls these and moves state itself.
//
// Windows. `time_window` is the half-open interval [start, end) in
// milliseconds; its last timestamp is `max_timestamp() == end - 1`.
// `global_window` is the single window of count windows.
//
// Assigners are small immutable values, built once when the job is defined
// through a static factory named like Flink's (`of`, `with_gap`), which
// throws sluice::exception(ec::invalid_argument) naming the assigner, the
// parameter and its value when a parameter is out of range:
//   tumbling:  size > 0, |offset| < size
//   sliding:   size > 0, slide > 0, |offset| < slide (Flink's rule; slide
//              may exceed size, leaving gaps between windows)
//   session:   gap > 0
// `assign(ts, out)` clears `out` and appends the windows containing `ts`
// (sliding: latest start first, as Flink). Event-time assigners take the
// record's timestamp, processing-time assigners the current processing time.
// assign throws sluice::exception(ec::operator_failed) when an event-time
// record carries no timestamp (INT64_MIN, Flink's "no timestamp" marker) or
// when a window bound would overflow int64. Thread-safe (const, no state).
//
// merging_window_set: one per key of a session-window operator (restored
// from and persisted to that key's state); not thread-safe. See the class.
#pragma once

#include <algorithm>
#include <chrono>
#include <compare>
#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "snapshot/error.hpp"

namespace sluice {

// --- windows -------------------------------------------------------------------

/// The interval [start, end) of event or processing time, in ms.
struct time_window {
  int64_t start = 0;
  int64_t end = 0;

  /// The largest timestamp in the window (a timer at it fires the window).
  constexpr int64_t max_timestamp() const noexcept {
    return end - 1;
  }

  /// True if the windows overlap or touch (Flink: one ends where the
  /// other starts counts, so adjacent sessions merge).
  constexpr bool intersects(const time_window& other) const noexcept {
    return start <= other.end && end >= other.start;
  }

  /// The smallest window spanning both.
  constexpr time_window cover(const time_window& other) const noexcept {
    return {std::min(start, other.start), std::max(end, other.end)};
  }

  /// Ordered by start, then end.
  friend constexpr auto operator<=>(const time_window&, const time_window&) = default;
  friend constexpr bool operator==(const time_window&, const time_window&) = default;
};

/// CAF serialization (no CAF header needed: only CAF instantiates it).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, time_window& x) {
  return f(x.start, x.end);
}

/// "[start, end)".
inline std::ostream& operator<<(std::ostream& os, const time_window& w) {
  return os << '[' << w.start << ", " << w.end << ')';
}

/// The one window of count windows (GlobalWindows): never ends.
struct global_window {
  constexpr int64_t max_timestamp() const noexcept {
    return std::numeric_limits<int64_t>::max();
  }

  friend constexpr auto operator<=>(const global_window&, const global_window&) = default;
  friend constexpr bool operator==(const global_window&, const global_window&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, global_window&) {
  return f();
}

inline std::ostream& operator<<(std::ostream& os, const global_window&) {
  return os << "global_window";
}

/// Start of the window of length `size` (> 0) containing `ts`, windows
/// being aligned to `offset` (Flink's TimeWindow.getWindowStartWithOffset,
/// in its remainder form, correct for every sign of ts - offset). The
/// result lies in (ts - size, ts]. Precondition: ts - offset and the result
/// fit in int64 (|ts| <= INT64_MAX - 2 * size suffices).
constexpr int64_t window_start_with_offset(int64_t ts, int64_t offset, int64_t size) noexcept {
  int64_t remainder = (ts - offset) % size;
  return remainder < 0 ? ts - (remainder + size) : ts - remainder;
}

// --- assigners -----------------------------------------------------------------

/// What the window operator needs from an assigner.
template <class A>
concept window_assigner = requires(const A& a, int64_t ts, std::vector<time_window>& out) {
  a.assign(ts, out);
  { a.is_event_time() } -> std::convertible_to<bool>;
  { a.is_merging() } -> std::convertible_to<bool>;
};

namespace detail {

[[noreturn]] inline void throw_window_overflow(const char* assigner, int64_t ts) {
  throw exception(ec::operator_failed, std::string{assigner} + ": a window of timestamp "
                                         + std::to_string(ts) + " ms overflows int64");
}

inline int64_t window_add(const char* assigner, int64_t ts, int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    throw_window_overflow(assigner, ts);
  return r;
}

inline int64_t window_sub(const char* assigner, int64_t ts, int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r))
    throw_window_overflow(assigner, ts);
  return r;
}

/// window_start_with_offset with overflow checks.
inline int64_t checked_window_start(const char* assigner, int64_t ts, int64_t offset,
                                    int64_t size) {
  int64_t remainder = window_sub(assigner, ts, ts, offset) % size;
  return window_sub(assigner, ts, ts, remainder < 0 ? remainder + size : remainder);
}

inline void check_timestamp(const char* assigner, bool event_time, int64_t ts) {
  if (event_time && ts == std::numeric_limits<int64_t>::min())
    throw exception(ec::operator_failed,
                    std::string{assigner} + ": record has no timestamp (INT64_MIN); assign "
                      + "timestamps and watermarks before an event-time window");
}

[[noreturn]] inline void throw_invalid(const char* assigner, const std::string& what) {
  throw exception(ec::invalid_argument, std::string{assigner} + ": " + what);
}

inline void require_positive(const char* assigner, const char* param,
                             std::chrono::milliseconds x) {
  if (x.count() <= 0)
    throw_invalid(assigner, std::string{param} + " must be positive, got "
                              + std::to_string(x.count()) + " ms");
}

inline void require_offset_below(const char* assigner, std::chrono::milliseconds offset,
                                 const char* bound_name, std::chrono::milliseconds bound) {
  auto o = offset.count();
  // |o| >= bound without negating INT64_MIN.
  if (o >= bound.count() || o <= -bound.count())
    throw_invalid(assigner, std::string{"offset must satisfy |offset| < "} + bound_name
                              + ", got offset " + std::to_string(o) + " ms with " + bound_name
                              + " " + std::to_string(bound.count()) + " ms");
}

/// is_event_time() and is_merging() of every assigner.
template <bool EventTime, bool Merging>
struct assigner_kind {
  bool is_event_time() const noexcept {
    return EventTime;
  }
  bool is_merging() const noexcept {
    return Merging;
  }
};

inline constexpr const char* tumbling_names[] = {"tumbling_processing_time_windows",
                                                 "tumbling_event_time_windows"};
inline constexpr const char* sliding_names[] = {"sliding_processing_time_windows",
                                                "sliding_event_time_windows"};
inline constexpr const char* session_names[] = {"processing_time_session_windows",
                                                "event_time_session_windows"};

/// TumblingEventTimeWindows / TumblingProcessingTimeWindows.
template <bool EventTime>
class tumbling_windows : public assigner_kind<EventTime, false> {
public:
  static constexpr const char* name = tumbling_names[EventTime];

  static tumbling_windows of(std::chrono::milliseconds size,
                             std::chrono::milliseconds offset = std::chrono::milliseconds{0}) {
    require_positive(name, "size", size);
    require_offset_below(name, offset, "size", size);
    return tumbling_windows{size.count(), offset.count()};
  }

  /// The one window [start, start + size) with start == offset (mod size).
  void assign(int64_t ts, std::vector<time_window>& out) const {
    out.clear();
    check_timestamp(name, EventTime, ts);
    auto start = checked_window_start(name, ts, offset_, size_);
    out.push_back({start, window_add(name, ts, start, size_)});
  }

  int64_t size() const noexcept {
    return size_;
  }
  int64_t offset() const noexcept {
    return offset_;
  }

private:
  tumbling_windows(int64_t size, int64_t offset) : size_(size), offset_(offset) {
  }

  int64_t size_;
  int64_t offset_;
};

/// SlidingEventTimeWindows / SlidingProcessingTimeWindows.
template <bool EventTime>
class sliding_windows : public assigner_kind<EventTime, false> {
public:
  static constexpr const char* name = sliding_names[EventTime];

  static sliding_windows of(std::chrono::milliseconds size, std::chrono::milliseconds slide,
                            std::chrono::milliseconds offset = std::chrono::milliseconds{0}) {
    require_positive(name, "size", size);
    require_positive(name, "slide", slide);
    require_offset_below(name, offset, "slide", slide);
    return sliding_windows{size.count(), slide.count(), offset.count()};
  }

  /// Every window [k * slide + offset, ... + size) containing ts, latest
  /// start first (none if slide > size and ts falls in a gap).
  void assign(int64_t ts, std::vector<time_window>& out) const {
    out.clear();
    check_timestamp(name, EventTime, ts);
    auto lowest = window_sub(name, ts, ts, size_); // starts must stay above it
    for (auto start = checked_window_start(name, ts, offset_, slide_); start > lowest;) {
      out.push_back({start, window_add(name, ts, start, size_)});
      if (__builtin_sub_overflow(start, slide_, &start))
        break;
    }
  }

  int64_t size() const noexcept {
    return size_;
  }
  int64_t slide() const noexcept {
    return slide_;
  }
  int64_t offset() const noexcept {
    return offset_;
  }

private:
  sliding_windows(int64_t size, int64_t slide, int64_t offset)
    : size_(size), slide_(slide), offset_(offset) {
  }

  int64_t size_;
  int64_t slide_;
  int64_t offset_;
};

/// EventTimeSessionWindows / ProcessingTimeSessionWindows: each record
/// opens [ts, ts + gap); a merging_window_set merges touching ones.
template <bool EventTime>
class session_windows : public assigner_kind<EventTime, true> {
public:
  static constexpr const char* name = session_names[EventTime];

  static session_windows with_gap(std::chrono::milliseconds gap) {
    require_positive(name, "gap", gap);
    return session_windows{gap.count()};
  }

  void assign(int64_t ts, std::vector<time_window>& out) const {
    out.clear();
    check_timestamp(name, EventTime, ts);
    out.push_back({ts, window_add(name, ts, ts, gap_)});
  }

  int64_t gap() const noexcept {
    return gap_;
  }

private:
  explicit session_windows(int64_t gap) : gap_(gap) {
  }

  int64_t gap_;
};

} // namespace detail

using tumbling_event_time_windows = detail::tumbling_windows<true>;
using tumbling_processing_time_windows = detail::tumbling_windows<false>;
using sliding_event_time_windows = detail::sliding_windows<true>;
using sliding_processing_time_windows = detail::sliding_windows<false>;
using event_time_session_windows = detail::session_windows<true>;
using processing_time_session_windows = detail::session_windows<false>;

/// Every element in the one global window (Flink's GlobalWindows): the
/// assigner of count windows and of custom triggers; its default trigger
/// never fires.
struct global_windows {
  static global_windows create() noexcept {
    return {};
  }
  void assign(int64_t, std::vector<global_window>& out) const {
    out.assign(1, global_window{});
  }
  bool is_event_time() const noexcept {
    return false;
  }
  bool is_merging() const noexcept {
    return false;
  }
};

// --- merging_window_set --------------------------------------------------------

/// Flink's MergingWindowSet: the in-flight (not yet fired and purged)
/// session windows of one key, each mapped to its *state window*, the
/// window under whose name its contents are stored. When windows merge, the
/// result keeps one state window and the caller merges the others' state
/// into it, so state is moved once per merge, never renamed.
///
/// Invariant (kept by add_window): in-flight windows pairwise do not
/// intersect (touching counts as intersecting), and distinct windows have
/// distinct state windows. A persisted mapping restored through the
/// constructor is taken as is; add_window also merges intersecting windows
/// of a mapping that breaks the invariant, as Flink does.
class merging_window_set {
public:
  using mapping_type = std::map<time_window, time_window>;

  /// Restores the window -> state window pairs persisted from mapping().
  explicit merging_window_set(std::vector<std::pair<time_window, time_window>> persisted = {})
    : windows_(persisted.begin(), persisted.end()) {
  }

  /// Adds `w` (a new record's window) and merges every run of intersecting
  /// windows (Flink's TimeWindow.mergeWindows: sort by start, merge runs).
  /// For each run that merges, calls
  ///   on_merge(merge_result, merged_windows, state_window_result, merged_state_windows)
  /// where merged_windows are the in-flight windows the run replaced (never
  /// `w` itself unless it was in flight already), state_window_result is the
  /// state window the result keeps (that of the earliest merged window) and
  /// merged_state_windows are the other merged windows' state windows,
  /// whose contents the caller must merge into state_window_result and
  /// clear. Not called when `w` lies inside one in-flight window (the
  /// result is that window, unchanged). Returns the window `w` ended up in:
  /// `w` itself, or the result of the merge that swallowed it; add the
  /// record to state_window(result). If on_merge throws, the set has
  /// already been updated for that run.
  ///
  /// Unlike Flink (which maps a returned window equal to `w` to itself
  /// even after a merge), a result equal to `w` keeps the state window of
  /// the windows it swallowed, and re-adding an in-flight window keeps its
  /// state window.
  template <class MergeFn>
  time_window add_window(time_window w, MergeFn&& on_merge) {
    bool is_new = !windows_.contains(w);
    std::vector<time_window> sorted;
    sorted.reserve(windows_.size() + 1);
    for (auto& [window, state] : windows_)
      sorted.push_back(window);
    if (is_new)
      sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), w), w);
    auto result = w;
    bool w_merged = false;
    std::vector<time_window> merged;
    std::vector<time_window> merged_state;
    for (size_t i = 0; i < sorted.size();) {
      auto cover = sorted[i];
      size_t j = i + 1;
      while (j < sorted.size() && cover.intersects(sorted[j]))
        cover = cover.cover(sorted[j++]);
      if (j - i > 1) {
        merged.clear();
        bool has_w = false;
        for (size_t k = i; k < j; ++k) {
          if (is_new && sorted[k] == w)
            has_w = true;
          else
            merged.push_back(sorted[k]);
        }
        if (has_w) {
          result = cover;
          w_merged = true;
        }
        auto state_result = windows_.at(merged.front());
        merged_state.clear();
        for (auto& m : merged) {
          auto it = windows_.find(m);
          if (it->second != state_result)
            merged_state.push_back(it->second);
          windows_.erase(it);
        }
        windows_[cover] = state_result;
        if (!(merged.size() == 1 && merged.front() == cover))
          on_merge(cover, std::as_const(merged), state_result, std::as_const(merged_state));
      }
      i = j;
    }
    if (is_new && !w_merged)
      windows_[w] = w;
    return result;
  }

  /// The window whose state holds `w`'s contents, if `w` is in flight.
  std::optional<time_window> state_window(time_window w) const {
    if (auto it = windows_.find(w); it != windows_.end())
      return it->second;
    return std::nullopt;
  }

  /// Removes `w` after it fired and was purged (the caller clears the
  /// state of state_window(w) first). Throws
  /// sluice::exception(ec::operator_failed) if `w` is not in flight.
  void retire_window(time_window w) {
    if (windows_.erase(w) == 0) {
      std::string name = "[" + std::to_string(w.start) + ", " + std::to_string(w.end) + ")";
      throw exception(ec::operator_failed,
                      "merging window set: window " + name + " is not in flight");
    }
  }

  /// Window -> state window, ordered by window; persist it (e.g. as list
  /// state of pairs) and pass it to the constructor on restore.
  const mapping_type& mapping() const noexcept {
    return windows_;
  }

  bool empty() const noexcept {
    return windows_.empty();
  }

  size_t size() const noexcept {
    return windows_.size();
  }

private:
  mapping_type windows_;
};

} // namespace sluice

// Windows are keys of the window operator's map state (hash maps).
template <>
struct std::hash<sluice::time_window> {
  size_t operator()(const sluice::time_window& w) const noexcept {
    auto h = static_cast<uint64_t>(w.start) * 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>(h ^ (static_cast<uint64_t>(w.end) + (h << 6) + (h >> 2)));
  }
};

template <>
struct std::hash<sluice::global_window> {
  size_t operator()(const sluice::global_window&) const noexcept {
    return 0;
  }
};
