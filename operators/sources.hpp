// Bounded and generated sources. Plain objects (no CAF); the subtask calls
// `emit_next` once per message, each call emits at most one batch. Both
// keep their position per split (operators/index_splits.hpp): replayable,
// and rescalable through a checkpoint or savepoint.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "actors/contract/operator.hpp"
#include "operators/index_splits.hpp"
#include "snapshot/state_codec.hpp"
#include "operators/event.hpp"

namespace sluice {

/// The offset a source with one offset per subtask restored (its operator
/// list state "offset", one item per subtask), or nullopt on a fresh start.
/// Throws sluice::exception(ec::incompatible_state) naming `source` when the
/// subtask got another number of offsets: such a source interleaves its
/// elements by subtask index and cannot change its parallelism (the job
/// then fails at once). The built-in sources keep positions per split
/// instead (operators/index_splits.hpp) and rescale.
std::optional<uint64_t> restored_offset(const initialization_context& ctx,
                                        std::string_view source);

/// Default number of splits of the click generator and of collections:
/// the highest parallelism at which every source subtask gets work.
inline constexpr uint32_t default_source_splits = 128;

/// Emits what is due at `rate` elements per second (0: no limit) for a
/// subtask that has emitted `emitted` since `start` (steady clock).
/// Returns how many may go now (at most `max`), or, when none, how long to
/// wait: the source then returns source_step::idle with it.
struct pacing {
  size_t allowed = 0;
  std::chrono::microseconds wait{0};
};
pacing pace(double rate, uint64_t emitted, std::chrono::steady_clock::time_point start,
            size_t max);

/// A source whose element i is a pure function of i
/// (`Derived::element(i)`, called once per element without a virtual
/// call), over the indices [0, end) cut into splits
/// (operators/index_splits.hpp): replayable and rescalable. `rate` limits
/// the elements per second over all subtasks (0: as fast as possible);
/// each subtask takes the share of its splits. `name` names the source in
/// restore errors.
template <class T, class Derived>
class index_split_source : public source_operator {
public:
  index_split_source(uint32_t splits, uint64_t end, double rate, const char* name)
    : splits_(splits, end), rate_(rate), name_(name) {
  }

  void initialize_state(const initialization_context& ctx) override {
    if (ctx.restored)
      restored_ = ctx;
  }

  void open(operator_context& ctx) override {
    auto& info = ctx.info();
    if (restored_)
      splits_.restore(*restored_, info.subtask_index, info.parallelism, name_);
    else
      splits_.assign(info.subtask_index, info.parallelism);
    restored_.reset();
    share_ = static_cast<double>(splits_.owned()) / splits_.num_splits();
    started_ = std::chrono::steady_clock::now();
  }

  /// The position of every split this subtask owns (list state "splits").
  void snapshot_state(const snapshot_context& ctx) override {
    ctx.add_list_item(index_splits_state, splits_.snapshot());
  }

  operator_state_modes list_state_modes() const override {
    return {{index_splits_state, operator_state_mode::union_list}};
  }

  bool replayable() const noexcept override {
    return true;
  }

  source_step emit_next(operator_context& ctx, size_t max_records) override {
    if (splits_.done())
      return {source_step::finished};
    auto p = pace(rate_ * share_, emitted_, started_, max_records);
    if (p.allowed == 0)
      return {source_step::idle, p.wait};
    std::vector<T> out;
    out.reserve(p.allowed);
    auto& self = static_cast<Derived&>(*this);
    while (!splits_.done() && out.size() < p.allowed)
      out.push_back(self.element(splits_.take()));
    emitted_ += out.size();
    ctx.emit(make_batch(std::move(out)));
    return {splits_.done() ? source_step::finished : source_step::more};
  }

protected:
  index_splits splits_;

private:
  double rate_;
  const char* name_;
  std::optional<initialization_context> restored_;
  double share_ = 1;
  uint64_t emitted_ = 0;
  std::chrono::steady_clock::time_point started_;
};

/// Emits the elements of a vector (Flink's fromCollection): element i is
/// in split i % splits, so parallelism 1 keeps the order, and `rate`
/// limits the elements per second (a sample can run long enough to watch
/// or break it).
template <class T>
class collection_source final : public index_split_source<T, collection_source<T>> {
public:
  explicit collection_source(std::shared_ptr<const std::vector<T>> xs, double rate = 0,
                             uint32_t splits = default_source_splits)
    : index_split_source<T, collection_source<T>>(splits, xs->size(), rate,
                                                  "collection source"),
      xs_(std::move(xs)) {
  }

  const T& element(uint64_t i) const {
    return (*xs_)[i];
  }

private:
  std::shared_ptr<const std::vector<T>> xs_;
};

/// Options of the click-event generator.
struct click_source_options {
  /// Events i are a pure function of (seed, i).
  uint64_t seed = 42;
  /// Number of events over all parallel instances; 0: unbounded.
  uint64_t count = 1000;
  /// Events per second over all instances; 0: as fast as possible.
  double rate = 0;
  /// Distinct users: 0 -> the seeds' Mary, Alice, Bob, Cary; n > 0 ->
  /// "user-0" .. "user-(n-1)".
  uint64_t users = 0;
  /// Timestamp of event 0 (ms since the epoch); event i has
  /// first_timestamp + i * timestamp_step_ms.
  int64_t first_timestamp = 1700000000000;
  int64_t timestamp_step_ms = 1000;
  /// Splits the index space is cut into (operators/index_splits.hpp; >= 1):
  /// the highest useful parallelism; must not change across a restore.
  uint32_t splits = default_source_splits;
};

/// Event `i` of a generator with `opts` (exposed for tests and replays).
event click_event_at(const click_source_options& opts, uint64_t i);

/// The seeds' ClickSource made replayable and rescalable: event i depends
/// only on the seed and i; the index space is cut into `opts.splits`
/// splits (index_split_source), whose positions are the source's state, so
/// a savepoint resumes exactly at any parallelism (the number of splits
/// must stay the same). Precondition: opts.splits >= 1.
class click_source final : public index_split_source<event, click_source> {
public:
  explicit click_source(click_source_options opts)
    : index_split_source(opts.splits, opts.count == 0 ? index_splits::unbounded : opts.count,
                         opts.rate, "click source"),
      opts_(opts) {
  }

  event element(uint64_t i) const {
    return click_event_at(opts_, i);
  }

private:
  click_source_options opts_;
};

} // namespace sluice
