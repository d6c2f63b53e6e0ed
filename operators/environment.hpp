// The entry point of the C++ API (Flink's StreamExecutionEnvironment).
//
//   sluice::environment env;                    // own actor system
//   env.set_parallelism(2);
//   auto out = env.from_collection(std::vector<int>{1, 2, 3})
//                .map([](int x) { return x * 10; })
//                .collect();
//   auto result = env.execute("example");       // blocks (bounded job)
//
// An environment either owns its actor system (started on the first
// execute, with `pipeline.threads` threads) or runs jobs on a host's
// `caf::actor_system` (embedding). Not thread-safe: build and submit jobs
// from one thread; the job handles may be used from any thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "actors/job/runtime.hpp"
#include "actors/config/restore_mode.hpp"
#include "operators/sources.hpp"
#include "operators/stream.hpp"

namespace caf {
class actor_system;
} // namespace caf

namespace sluice {

class environment {
public:
  /// Own actor system, compiled-in defaults.
  environment();

  /// Own actor system, the given configuration.
  explicit environment(pipeline_config cfg);

  /// Jobs run on the host's actor system, which must outlive this object.
  explicit environment(caf::actor_system& host,
                       pipeline_config cfg = default_pipeline_config());

  /// Cancels and waits for jobs still running; stops an own actor system.
  ~environment();

  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;

  // One way to set each thing: the pipeline.* options through the
  // constructor's pipeline_config and the set_* calls below; each other
  // option group (checkpointing, state, restart strategy) as a whole
  // through its set_* call. The accessors only read.

  /// The pipeline.* options of the jobs executed next.
  const pipeline_config& config() const noexcept {
    return cfg_;
  }

  environment& set_parallelism(uint32_t p) {
    cfg_.parallelism = p;
    return *this;
  }

  environment& set_max_parallelism(uint32_t p) {
    cfg_.max_parallelism = p;
    return *this;
  }

  environment& set_batch_size(uint32_t n) {
    cfg_.batch_size = n;
    return *this;
  }

  environment& set_buffer_timeout(std::chrono::milliseconds t) {
    cfg_.buffer_timeout = t;
    return *this;
  }

  /// How often timestamp assigners emit periodic watermarks (Flink's
  /// setAutoWatermarkInterval; 0: off).
  environment& set_auto_watermark_interval(std::chrono::milliseconds t) {
    cfg_.auto_watermark_interval = t;
    return *this;
  }

  /// The `checkpointing.*` options of the jobs executed next (compiled-in
  /// defaults until changed; Flink's env.getCheckpointConfig()).
  const checkpoint_config& checkpointing() const noexcept {
    return ckpt_;
  }

  /// The `state.*` options of the jobs executed next (compiled-in defaults
  /// until changed).
  const state_config& state() const noexcept {
    return state_;
  }

  /// Sets every `state.*` option (Flink's env.setStateBackend), e.g.
  /// `auto s = env.state(); s.backend = state_backend_kind::lmdb;
  /// env.set_state_config(s);`.
  environment& set_state_config(state_config c) {
    state_ = std::move(c);
    return *this;
  }

  /// The jobs executed next start from the completed checkpoint at `path`
  /// (its `_metadata` or `chk-<n>` directory; Flink's `-s`): keyed and
  /// operator state restored by operator uid, sources continuing from their
  /// offsets, checkpoint ids after the restored one. Throws
  /// sluice::exception naming the path when it holds no readable checkpoint
  /// (see load_restore_point). `mode` says who owns the snapshot
  /// afterwards (restore_mode: no_claim leaves it to the user; claim lets
  /// the job delete it once subsumed).
  environment& restore_from(const std::filesystem::path& path,
                            restore_mode mode = restore_mode::no_claim);

  /// Whether state of operators the job no longer has may be skipped when
  /// restoring (Flink's --allow-non-restored-state); default false: such a
  /// restore fails naming the operators.
  environment& allow_non_restored_state(bool allow) {
    allow_non_restored_ = allow;
    return *this;
  }

  /// What the last execute_async's restore warned about (skipped state,
  /// generated uids); empty without a restore.
  const std::vector<std::string>& restore_warnings() const noexcept {
    return restore_warnings_;
  }

