// The contract between an operator and the subtask actor that hosts it.
//
// Operators are plain objects (no CAF): map, filter, keyed process, sinks,
// sources. A subtask actor hosts a chain of them (actors/subtask/operator_chain.hpp)
// and calls their hooks, always from one thread at a time, never
// concurrently. An operator reaches the outside only through its
// `operator_context`: emit records or watermarks, keyed state, time, metrics,
// fail. Hooks may throw `sluice::exception` (or any std::exception); the
// subtask turns that into a job failure naming the operator and subtask.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/contract/batch.hpp"
#include "snapshot/error.hpp"
#include "snapshot/operator_state_redistribution.hpp"

namespace sluice {

class keyed_state_backend;

using timestamp = int64_t;

inline constexpr timestamp min_timestamp = std::numeric_limits<int64_t>::min();
inline constexpr timestamp max_timestamp = std::numeric_limits<int64_t>::max();

/// Who an operator instance is: fixed for the lifetime of the instance.
struct subtask_info {
  std::string job_name;
  /// Name of the operator (e.g. "map", or the user's name for it).
  std::string operator_name;
  /// Stable operator id (user-given `uid(...)` or generated from the graph).
  std::string operator_uid;
  /// Name of the whole chain hosted by the subtask, e.g. "source -> map".
  std::string task_name;
  uint32_t subtask_index = 0;
  uint32_t parallelism = 1;
  uint32_t max_parallelism = 128;
  /// Attempt id of the job (increases on every restart).
  uint64_t attempt = 0;
  /// The job's pipeline.auto-watermark-interval in ms (0: off), for
  /// timestamp assigners.
  int64_t auto_watermark_interval_ms = 200;

  /// "name (i/n)", Flink's way of naming a subtask, 1-based.
  std::string display_name() const {
    return operator_name + " (" + std::to_string(subtask_index + 1) + "/"
           + std::to_string(parallelism) + ")";
  }
};

/// Counters an operator may bump; read by the job statistics.
struct operator_metrics {
  uint64_t records_in = 0;
  uint64_t records_out = 0;
  uint64_t batches_in = 0;
  uint64_t batches_out = 0;
};

/// What an operator sees of its host. Valid from `open` until `close`
/// returned; owned by the subtask.
class operator_context {
public:
  virtual ~operator_context() = default;

  /// Hands `b` on to the next operator of the chain, or to the outputs.
  /// Runs the downstream operators synchronously; `b` must not be empty.
  virtual void emit(batch_ptr b) = 0;

  /// Announces that no record with a timestamp <= `wm` follows from this
  /// operator (sources and watermark assigners call it).
  virtual void emit_watermark(timestamp wm) = 0;

  /// Announces that this operator's output stream went idle (no records
  /// nor watermarks for a while: downstream computes its watermark without
  /// it) or active again (Flink's WatermarkStatus; watermark assigners with
  /// idleness call it). Hosts without downstream ignore it.
  virtual void emit_watermark_status(bool idle) {
    (void) idle;
  }

  /// Hands `b` to this operator's side output `tag` (Flink's OutputTag and
  /// ctx.output): only operators reading `get_side_output(tag)` of this
  /// operator's stream receive it; dropped when none does (and by hosts
  /// without outputs). Side outputs carry the same watermarks as the main
  /// output.
  virtual void emit_side(const std::string& tag, batch_ptr b) {
    (void) tag;
    (void) b;
  }

  /// Keyed state of this operator; nullptr unless the operator is keyed.
  virtual keyed_state_backend* keyed_state() noexcept = 0;

  /// The last watermark this operator received.
  virtual timestamp current_watermark() const noexcept = 0;

  /// Wall-clock processing time in milliseconds since the epoch.
  virtual timestamp processing_time() const noexcept = 0;

  /// Asks the host to call this operator's `on_processing_time` once the
  /// wall clock reached `at` (ms since the epoch; a time in the past: as
  /// soon as possible). Requests are not queued: the host keeps the
  /// earliest one per operator and forgets it once it called back, so an
  /// operator asks again for its next time from the callback.
  virtual void request_processing_time(timestamp at) = 0;

  virtual operator_metrics& metrics() noexcept = 0;

  virtual const subtask_info& info() const noexcept = 0;

