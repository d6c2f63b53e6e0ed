// The reference model of the window operator tests: time windows as Flink
// defines them, computed naively and independently of the operator (which
// windows fire with which contents, which elements are late), random
// event-time input, and a step runner for window_test_util.hpp's harness.
#pragma once

#include "tests/operators/window_test_util.hpp"

namespace sluice::window_test {

// --- reference model ---------------------------------------------------------------

enum class shape { tumbling, sliding, session };

/// Window parameters (ms) and allowed lateness.
struct spec {
  shape kind = shape::tumbling;
  int64_t size = 100;
  int64_t slide = 0;
  int64_t gap = 0;
  int64_t lateness = 0;
};

/// A step of input: records (with event timestamps, arriving at
/// processing time `time`), a watermark `time`, or a processing-time
/// callback at `time`.
struct step {
  enum kind_t { records, watermark, processing } kind = records;
  timestamp time = 0;
  std::vector<ev> xs;
  std::vector<timestamp> ts;
};

/// Time windows as Flink defines them, computed naively: which windows
/// fire with which contents, which elements are dropped.
class reference {
public:
  reference(spec sp, bool event_time) : sp_(sp), event_time_(event_time) {
  }

  /// Results of `s`, sorted.
  std::vector<fired> apply(const step& s) {
    std::vector<fired> out;
    if (s.kind == step::records) {
      for (size_t i = 0; i < s.xs.size(); ++i)
        add(s.xs[i], event_time_ ? s.ts[i] : s.time, out);
    } else if (s.kind == step::watermark) {
      for (auto& [key, windows] : inflight_)
        for (auto& [w, c] : windows)
          if (w.end - 1 > wm_ && w.end - 1 <= s.time)
            out.push_back({key, w.start, w.end, c.count, c.sum});
      wm_ = std::max(wm_, s.time);
      erase_if([&](const time_window& w) { return w.end - 1 + sp_.lateness <= wm_; });
    } else {
      for (auto& [key, windows] : inflight_)
        for (auto& [w, c] : windows)
          if (w.end - 1 <= s.time)
            out.push_back({key, w.start, w.end, c.count, c.sum});
      erase_if([&](const time_window& w) { return w.end - 1 <= s.time; });
    }
    std::sort(out.begin(), out.end());
    fires_ += out.size();
    return out;
  }

  uint64_t dropped() const {
    return dropped_;
  }
  /// The dropped (late) elements with their timestamps, in input order.
  const std::vector<std::pair<ev, timestamp>>& late() const {
    return late_;
  }
  /// Results of late elements within the allowed lateness.
  uint64_t late_fires() const {
    return late_fires_;
  }
  uint64_t fires() const {
    return fires_;
  }
  /// The earliest end - 1 of a window in flight (processing time: the
  /// timer the operator must ask for).
  std::optional<timestamp> next_end() const {
    std::optional<timestamp> r;
    for (auto& [key, windows] : inflight_)
      for (auto& [w, c] : windows)
        if (!r || w.end - 1 < *r)
          r = w.end - 1;
    return r;
  }
  bool empty() const {
    return inflight_.empty();
  }

private:
  struct contents {
    int64_t count = 0;
    int64_t sum = 0;
  };

  static int64_t floor_to(int64_t t, int64_t step) {
    int64_t q = t / step;
    if (q * step > t)
      --q;
    return q * step;
  }

  bool gone(const time_window& w) const {
    return event_time_ && w.end - 1 + sp_.lateness <= wm_;
  }

