// Helpers of the checkpoint coordinator's end-to-end tests
// (coordinator_test.cpp): a small keyed job whose source can open slowly
// and whose sink can fail after some completed checkpoints, running it
// asynchronously, polling, and listing what a job left on disk.
//
// The probe job: a skewed source (parallelism 2, uid "source", records as
// keyed_count_job.hpp's `skewed_source`, so `reference_counts` applies) ->
// key_by -> rolling sum (uid "counts") -> probe sink (chained to the sum).
// With the default count it runs until cancelled.
#pragma once

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/checkpoint/checkpoint_test_util.hpp"
#include "tests/poll_until.hpp"

namespace sluice::testing {

/// What the probe job's operators observed.
struct job_probe {
  /// Steady clock (ns since its epoch) when source subtask 0's slow open
  /// returned; 0 until then.
  std::atomic<int64_t> open_done_steady_ns{0};
  /// The same moment in wall-clock milliseconds since the epoch.
  std::atomic<int64_t> open_done_wall_ms{0};
  /// Records that reached the sink (the probe job's probe sink, the
  /// keyed-count job's sink), over all attempts: tests wait on it for "the
  /// job is processing" instead of sleeping.
  std::atomic<uint64_t> seen{0};
};

struct probe_job_options {
  /// Records over all source subtasks; the default never ends.
  uint64_t count = uint64_t{1} << 60;
  size_t per_step = 32;
  std::chrono::microseconds pause{2000};
  uint32_t source_parallelism = 2;
  uint32_t keyed_parallelism = 2;
  uint64_t keys = 20;
  uint64_t seed = 7;
  /// Source subtask 0 sleeps this long in `open()` (a slow deployment).
  std::chrono::milliseconds open_delay{0};
  /// >= 0: every sink subtask throws on its first batch after it was told
  /// of this many completed checkpoints.
  int64_t fail_after_completed = -1;
  uint32_t batch_size = 64;
};

/// `skewed_source` (shared record sequence and "offset" state) with a slow
/// open on subtask 0.
class probe_source final : public source_operator {
public:
  probe_source(const probe_job_options& o, std::shared_ptr<job_probe> probe)
    : inner_(o.seed, o.count, o.keys, o.per_step, o.pause),
      open_delay_(o.open_delay),
      probe_(std::move(probe)) {
  }

  void open(operator_context& ctx) override {
    if (ctx.info().subtask_index == 0 && open_delay_.count() > 0) {
      std::this_thread::sleep_for(open_delay_);
      probe_->open_done_wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
      probe_->open_done_steady_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      checkpoint_clock::now().time_since_epoch())
                                      .count();
    }
    inner_.open(ctx);
  }

  void snapshot_state(const snapshot_context& ctx) override {
    inner_.snapshot_state(ctx);
  }

  source_step emit_next(operator_context& ctx, size_t max_records) override {
    return inner_.emit_next(ctx, max_records);
  }

private:
  skewed_source inner_;
  std::chrono::milliseconds open_delay_;
  std::shared_ptr<job_probe> probe_;
};

/// Counts records; optionally fails after `fail_after` completed checkpoints.
class probe_sink final : public stream_operator {
public:
  probe_sink(int64_t fail_after, std::shared_ptr<job_probe> probe)
    : fail_after_(fail_after), probe_(std::move(probe)) {
  }

  void process(const batch_ptr& in, operator_context& ctx) override {
    if (fail_after_ >= 0 && completed_ >= fail_after_)
      ctx.fail("injected sink failure after " + std::to_string(completed_)
               + " completed checkpoints");
    probe_->seen += in->size();
  }

  void notify_checkpoint_complete(uint64_t) override {
    ++completed_;
  }

private:
  int64_t fail_after_;
  int64_t completed_ = 0;
  std::shared_ptr<job_probe> probe_;
};

inline void build_probe_job(environment& env, const probe_job_options& o,
                            std::shared_ptr<job_probe> probe) {
  env.set_batch_size(o.batch_size);
  auto src = env
               .add_source<keyed_record>(
                 "source", [o, probe] { return std::make_unique<probe_source>(o, probe); },
                 o.source_parallelism)
               .uid("source");
  auto sums = src.key_by([](const keyed_record& r) { return r.first; })
                .template sum<1>()
                .uid(counts_uid)
                .parallelism(o.keyed_parallelism);
  auto fail_after = o.fail_after_completed;
  sums.template then<keyed_record>("probe-sink", [fail_after, probe] {
        return std::make_unique<probe_sink>(fail_after, probe);
      })
    .uid("sink")
    .parallelism(o.keyed_parallelism);
}

/// The keyed_count_options whose `reference_counts` fits the probe job.
inline keyed_count_options reference_options(const probe_job_options& o) {
  keyed_count_options k;
  k.fast = source_spec{"source", o.seed, o.count, o.per_step, o.pause};
  k.slow = source_spec{"no-such-source", 0, 0, 1, std::chrono::microseconds{0}};
  k.keys = o.keys;
  return k;
}

/// A submitted job with the environment it runs in (destroying it cancels
/// the job and waits for it).
struct running_job {
  std::unique_ptr<environment> env;
  job_client job;
  std::shared_ptr<job_probe> probe;

