// Helpers of the window operator tests (window_operator_test.cpp,
// window_operator_restore_test.cpp): records and window functions, a fake
// operator_context with a settable watermark and processing clock, a
// harness that drives one window_operator without actors (calling
// end_batch after every hook, as the host does), and a reference model of
// time windows written independently of the operator.
#pragma once

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>
#include <utility>
#include <vector>

#include "operators/windows/window_operator.hpp"
#include "tests/snapshot/backend_test_util.hpp"

namespace sluice::window_test {

// --- records and functions ------------------------------------------------------

/// An input record; `count` is 1 on input and counts elements in a reduce.
struct ev {
  int32_t key = 0;
  int64_t value = 0;
  int64_t count = 1;
  friend bool operator==(const ev&, const ev&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ev& x) {
  return f(x.key, x.value, x.count);
}

struct key_of {
  int32_t operator()(const ev& x) const {
    return x.key;
  }
};

/// reduce: sums values and counts.
struct sum_ev {
  ev operator()(const ev& a, const ev& b) const {
    return {a.key, a.value + b.value, a.count + b.count};
  }
};

/// aggregate: the average of the values (the accumulator remembers the key).
struct avg_acc {
  int32_t key = -1;
  int64_t sum = 0;
  int64_t count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, avg_acc& x) {
  return f(x.key, x.sum, x.count);
}

struct avg_out {
  int32_t key = 0;
  int64_t sum = 0;
  int64_t count = 0;
  double avg = 0;
};

struct average {
  avg_acc create() const {
    return {};
  }
  avg_acc add(const ev& x, avg_acc acc) const {
    return {x.key, acc.sum + x.value, acc.count + 1};
  }
  avg_out result(const avg_acc& acc) const {
    return {acc.key, acc.sum, acc.count, static_cast<double>(acc.sum) / acc.count};
  }
  avg_acc merge(avg_acc a, avg_acc b) const {
    return {a.key >= 0 ? a.key : b.key, a.sum + b.sum, a.count + b.count};
  }
};

/// process: (key, window start, window end, count, sum, values in order).
struct win_stat {
  int32_t key = 0;
  int64_t start = 0;
  int64_t end = 0;
  int64_t count = 0;
  int64_t sum = 0;
  std::vector<int64_t> values;
  timestamp watermark = 0;
};

template <class W>
class stats_fn final : public process_window_function<int32_t, ev, win_stat, W> {
public:
  void process(const int32_t& key, const window_context<W>& ctx, const std::vector<ev>& xs,
               collector<win_stat>& out) override {
    win_stat s;
    s.key = key;
    if constexpr (std::is_same_v<W, time_window>) {
      s.start = ctx.window.start;
      s.end = ctx.window.end;
    }
    s.watermark = ctx.current_watermark;
    for (auto& x : xs) {
      s.count += x.count;
      s.sum += x.value;
      s.values.push_back(x.value);
    }
    out.collect(std::move(s));
  }
};

/// One result, normalized over the functions: key, window [start, end)
/// (start 0 when the function cannot see it), element count and sum.
struct fired {
  int32_t key = 0;
  int64_t start = 0;
  int64_t end = 0;
  int64_t count = 0;
  int64_t sum = 0;
  friend auto operator<=>(const fired&, const fired&) = default;
  friend bool operator==(const fired&, const fired&) = default;
};

inline std::ostream& operator<<(std::ostream& os, const fired& f) {
  return os << "(key " << f.key << ", [" << f.start << ", " << f.end << "), count " << f.count
            << ", sum " << f.sum << ')';
}

/// Results as fired, each checked to carry its window's max timestamp
/// (`ts` == end - 1) where the function sees the window.
inline fired to_fired(const ev& x, timestamp ts) {
  return {x.key, 0, ts + 1, x.count, x.value};
}

inline fired to_fired(const avg_out& x, timestamp ts) {
  BOOST_CHECK_EQUAL(x.avg, static_cast<double>(x.sum) / x.count);
  return {x.key, 0, ts + 1, x.count, x.sum};
}

inline fired to_fired(const win_stat& x, timestamp ts) {
  BOOST_CHECK_EQUAL(ts, x.end - 1);
  return {x.key, x.start, x.end, x.count, x.sum};
}

/// A count window's result: key, count, sum, values (process only).
struct count_result {
  int32_t key = 0;
  int64_t count = 0;
  int64_t sum = 0;
  std::vector<int64_t> values;
  friend bool operator==(const count_result&, const count_result&) = default;
  friend auto operator<=>(const count_result&, const count_result&) = default;
};

inline count_result to_count(const ev& x, timestamp ts) {
  BOOST_CHECK_EQUAL(ts, max_timestamp); // global_window::max_timestamp()
  return {x.key, x.count, x.value, {}};
}

inline count_result to_count(const win_stat& x, timestamp ts) {
  BOOST_CHECK_EQUAL(ts, max_timestamp);
  return {x.key, x.count, x.sum, x.values};
}

/// `v` as seen by a function that cannot see the window start, sorted.
inline std::vector<fired> without_start(std::vector<fired> v) {
  for (auto& f : v)
    f.start = 0;
  std::sort(v.begin(), v.end());
  return v;
}

// --- fake host --------------------------------------------------------------------

/// What the operator sees of its host: a keyed backend, the emitted
/// batches, a settable watermark and processing clock, and the
/// request_processing_time calls.
class fake_context final : public operator_context {
public:
  explicit fake_context(keyed_state_backend* backend) : backend_(backend) {
  }
  void emit(batch_ptr b) override {
    BOOST_REQUIRE(b != nullptr && b->size() > 0);
    batches.push_back(std::move(b));
  }
  void emit_watermark(timestamp) override {
    BOOST_FAIL("the window operator does not emit watermarks itself");
  }
  keyed_state_backend* keyed_state() noexcept override {
    return backend_;
  }
  timestamp current_watermark() const noexcept override {
    return watermark;
  }
  timestamp processing_time() const noexcept override {
    return clock;
  }
  void request_processing_time(timestamp at) override {
    requests.push_back(at);
  }
  operator_metrics& metrics() noexcept override {
    return metrics_;
  }
  const subtask_info& info() const noexcept override {
    return info_;
  }