  void add(const ev& x, timestamp t, std::vector<fired>& out) {
    auto& windows = inflight_[x.key];
    bool added = false;
    auto put = [&](time_window w, contents c) {
      c.count += 1;
      c.sum += x.value;
      windows[w] = c;
      added = true;
      if (event_time_ && w.end - 1 <= wm_) { // window already fired: fire again
        out.push_back({x.key, w.start, w.end, c.count, c.sum});
        ++late_fires_;
      }
    };
    if (sp_.kind == shape::session) {
      time_window cover{t, t + sp_.gap};
      contents c;
      for (bool changed = true; changed;) {
        changed = false;
        for (auto it = windows.begin(); it != windows.end(); ++it)
          if (it->first.start <= cover.end && it->first.end >= cover.start) {
            cover = {std::min(cover.start, it->first.start), std::max(cover.end, it->first.end)};
            c.count += it->second.count;
            c.sum += it->second.sum;
            windows.erase(it);
            changed = true;
            break;
          }
      }
      if (!gone(cover))
        put(cover, c);
    } else {
      int64_t slide = sp_.kind == shape::tumbling ? sp_.size : sp_.slide;
      for (auto start = floor_to(t, slide); start > t - sp_.size; start -= slide) {
        time_window w{start, start + sp_.size};
        if (!gone(w))
          put(w, windows[w]);
      }
    }
    if (windows.empty())
      inflight_.erase(x.key);
    if (!added) {
      ++dropped_;
      late_.emplace_back(x, t);
    }
  }

  template <class Pred>
  void erase_if(Pred pred) {
    for (auto k = inflight_.begin(); k != inflight_.end();) {
      std::erase_if(k->second, [&](auto& kv) { return pred(kv.first); });
      k = k->second.empty() ? inflight_.erase(k) : std::next(k);
    }
  }

  spec sp_;
  bool event_time_;
  timestamp wm_ = min_timestamp;
  std::map<int32_t, std::map<time_window, contents>> inflight_;
  uint64_t dropped_ = 0;
  std::vector<std::pair<ev, timestamp>> late_;
  uint64_t late_fires_ = 0;
  uint64_t fires_ = 0;
};

/// Event-time input: `n` steps of 1-6 records of `keys` keys with
/// timestamps rising by up to 19 ms a record, up to 150 ms out of order,
/// and now and then a late one (up to `late_span` ms behind the
/// watermark); watermarks trail the largest timestamp by 0-199 ms; the
/// last step is the end-of-input watermark.
inline std::vector<step> random_event_steps(uint32_t seed, int n, int32_t keys,
                                            int64_t late_span) {
  std::mt19937 rng{seed};
  std::vector<step> steps;
  timestamp base = 1000, max_ts = 0, wm = min_timestamp;
  for (int i = 0; i < n; ++i) {
    step s;
    auto len = 1 + rng() % 6;
    for (size_t j = 0; j < len; ++j) {
      base += rng() % 20;
      auto t = base - static_cast<int64_t>(rng() % 150);
      if (wm > 0 && rng() % 8 == 0)
        t = wm - static_cast<int64_t>(rng() % late_span);
      max_ts = std::max(max_ts, t);
      s.xs.push_back({static_cast<int32_t>(rng() % keys), 1 + static_cast<int64_t>(rng() % 100)});
      s.ts.push_back(t);
    }
    steps.push_back(std::move(s));
    if (rng() % 2 == 0) {
      wm = std::max(wm, max_ts - static_cast<int64_t>(rng() % 200));
      steps.push_back({step::watermark, wm, {}, {}});
    }
  }
  steps.push_back({step::watermark, max_timestamp, {}, {}});
  return steps;
}

/// Feeds `s` to `h` (records, watermark or processing-time callback).
template <class Op>
void run_step(harness<Op>& h, const step& s) {
  switch (s.kind) {
    case step::records:
      h.ctx.clock = s.time;
      h.feed(s.xs, s.ts);
      break;
    case step::watermark:
      h.watermark(s.time);
      break;
    case step::processing:
      h.processing_time(s.time);
      break;
  }
}

/// Checks `got` against `want` for step `i`, reporting the first mismatch.
inline bool same_results(size_t i, const std::vector<fired>& got,
                         const std::vector<fired>& want) {
  if (got == want)
    return true;
  std::ostringstream msg;
  msg << "step " << i << ": got";
  for (auto& f : got)
    msg << ' ' << f;
  msg << "; want";
  for (auto& f : want)
    msg << ' ' << f;
  BOOST_ERROR(msg.str());
  return false;
}

} // namespace sluice::window_test
