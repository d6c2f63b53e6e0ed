// Helpers of the checkpoint integration tests: a temporary directory, a
// retain-everything checkpoint config, running the keyed-count job, and
// reading an unaligned checkpoint with its channel state.
#pragma once

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>

#include "actors/contract/batch_codec.hpp"
#include "tests/checkpoint/keyed_count_job.hpp"

namespace sluice::testing {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path()
           / ("sluice-ckpt-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code err;
    std::filesystem::remove_all(path, err);
  }
};

/// Filesystem storage under `dir`, every completed checkpoint retained and
/// kept after the job ends, so a test can read them all.
inline checkpoint_config retain_all(const std::filesystem::path& dir,
                                    std::chrono::milliseconds interval) {
  checkpoint_config cfg;
  cfg.interval = interval;
  cfg.storage = checkpoint_storage_type::filesystem;
  cfg.dir = dir.string();
  cfg.retained = 10'000;
  cfg.externalized = externalized_cleanup::retain_on_cancellation;
  cfg.timeout = std::chrono::milliseconds{60'000};
  return cfg;
}

struct keyed_count_run {
  job_result result;
  checkpoint_storage_ptr storage;
  checkpoint_stats_snapshot stats;
  std::string job_id;
  uint64_t seen = 0;
};

inline keyed_count_run run_keyed_count(const keyed_count_options& o,
                                       const checkpoint_config& cfg) {
  auto pc = default_pipeline_config();
  pc.threads = 2;
  environment env{pc};
  env.set_checkpoint_config(cfg);
  env.set_state_config(o.state);
  auto seen = std::make_shared<std::atomic<uint64_t>>(0);
  build_keyed_count_job(env, o, seen);
  auto job = env.execute_async("keyed-count");
  keyed_count_run run;
  run.result = job.wait();
  run.storage = job.storage();
  run.stats = job.checkpoint_stats();
  run.job_id = job.job_id();
  run.seen = seen->load();
  return run;
}

inline int64_t total(const std::map<uint64_t, int64_t>& counts) {
  int64_t sum = 0;
  for (auto& [k, n] : counts)
    sum += n;
  return sum;
}

/// Longest alignment of any subtask in the retained history (ns).
inline int64_t max_alignment(const checkpoint_stats_snapshot& s, const std::string&) {
  int64_t result = 0;
  for (auto& e : s.history)
    for (auto& sub : e.subtasks)
      result = std::max<int64_t>(result, sub.alignment_duration.count());
  return result;
}

/// An unaligned checkpoint replayed: the keyed state plus the records in
/// flight towards the keyed operator (its input channel state and the
/// sources' overtaken output), as a restore would apply them.
struct unaligned_view {
  std::map<std::string, std::vector<uint64_t>> offsets;
  std::map<uint64_t, int64_t> replayed_counts;
  uint64_t in_flight_records = 0;
};

inline unaligned_view read_unaligned_checkpoint(const checkpoint_storage& storage, uint64_t id) {
  unaligned_view u;
  auto v = read_checkpoint(storage, id);
  u.offsets = v.offsets;
  u.replayed_counts = v.counts;
  auto codec = make_batch_codec<keyed_record>();
  auto md = storage.read_metadata(id);
  for (auto& op : md.operators) {
    // Everything in flight upstream of the counts' state: every channel
    // except the counts' output and the sink's input.
    for (auto& sub : op.subtasks)
      for (auto& h : sub.handles)
        for (auto& b : storage.read_state(id, h).channel_batches) {
          bool towards_counts = (op.uid != counts_uid || b.direction == channel_direction::input)
                                && op.uid != "sink";
          if (!towards_counts)
            continue;
          auto batch = codec.decode(b.bytes, "channel state");
          for (auto& r : records_of<keyed_record>(*batch)) {
            u.replayed_counts[r.first] += r.second;
            ++u.in_flight_records;
          }
        }
  }
  return u;
}

} // namespace sluice::testing