  timestamp watermark = min_timestamp;
  timestamp clock = 0;
  std::vector<batch_ptr> batches;
  std::vector<timestamp> requests;

private:
  keyed_state_backend* backend_;
  operator_metrics metrics_;
  subtask_info info_;
};

inline std::unique_ptr<keyed_state_backend>
make_backend(state_backend_kind kind, key_group_range range = {0, 127}) {
  return std::make_unique<keyed_state_backend>(128, range, backend_test::options(kind));
}

/// Snapshots `b` (checkpoint `id`) into a state file image and loads it.
inline state_file_contents snapshot_file(keyed_state_backend& b, uint64_t id = 1) {
  auto snap = b.snapshot(id);
  return backend_test::write_and_load(*snap);
}

/// A fresh backend of `kind` restored from the key groups `range` of `file`.
inline std::unique_ptr<keyed_state_backend>
restore_backend(const state_file_contents& file, key_group_range range, state_backend_kind kind) {
  return std::make_unique<keyed_state_backend>(backend_test::restore(file, range, kind));
}

inline std::unique_ptr<keyed_state_backend> snapshot_and_restore(keyed_state_backend& b,
                                                                 uint64_t id = 1) {
  return restore_backend(snapshot_file(b, id), b.range(), b.kind());
}

template <class Assigner, class Contents, class W = time_window>
using op_of = window_operator<int32_t, ev, W, Assigner, Contents, key_of>;

template <class Op>
class harness {
public:
  using out_type = typename Op::out_type;

  harness(std::unique_ptr<keyed_state_backend> backend, std::unique_ptr<Op> op)
    : backend_(std::move(backend)), ctx(backend_.get()), op(std::move(op)) {
    this->op->open(ctx);
    backend_->end_batch();
  }
  harness(harness&&) = delete; // the operator keeps &ctx

  void feed(std::vector<ev> xs, std::vector<timestamp> ts = {}) {
    op->process(make_batch(std::move(xs), std::move(ts)), ctx);
    backend_->end_batch();
  }

  void watermark(timestamp wm) {
    ctx.watermark = wm;
    op->on_watermark(wm, ctx);
    backend_->end_batch();
  }

  void processing_time(timestamp now) {
    ctx.clock = now;
    op->on_processing_time(now, ctx);
    backend_->end_batch();
  }

  /// Emitted results with their record timestamps since the last take.
  std::vector<std::pair<out_type, timestamp>> take() {
    std::vector<std::pair<out_type, timestamp>> result;
    for (auto& b : ctx.batches) {
      auto& xs = records_of<out_type>(*b);
      auto& ts = b->timestamps();
      BOOST_REQUIRE_EQUAL(ts.size(), xs.size());
      for (size_t i = 0; i < xs.size(); ++i)
        result.emplace_back(xs[i], ts[i]);
    }
    ctx.batches.clear();
    return result;
  }

  /// take() as sorted fired.
  std::vector<fired> take_fired() {
    std::vector<fired> result;
    for (auto& [x, ts] : take())
      result.push_back(to_fired(x, ts));
    std::sort(result.begin(), result.end());
    return result;
  }

  keyed_state_backend& backend() {
    return *backend_;
  }

private:
  std::unique_ptr<keyed_state_backend> backend_;

public:
  fake_context ctx;
  std::unique_ptr<Op> op;
};

template <class Assigner>
using window_of
  = std::conditional_t<std::is_same_v<Assigner, global_windows>, global_window, time_window>;

/// A harness of window_operator<int32_t, ev, ...> on a fresh backend.
template <class Contents, class Assigner>
harness<op_of<Assigner, Contents, window_of<Assigner>>>
make_harness(state_backend_kind kind, Assigner a, trigger_ptr<window_of<Assigner>> trigger,
             timestamp lateness = 0, Contents contents = {}) {
  using op = op_of<Assigner, Contents, window_of<Assigner>>;
  return {make_backend(kind),
          std::make_unique<op>(a, std::move(trigger), lateness, std::move(contents), key_of{})};
}

template <class Op>
std::vector<count_result> take_counts(harness<Op>& h) {
  std::vector<count_result> got;
  for (auto& [x, ts] : h.take())
    got.push_back(to_count(x, ts));
  return got;
}

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
    if (!added)
      ++dropped_;
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
