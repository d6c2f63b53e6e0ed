// A chain of operators hosted by one subtask (Flink's OperatorChain).
//
// Plain class, no CAF: the subtask actor owns one and feeds it batches and
// watermarks; the chain runs them through its operators synchronously (one
// virtual call per operator per batch) and routes the last operator's output
// to the edge routers, which hand finished batches to the `channel_sink` of
// each output (the actor's side: sequence numbers, actor handles).
//
// Exceptions of operators propagate to the caller (the subtask), which knows
// `failing_operator()` to name the culprit.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/contract/operator.hpp"
#include "actors/contract/output_router.hpp"
#include "snapshot/incremental_chain.hpp"
#include "snapshot/keyed_state_backend.hpp"

namespace sluice {

class operator_chain {
public:
  /// One operator of the chain and its identity.
  struct link {
    operator_ptr op;
    subtask_info info;
    /// Keyed state of a keyed operator; nullptr otherwise.
    std::unique_ptr<keyed_state_backend> state;
    /// Set by the chain when `state` takes incremental snapshots.
    std::shared_ptr<incremental_chain> chain;
  };

  /// `sinks[i]` receives what `routers[i]` produces; both vectors have the
  /// same size (one per outgoing edge; empty for a sink chain).
  /// `side_outputs[i]` is the side output tag router i carries (empty or
  /// missing: the main output); the last operator's `emit_side(tag, b)`
  /// reaches the routers of `tag`, its `emit(b)` those of the main output.
  operator_chain(std::vector<link> links,
                 std::vector<std::unique_ptr<output_router>> routers,
                 std::vector<channel_sink*> sinks,
                 std::vector<std::string> side_outputs = {});
  ~operator_chain();

  operator_chain(const operator_chain&) = delete;
  operator_chain& operator=(const operator_chain&) = delete;

  /// Calls initialize_state and open on every operator, head first;
  /// operator i gets `inits[i]` (a fresh start for operators beyond
  /// `inits`, so `open({})` starts every operator fresh).
  void open(const std::vector<initialization_context>& inits);

  /// Whether the head operator is a source.
  bool is_source() const noexcept;

  /// Runs one step of the head source. Precondition: `is_source()`.
  source_step emit_next(size_t max_records);

  /// Feeds an input batch to the head operator.
  void process(const batch_ptr& b);

  /// Feeds a combined input watermark to the head operator; each operator
  /// passes it on after its `on_watermark` hook, the last one to the outputs.
  void process_watermark(timestamp wm);

  /// Advances event time to the end (max watermark from the head source,
  /// or as input), without closing anything (`stop --drain`).
  void emit_max_watermark();

  /// End of input: advances event time to the end (max watermark, so
  /// pending event-time work fires), then closes the operators head first
  /// (what a closing operator emits reaches the still-open operators after
  /// it).
  void finish_input();

  /// Calls `on_processing_time(now)` of every operator whose requested
  /// processing time (operator_context::request_processing_time) is at or
  /// before `now`, head first.
  void fire_processing_time(timestamp now);

  /// The earliest processing time an operator asked for; max_timestamp
  /// when none.
  timestamp next_processing_time() const noexcept;

  /// The wall clock as operators see it (ms since the epoch).
  timestamp processing_time() noexcept;

  /// Hands all buffered partial batches to the sinks.
  void flush();

  /// Whether any router holds a partial batch.
  bool has_buffered() const noexcept;

  /// The synchronous part of a checkpoint for one operator: its list
  /// state items and a copy of its keyed state, detached from the chain
  /// (the asynchronous part writes it while the chain goes on).
  struct operator_state_copy {
    std::string uid;
    uint32_t parallelism = 1;
    uint32_t max_parallelism = 1;
    key_group_range key_groups = key_group_range::empty_range();
    std::vector<list_state_item> list_items;
    /// nullptr for an operator without keyed state.
    std::unique_ptr<keyed_state_snapshot> keyed;
    /// Incremental keyed state (lmdb, `state.incremental`): where the
    /// asynchronous part records this checkpoint's chain of shared files,
    /// and the chain of the base checkpoint a delta builds on (empty for a
    /// full snapshot). nullptr otherwise.
    std::shared_ptr<incremental_chain> chain;
    handle_chain base_chain;

    /// Nothing to write. Never true with incremental keyed state: even an
    /// empty snapshot records its chain.
    bool empty() const noexcept {
      return list_items.empty() && (!keyed || keyed->num_entries() == 0) && !chain;
    }
  };

  /// Calls every operator's snapshot_state and copies its keyed state.
  /// One entry per operator, head first.
  std::vector<operator_state_copy> snapshot_state(uint64_t checkpoint_id, timestamp ts);
  void notify_checkpoint_complete(uint64_t checkpoint_id);
  void notify_checkpoint_aborted(uint64_t checkpoint_id);

  /// Sum of the metrics of every operator: records_in of the head,
  /// records_out of the tail.
  operator_metrics metrics() const;

  /// The operator whose hook is running or threw last, for error messages.
  const subtask_info& failing_operator() const noexcept;

  size_t size() const noexcept {
    return links_.size();
  }

  /// Watermarks leaving the chain are reported here (the subtask forwards
  /// them on every output channel after flushing).
  std::function<void(timestamp)> on_output_watermark;

  /// An operator asked to be called back at processing time `at` (earlier
  /// than what it asked before): the subtask schedules
  /// `fire_processing_time` then.
  std::function<void(timestamp)> on_processing_time_request;

  /// An operator declared its output idle (true) or active again: the
  /// subtask tells every output channel.
  std::function<void(bool)> on_output_status;

private:
  /// Ends the state backends' batch (lmdb commits its write transaction):
  /// called at the end of every call that may have touched keyed state.
  void end_state_batches();

  class context;

  void emit_from(size_t index, batch_ptr b);
  void emit_side_from(size_t index, const std::string& tag, batch_ptr b);
  void watermark_from(size_t index, timestamp wm);

  std::vector<link> links_;
  std::vector<std::unique_ptr<context>> contexts_;
  std::vector<std::unique_ptr<output_router>> routers_;
  std::vector<channel_sink*> sinks_;
  /// Per router: its side output tag (empty: main output).
  std::vector<std::string> side_outputs_;
  /// Indices of the routers of the main output.
  std::vector<size_t> main_routers_;
  size_t active_ = 0;
  /// Last watermark reported through `on_output_watermark`.
  timestamp output_watermark_ = min_timestamp;
};

} // namespace sluice