  std::filesystem::path job_dir() const {
    return job.storage() ? job.storage()->job_dir() : std::filesystem::path{};
  }
};

/// Submits the probe job on an own 2-thread actor system (with `restart`
/// as its restart strategy when given); returns at once.
inline running_job start_probe_job(const probe_job_options& o, const checkpoint_config& cfg,
                                   std::optional<restart_config> restart = std::nullopt) {
  auto pc = default_pipeline_config();
  pc.threads = 2;
  auto env = std::make_unique<environment>(pc);
  env->set_checkpoint_config(cfg);
  if (restart)
    env->set_restart_strategy(*restart);
  auto probe = std::make_shared<job_probe>();
  build_probe_job(*env, o, probe);
  auto job = env->execute_async("probe-job");
  return running_job{std::move(env), std::move(job), std::move(probe)};
}

/// Submits the keyed-count job (keyed_count_job.hpp), with `restart` as its
/// restart strategy when given, started from the savepoint or checkpoint
/// `restore` when given (in restore `mode`); returns at once.
inline running_job start_keyed_count(const keyed_count_options& o, const checkpoint_config& cfg,
                                     std::optional<restart_config> restart = std::nullopt,
                                     std::optional<std::filesystem::path> restore = std::nullopt,
                                     bool allow_non_restored_state = false,
                                     restore_mode mode = restore_mode::no_claim) {
  auto pc = default_pipeline_config();
  pc.threads = 2;
  auto env = std::make_unique<environment>(pc);
  env->set_checkpoint_config(cfg);
  env->set_state_config(o.state);
  if (restart)
    env->set_restart_strategy(*restart);
  if (restore)
    env->restore_from(*restore, mode).allow_non_restored_state(allow_non_restored_state);
  auto probe = std::make_shared<job_probe>();
  // The sink counts into the probe (aliasing: the probe owns the counter).
  std::shared_ptr<std::atomic<uint64_t>> seen{probe, &probe->seen};
  build_keyed_count_job(*env, o, seen);
  auto job = env->execute_async("keyed-count");
  return running_job{std::move(env), std::move(job), std::move(probe)};
}

/// Ids of the `chk-<n>` directories directly under `job_dir`.
inline std::set<uint64_t> chk_dirs(const std::filesystem::path& job_dir) {
  std::set<uint64_t> ids;
  std::error_code err;
  for (auto it = std::filesystem::directory_iterator(job_dir, err);
       !err && it != std::filesystem::directory_iterator(); it.increment(err)) {
    auto name = it->path().filename().string();
    if (it->is_directory() && name.rfind("chk-", 0) == 0)
      ids.insert(std::stoull(name.substr(4)));
  }
  return ids;
}

/// Everything under `job_dir` (files and directories, recursively) that is
/// neither a `chk-<n>` directory with n in `keep` nor inside one: orphans.
inline std::vector<std::string> orphans(const std::filesystem::path& job_dir,
                                        const std::set<uint64_t>& keep) {
  std::vector<std::string> result;
  std::error_code err;
  for (auto it = std::filesystem::recursive_directory_iterator(job_dir, err);
       !err && it != std::filesystem::recursive_directory_iterator(); it.increment(err)) {
    auto rel = std::filesystem::relative(it->path(), job_dir);
    auto top = rel.begin()->string();
    bool kept = false;
    if (top.rfind("chk-", 0) == 0) {
      try {
        kept = keep.count(std::stoull(top.substr(4))) > 0;
      } catch (...) {
        kept = false;
      }
    }
    if (!kept)
      result.push_back(rel.string());
  }
  return result;
}

/// Completed checkpoint ids in a stats history, newest first.
inline std::vector<uint64_t> completed_ids_of(const checkpoint_stats_snapshot& s) {
  std::vector<uint64_t> ids;
  for (auto& e : s.history)
    if (e.status == checkpoint_status::completed)
      ids.push_back(e.checkpoint_id);
  return ids;
}

/// History entries that failed with `reason`.
inline size_t failed_with(const checkpoint_stats_snapshot& s, checkpoint_failure_reason reason) {
  size_t n = 0;
  for (auto& e : s.history)
    if (e.status == checkpoint_status::failed && e.failure_reason == reason)
      ++n;
  return n;
}

inline int64_t steady_ns(checkpoint_time t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

inline double to_ms(checkpoint_duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

/// A bounded probe job of about `steps` source steps per subtask.
inline probe_job_options bounded(uint64_t steps) {
  probe_job_options o;
  o.count = steps * o.per_step * o.source_parallelism;
  return o;
}

/// Filesystem storage under `dir`, retained checkpoints kept after the end.
inline checkpoint_config fs_config(const std::filesystem::path& dir, std::chrono::milliseconds interval,
                            int32_t retained = 10'000) {
  auto cfg = retain_all(dir, interval);
  cfg.retained = retained;
  return cfg;
}

inline void require_no_orphans(const std::filesystem::path& job_dir, const std::set<uint64_t>& keep) {
  auto left = orphans(job_dir, keep);
  for (auto& f : left)
    BOOST_ERROR("orphan left in the job directory: " << f);
}

} // namespace sluice::testing
