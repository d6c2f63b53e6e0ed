// Helpers of the window operator unit tests (window_operator_test.cpp,
// window_lateness_test.cpp, window_processing_time_test.cpp,
// window_count_trigger_test.cpp, window_operator_restore_test.cpp,
// window_operator_rescale_test.cpp): records and window functions, a
// fake operator_context with a settable watermark and processing clock,
// and a harness that drives one window_operator without actors (calling
// end_batch after every hook, as the host does). The reference model is in
// window_reference.hpp.
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
#include <string>
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
  void emit_side(const std::string& tag, batch_ptr b) override {
    BOOST_REQUIRE(b != nullptr && b->size() > 0);
    side[tag].push_back(std::move(b));
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
  /// Side outputs by tag.
  std::map<std::string, std::vector<batch_ptr>> side;
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
             timestamp lateness = 0, Contents contents = {}, std::string late_tag = {}) {
  using op = op_of<Assigner, Contents, window_of<Assigner>>;
  return {make_backend(kind), std::make_unique<op>(a, std::move(trigger), lateness,
                                                   std::move(contents), key_of{},
                                                   std::move(late_tag))};
}

template <class Op>
std::vector<count_result> take_counts(harness<Op>& h) {
  std::vector<count_result> got;
  for (auto& [x, ts] : h.take())
    got.push_back(to_count(x, ts));
  return got;
}

} // namespace sluice::window_test