  /// After `execute_async`: one sentence per source that cannot replay
  /// while checkpointing is on (the job is at-most-once for its input; see
  /// actors/job/delivery_guarantee.hpp). `sluice run` prints them at start.
  const std::vector<std::string>& delivery_warnings() const noexcept {
    return delivery_warnings_;
  }

  /// The `restart-strategy.*` options of the jobs executed next
  /// (compiled-in defaults until changed; type unset: exponential-delay
  /// when the job checkpoints, none when not, resolved by `execute`).
  const restart_config& restart() const noexcept {
    return restart_;
  }

  /// Sets every `restart-strategy.*` option (Flink's
  /// env.setRestartStrategy(RestartStrategies.x(...))), e.g.
  /// `set_restart_strategy(restart_config::fixed_delay(3, 10s))`.
  environment& set_restart_strategy(restart_config c) {
    restart_ = std::move(c);
    return *this;
  }

  /// Sets every `checkpointing.*` option, e.g. checkpoints every second
  /// (Flink's enableCheckpointing): `auto c = env.checkpointing();
  /// c.interval = 1s; env.set_checkpoint_config(c);`.
  environment& set_checkpoint_config(checkpoint_config c) {
    ckpt_ = std::move(c);
    return *this;
  }

  /// A bounded source of `xs`, parallelism 1 (like Flink's fromCollection),
  /// replayable and rescalable (operators/sources.hpp). `rate` > 0 limits
  /// it to that many elements per second (0: as fast as possible).
  template <class T>
  stream<T> from_collection(std::vector<T> xs, double rate = 0) {
    auto shared = std::make_shared<const std::vector<T>>(std::move(xs));
    auto id = graph_.add_source(
      "collection",
      [shared, rate] { return std::make_unique<collection_source<T>>(shared, rate); }, 1);
    return stream<T>{graph_, id};
  }

  /// A source emitting what the host pushes into `in` (see actors/subtask/inlet.hpp
  /// and, for host actors, actors/contract/actor_io.hpp); it ends when `in` is closed
  /// and drained. With parallelism above 1 the subtasks share the inlet.
  /// An empty inlet is polled every `poll`. Not replayable: after a restart
  /// the records drained before it are not seen again.
  template <class T>
  stream<T> from_inlet(inlet_ptr<T> in, uint32_t parallelism = 1,
                       std::chrono::microseconds poll = std::chrono::microseconds{500}) {
    auto id = graph_.add_source(
      "inlet", [in, poll] { return std::make_unique<inlet_source<T>>(in, poll); },
      parallelism);
    return stream<T>{graph_, id};
  }

  /// The seeds' click-event generator (replayable; parallel by default).
  stream<event> click_events(click_source_options opts = {});

  /// Adds a custom source operator emitting records of type T.
  template <class T>
  stream<T> add_source(std::string name, operator_factory f, uint32_t parallelism = 0) {
    return stream<T>{graph_, graph_.add_source(std::move(name), std::move(f), parallelism)};
  }

  /// Runs the job built so far and blocks until it ends. Throws
  /// sluice::exception (ec::invalid_option / ec::invalid_job_graph) when the
  /// configuration (pipeline, checkpointing, state, restart strategy) or the
  /// graph is invalid;
  /// otherwise returns how the job ended.
  job_result execute(std::string job_name = "sluice job");

  /// Like `execute`, but returns a handle at once (status, cancel, wait).
  job_client execute_async(std::string job_name = "sluice job");

  /// The actor system jobs run on (an own one is started on first use).
  caf::actor_system& system() {
    return rt().system();
  }

private:
  runtime& rt();

  pipeline_config cfg_;
  checkpoint_config ckpt_;
  state_config state_;
  restart_config restart_;
  std::shared_ptr<const restore_point> restore_;
  bool allow_non_restored_ = false;
  std::vector<std::string> restore_warnings_;
  std::vector<std::string> delivery_warnings_;
  graph_builder graph_;
  caf::actor_system* host_ = nullptr;
  std::shared_ptr<runtime> rt_;
};

} // namespace sluice