  /// Fails the job with `reason` (throws; never returns).
  [[noreturn]] void fail(const std::string& reason) const {
    throw exception(ec::operator_failed, reason);
  }
};

/// One item of an operator's list state (Flink's operator ListState):
/// opaque bytes, usually encoded with snapshot/state_codec.hpp.
struct list_state_item {
  std::string state;
  std::string bytes;
};

/// Passed to `snapshot_state`. An operator writes its operator list state
/// (e.g. a source's offsets) with `add_list_item`; keyed state is taken by
/// the host from the operator's keyed backend.
struct snapshot_context {
  uint64_t checkpoint_id = 0;
  timestamp checkpoint_timestamp = 0;
  /// Where `add_list_item` appends; nullptr when nothing is recorded.
  std::vector<list_state_item>* list_items = nullptr;

  /// Appends `bytes` to list state `state` of this checkpoint (items of one
  /// state keep their order).
  void add_list_item(std::string state, std::string bytes) const {
    if (list_items != nullptr)
      list_items->push_back(list_state_item{std::move(state), std::move(bytes)});
  }
};

/// Passed to `initialize_state`. `restored` is false on a fresh start.
struct initialization_context {
  bool restored = false;
  uint64_t restored_checkpoint_id = 0;
  /// The operator list state restored for this subtask, in order.
  std::vector<list_state_item> list_items;

  /// The restored items of list state `state`, in order.
  std::vector<std::string> restored_list(std::string_view state) const {
    std::vector<std::string> result;
    for (auto& item : list_items)
      if (item.state == state)
        result.push_back(item.bytes);
    return result;
  }
};

/// An operator: one stage of a chain. Every hook but `process` has a no-op
/// default. Call order: initialize_state, open, then any number of
/// process / on_watermark / on_processing_time / snapshot_state / notify_*,
/// then close (only at
/// end of input: a cancelled or failed subtask is not closed, it is
/// destroyed).
class stream_operator {
public:
  virtual ~stream_operator() = default;

  /// Restores (or initialises) state before `open`.
  virtual void initialize_state(const initialization_context&) {
  }

  /// Prepares the operator; may register keyed state.
  virtual void open(operator_context&) {
  }

  /// Handles one batch of input records (one virtual call per batch).
  virtual void process(const batch_ptr& in, operator_context& ctx) = 0;

  /// Event time advanced to `wm` on all inputs. The host forwards the
  /// watermark downstream after this returns.
  virtual void on_watermark(timestamp wm, operator_context& ctx) {
    (void) wm;
    (void) ctx;
  }

  /// The wall clock reached a time this operator asked for with
  /// `request_processing_time` (`now` is the current processing time).
  virtual void on_processing_time(timestamp now, operator_context& ctx) {
    (void) now;
    (void) ctx;
  }

  /// Whether the host forwards the watermarks this operator receives once
  /// `on_watermark` returned. False for an operator that makes its own
  /// (a timestamp and watermark assigner): then only the end-of-input
  /// watermark (max_timestamp) is forwarded; the operator emits the rest.
  virtual bool forwards_watermarks() const noexcept {
    return true;
  }

  /// Synchronous part of a checkpoint (called when barrier n is processed).
  virtual void snapshot_state(const snapshot_context&) {
  }

  /// How each operator list state is redistributed on a restore at another
  /// parallelism (states not listed: even split, Flink's getListState).
  virtual operator_state_modes list_state_modes() const {
    return {};
  }

  virtual void notify_checkpoint_complete(uint64_t checkpoint_id) {
    (void) checkpoint_id;
  }

  virtual void notify_checkpoint_aborted(uint64_t checkpoint_id) {
    (void) checkpoint_id;
  }

  /// End of input: every input delivered end-of-stream. May emit final
  /// records (they flow to the next operators, which are closed after).
  virtual void close(operator_context&) {
  }
};

/// What one `source_operator::emit_next` call achieved.
struct source_step {
  enum status_t { more, idle, finished };
  status_t status = more;
  /// With `idle`: ask again after this long.
  std::chrono::microseconds retry_after{1000};
};

/// A source: the first operator of a chain, without input. The host calls
/// `emit_next` once per actor message, so a cancel or kill lands between
/// steps; a step emits at most one batch of at most `max_records` records.
class source_operator : public stream_operator {
public:
  virtual source_step emit_next(operator_context& ctx, size_t max_records) = 0;

  /// Whether a restore replays exactly what followed the checkpoint: the
  /// source keeps its position in its operator state and can read from it
  /// again (a file, a generator, a replayable log). False by default: with
  /// checkpointing on, a job with a source that cannot replay (stdin, a
  /// socket, a host's inlet) is at-most-once for that input, and says so
  /// at start (environment::delivery_warnings, the REST job details).
  virtual bool replayable() const noexcept {
    return false;
  }

  void process(const batch_ptr&, operator_context& ctx) final {
    ctx.fail("a source has no input");
  }
};

using operator_ptr = std::unique_ptr<stream_operator>;

} // namespace sluice
