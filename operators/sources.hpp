// Bounded and generated sources. Plain objects (no CAF); the subtask calls
// `emit_next` once per message, each call emits at most one batch.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "actors/operator.hpp"
#include "snapshot/state_codec.hpp"
#include "operators/event.hpp"

namespace sluice {

/// The offset a replayable source restored (its operator list state
/// "offset", one item per subtask), or nullopt on a fresh start. Throws
/// sluice::exception(ec::incompatible_state) naming `source` when the
/// subtask got another number of offsets: these sources interleave their
/// elements by subtask index and cannot be rescaled.
std::optional<uint64_t> restored_offset(const initialization_context& ctx,
                                        std::string_view source);

/// Emits the elements of a vector; parallel instance i of n takes the
/// elements with index i, i+n, i+2n, ... (so parallelism 1 keeps order).
template <class T>
class collection_source final : public source_operator {
public:
  explicit collection_source(std::shared_ptr<const std::vector<T>> xs) : xs_(std::move(xs)) {
  }

  void initialize_state(const initialization_context& ctx) override {
    restored_ = restored_offset(ctx, "collection source");
  }

  void open(operator_context& ctx) override {
    next_ = restored_.value_or(ctx.info().subtask_index);
    stride_ = ctx.info().parallelism;
  }

  /// The offset (index of the next element) as operator list state
  /// "offset"; a restore continues from it.
  void snapshot_state(const snapshot_context& ctx) override {
    std::string bytes;
    encode_value(static_cast<uint64_t>(next_), bytes);
    ctx.add_list_item("offset", std::move(bytes));
  }

  /// A restore replays exactly from the offset.
  bool replayable() const noexcept override {
    return true;
  }

  source_step emit_next(operator_context& ctx, size_t max_records) override {
    std::vector<T> out;
    out.reserve(max_records);
    for (; next_ < xs_->size() && out.size() < max_records; next_ += stride_)
      out.push_back((*xs_)[next_]);
    if (!out.empty())
      ctx.emit(make_batch(std::move(out)));
    return {next_ < xs_->size() ? source_step::more : source_step::finished};
  }

private:
  std::shared_ptr<const std::vector<T>> xs_;
  std::optional<uint64_t> restored_;
  size_t next_ = 0;
  size_t stride_ = 1;
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
};

/// Event `i` of a generator with `opts` (exposed for tests and replays).
event click_event_at(const click_source_options& opts, uint64_t i);

/// The seeds' ClickSource made replayable: event i depends only on the seed
/// and i; instance k of n emits the events i = k, k+n, ...
class click_source final : public source_operator {
public:
  explicit click_source(click_source_options opts);

  void initialize_state(const initialization_context& ctx) override;

  void open(operator_context& ctx) override;

  source_step emit_next(operator_context& ctx, size_t max_records) override;

  /// The offset (next event index) as operator list state "offset"; a
  /// restore replays exactly from it.
  void snapshot_state(const snapshot_context& ctx) override;

  /// A restore replays exactly from the offset.
  bool replayable() const noexcept override {
    return true;
  }

  /// Next event index this instance will emit (its offset).
  uint64_t next_index() const noexcept {
    return next_;
  }

private:
  click_source_options opts_;
  std::optional<uint64_t> restored_;
  uint64_t next_ = 0;
  uint64_t stride_ = 1;
  uint64_t emitted_ = 0;
  std::chrono::steady_clock::time_point started_;
};

} // namespace sluice
