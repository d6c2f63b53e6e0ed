// The window workload of sluice-bench, `nexmark-q5` (issue 8): Nexmark
// query 5, "hot items". Per auction, count the bids of every sliding
// event-time window (10 s size, 2 s slide); per window, report the
// auction(s) with the most bids (all of them on a tie, as q5's join on
// num >= max does).
//
// The engine job, Flink's DataStream "hot items" shape (checkpointing on,
// every 1 s, memory storage, exactly once, aligned):
//   bid source (parallel, strided)
//   -> assign_timestamps_and_watermarks(bounded out-of-orderness, date_time)
//   -> key_by(auction) -> window(sliding_event_time_windows::of(10s, 2s))
//   -> aggregate(count)                        (auction, count), ts = end - 1
//   -> stamp window end (from the record ts)   Flink: aggregate(agg, window fn)
//   -> key_by(window_end) -> process(max per window: keyed value state,
//      an event-time timer at end - 1)          (window_end, auction, count)
//   -> collect
// The hand-written baseline (`nexmark_q5_baseline`) is one thread over the
// same bids in index order: a hash map auction -> count per open window,
// the watermark computed as the engine's generator does (highest timestamp
// - bound - 1), a window fired (max and winners) as soon as the watermark
// passes its end, the rest at end of input. Bids are out of order by at
// most the bound, so no bid is late in either and both must produce the
// same hot items; the benchmark exits 1 when they differ.
//
// Everything here but `bench_nexmark_q5` is pure (no engine), for tests.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <ostream>
#include <vector>

#include <tsl/robin_map.h>

#include "apps/bench/engine_jobs.hpp"
#include "apps/bench/generators.hpp"

namespace sluice::bench {

/// A Nexmark bid (the fields q5 needs, and the price).
struct bid {
  int64_t auction = 0;
  int64_t price = 0;
  /// Event time, ms.
  int64_t date_time = 0;

  friend bool operator==(const bid&, const bid&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bid& x) {
  return f(x.auction, x.price, x.date_time);
}

/// One row of q5's answer: `auction` had `count` bids in the window ending
/// at `window_end` (exclusive, ms), the most of any auction in it.
struct hot_item {
  int64_t window_end = 0;
  int64_t auction = 0;
  int64_t count = 0;

  friend bool operator==(const hot_item&, const hot_item&) = default;
  friend auto operator<=>(const hot_item&, const hot_item&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hot_item& x) {
  return f(x.window_end, x.auction, x.count);
}

/// The window of q5.
inline constexpr int64_t q5_window_size_ms = 10'000;
inline constexpr int64_t q5_window_slide_ms = 2'000;

struct q5_options {
  /// Bids generated (--records).
  uint64_t bids = 0;
  /// Distinct auctions (--keys), >= 1.
  uint64_t auctions = 10'000;
  /// Bids per second of event time (--event-rate), >= 1.
  uint64_t event_rate = 100'000;
  /// How far out of order bids are (each is up to this much later than its
  /// place in the sequence), and the watermark bound, ms.
  int64_t out_of_orderness_ms = 1'000;
};

/// Bid i (a pure function of i, so parallel source instances can take every
/// n-th index): time i * 1000 / event_rate ms plus a jitter of 0..bound ms;
/// half the bids go to the 1% hottest auctions (ids below max(1, auctions /
/// 100)), the other half uniformly to all auctions.
inline bid bid_at(const q5_options& o, uint64_t i) noexcept {
  auto h = mix64(i ^ 0x0b1d);
  uint64_t hot = std::max<uint64_t>(1, o.auctions / 100);
  bid b;
  b.auction = static_cast<int64_t>((h & 1) != 0 ? (h >> 1) % hot : (h >> 1) % o.auctions);
  b.price = static_cast<int64_t>(100 + (h >> 48) % 10'000);
  auto jitter = o.out_of_orderness_ms > 0
                  ? static_cast<int64_t>(mix64(h) % static_cast<uint64_t>(
                                           o.out_of_orderness_ms + 1))
                  : 0;
  b.date_time = static_cast<int64_t>(i * 1000 / o.event_rate) + jitter;
  return b;
}

/// The end of every sliding q5 window containing `t` (>= 0 or not), latest
/// first: the windows [s, s + size) with s a multiple of the slide and
/// t - size < s <= t.
template <class F>
void for_each_q5_window_end(int64_t t, F&& fn) {
  auto r = t % q5_window_slide_ms;
  auto start = r < 0 ? t - (r + q5_window_slide_ms) : t - r;
  for (; start > t - q5_window_size_ms; start -= q5_window_slide_ms)
    fn(start + q5_window_size_ms);
}

/// Appends the hot items of one window (`counts`: auction -> bids) to
/// `out`, winners in ascending auction order.
template <class Counts>
void append_hot_items(int64_t window_end, const Counts& counts, std::vector<hot_item>& out) {
  int64_t best = 0;
  auto first = out.size();
  for (auto& [auction, n] : counts) {
    if (n < best)
      continue;
    if (n > best) {
      best = n;
      out.resize(first);
    }
    out.push_back(hot_item{window_end, auction, n});
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

/// The hand-written single-threaded q5 over bids 0..bids-1 (see the file
/// comment). Result sorted by (window_end, auction).
inline std::vector<hot_item> nexmark_q5_baseline(const q5_options& o) {
  using counts = tsl::robin_map<int64_t, int64_t>;
  std::map<int64_t, counts> open; // window end -> auction -> bids
  std::vector<hot_item> result;
  auto fire_until = [&](int64_t watermark) {
    while (!open.empty() && open.begin()->first - 1 <= watermark) {
      append_hot_items(open.begin()->first, open.begin()->second, result);
      open.erase(open.begin());
    }
  };
  int64_t max_ts = INT64_MIN;
  for (uint64_t i = 0; i < o.bids; ++i) {
    auto b = bid_at(o, i);
    for_each_q5_window_end(b.date_time, [&](int64_t end) { ++open[end][b.auction]; });
    if (b.date_time > max_ts) {
      max_ts = b.date_time;
      fire_until(max_ts - o.out_of_orderness_ms - 1);
    }
  }
  fire_until(INT64_MAX);
  return result;
}

/// `nexmark-q5`: runs the engine job (`base` gives records = bids, keys =
/// auctions, parallelism, batch size, threads; its checkpointing is
/// replaced by one every `checkpoint_interval`), then the baseline, in the
/// calling process; prints one JSON line: records, keys, parallelism,
/// batch_size, event_rate, out_of_orderness_ms, windows, hot_items (rows of
/// the answer), engine_rps, baseline_rps, ratio (engine / baseline),
/// engine_rps_per_core (bids per second of engine CPU time, all threads),
/// ratio_per_core (that / baseline_rps: the baseline uses one core),
/// engine_seconds, baseline_seconds, engine_cpu_seconds,
/// checkpoints_completed, checkpoints_failed, mean_checkpoint_ms,
/// max_checkpoint_ms, mean_state_kb, peak_rss_mb, engine_peak_rss_mb.
/// Returns 0; 1 when the job failed or its answer differs from the
/// baseline's (the first difference goes to stderr).
int bench_nexmark_q5(const engine_options& base, uint64_t event_rate, std::ostream& out,
                     std::chrono::milliseconds checkpoint_interval
                     = std::chrono::milliseconds{1000});

} // namespace sluice::bench
