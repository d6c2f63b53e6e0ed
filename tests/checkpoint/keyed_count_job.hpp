// The job of the checkpoint integration tests, and how to check a completed
// checkpoint of it against a reference.
//
// Two sources of different speeds (parallelism 2 each; the slow one behind
// a slow enrichment step), records (key, 1) with skewed keys, a hash
// exchange into a keyed rolling sum at parallelism 3 (every keyed subtask
// has 3 upstream senders), and a sink that may be throttled. Record i of source subtask s is a pure function of (source
// seed, i), and a source's offset (operator list state "offset") is the next
// index it would emit, so the state a checkpoint must hold is computable
// from the offsets it recorded: `reference_counts`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "operators/environment.hpp"
#include "snapshot/checkpoint_storage.hpp"
#include "snapshot/state_codec.hpp"

namespace sluice::testing {

using keyed_record = std::pair<uint64_t, int64_t>;

/// Skewed keys: about half the records go to key 0, the rest spread over
/// `keys` keys.
inline uint64_t key_of(uint64_t seed, uint64_t i, uint64_t keys) {
  auto h = (i + 1) * 0x9e3779b97f4a7c15ull ^ seed;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return (h & 1) == 0 ? 0 : h % keys;
}

/// Emits (key_of(seed, i), 1) for i = subtask, subtask + parallelism, ...
/// below `count`; at most `per_step` records per step, then pauses `pause`.
class skewed_source final : public source_operator {
public:
  skewed_source(uint64_t seed, uint64_t count, uint64_t keys, size_t per_step,
                std::chrono::microseconds pause)
    : seed_(seed), count_(count), keys_(keys), per_step_(per_step), pause_(pause) {
  }

  void initialize_state(const initialization_context& ctx) override {
    restored_ = restored_offset(ctx, "skewed source");
  }

  void open(operator_context& ctx) override {
    next_ = restored_.value_or(ctx.info().subtask_index);
    stride_ = ctx.info().parallelism;
  }

  void snapshot_state(const snapshot_context& ctx) override {
    std::string bytes;
    encode_value(next_, bytes);
    ctx.add_list_item("offset", std::move(bytes));
  }

  /// Rewinds to its checkpointed offset (at the same parallelism).
  bool replayable() const noexcept override {
    return true;
  }

  source_step emit_next(operator_context& ctx, size_t max_records) override {
    std::vector<keyed_record> out;
    auto n = std::min(max_records, per_step_);
    for (; next_ < count_ && out.size() < n; next_ += stride_)
      out.emplace_back(key_of(seed_, next_, keys_), 1);
    if (!out.empty())
      ctx.emit(make_batch(std::move(out)));
    if (next_ >= count_)
      return {source_step::finished};
    if (pause_.count() > 0)
      return {source_step::idle, pause_};
    return {source_step::more};
  }

private:
  uint64_t seed_, count_, keys_;
  size_t per_step_;
  std::chrono::microseconds pause_;
  std::optional<uint64_t> restored_;
  uint64_t next_ = 0;
  uint64_t stride_ = 1;
};

/// Forwards every batch after sleeping `delay` (a slow enrichment step):
/// the slow path's barriers wait behind its queued data.
class slow_forward final : public stream_operator {
public:
  explicit slow_forward(std::chrono::microseconds delay) : delay_(delay) {
  }
  void process(const batch_ptr& in, operator_context& ctx) override {
    if (delay_.count() > 0)
      std::this_thread::sleep_for(delay_);
    ctx.emit(in);
  }

private:
  std::chrono::microseconds delay_;
};

/// Injected failures in user code: a sink instance that has taken
/// `after` records throws while `remaining` > 0 (each throw takes one).
struct sink_failures {
  std::atomic<int> remaining{0};
  uint64_t after = 0;
};

/// Sleeps `delay` per batch (a slow external system); may throw (above).
class slow_sink final : public stream_operator {
public:
  slow_sink(std::chrono::microseconds delay, std::shared_ptr<std::atomic<uint64_t>> seen,
            std::shared_ptr<sink_failures> failures)
    : delay_(delay), seen_(std::move(seen)), failures_(std::move(failures)) {
  }
  void process(const batch_ptr& in, operator_context&) override {
    if (delay_.count() > 0)
      std::this_thread::sleep_for(delay_);
    *seen_ += in->size();
    taken_ += in->size();
    if (failures_ && taken_ >= failures_->after && failures_->remaining.fetch_sub(1) > 0)
      throw std::runtime_error("injected sink failure after " + std::to_string(taken_)
                               + " records");
  }

private:
  std::chrono::microseconds delay_;
  std::shared_ptr<std::atomic<uint64_t>> seen_;
  std::shared_ptr<sink_failures> failures_;
  uint64_t taken_ = 0;
};

struct source_spec {
  std::string uid;
  uint64_t seed = 1;
  uint64_t count = 0;
  size_t per_step = 256;
  std::chrono::microseconds pause{0};
};

struct keyed_count_options {
  source_spec fast{"fast-source", 11, 60'000, 256, std::chrono::microseconds{2000}};
  source_spec slow{"slow-source", 23, 12'000, 64, std::chrono::microseconds{0}};
  /// Per batch of the slow source's enrichment step (parallelism 1).
  std::chrono::microseconds slow_path_delay{1000};
  uint64_t keys = 50;
  uint32_t keyed_parallelism = 3;
  std::chrono::microseconds sink_delay{0};
  uint32_t batch_size = 64;
  /// Where the keyed sum keeps its state (`state.*`).
  state_config state;
  /// Throws from the sink (user code); none when null.
  std::shared_ptr<sink_failures> sink_throws;
};

inline constexpr const char* counts_uid = "counts";

/// Adds the job to `env`; `seen` counts what reaches the sink.
inline void build_keyed_count_job(environment& env, const keyed_count_options& o,
                                  std::shared_ptr<std::atomic<uint64_t>> seen) {
  env.set_batch_size(o.batch_size);
  auto source = [&](const source_spec& s) {
    auto keys = o.keys;
    return env
      .add_source<keyed_record>(
        s.uid, [s, keys] {
          return std::make_unique<skewed_source>(s.seed, s.count, keys, s.per_step, s.pause);
        },
        2)
      .uid(s.uid);
  };
  auto fast = source(o.fast);
  auto path_delay = o.slow_path_delay;
  auto slow = source(o.slow)
                .rebalance()
                .template then<keyed_record>("slow-map", [path_delay] {
                  return std::make_unique<slow_forward>(path_delay);
                })
                .uid("slow-map")
                .parallelism(1);
  auto key = [](const keyed_record& r) { return r.first; };
  // Two sources into one keyed operator: union by re-keying both.
  auto merged = fast.union_with(slow);
  auto sums = merged.key_by(key).template sum<1>().uid(counts_uid).parallelism(o.keyed_parallelism);
  auto delay = o.sink_delay;
  auto throws = o.sink_throws;
  sums.template then<keyed_record>("slow-sink", [delay, seen, throws] {
        return std::make_unique<slow_sink>(delay, seen, throws);
      })
    .uid("sink")
    .parallelism(2);
}

/// key -> count over records [0, offset) of every source subtask recorded.
inline std::map<uint64_t, int64_t>
reference_counts(const keyed_count_options& o,
                 const std::map<std::string, std::vector<uint64_t>>& offsets) {
  std::map<uint64_t, int64_t> counts;
  for (auto* s : {&o.fast, &o.slow}) {
    auto it = offsets.find(s->uid);
    if (it == offsets.end())
      continue;
    for (size_t sub = 0; sub < it->second.size(); ++sub)
      for (uint64_t i = sub; i < it->second[sub]; i += it->second.size())
        ++counts[key_of(s->seed, i, o.keys)];
  }
  return counts;
}

/// What one completed checkpoint holds of the job.
struct checkpoint_view {
  uint64_t id = 0;
  /// Source uid -> offset per subtask (index = subtask).
  std::map<std::string, std::vector<uint64_t>> offsets;
  /// The keyed operator's state: key -> sum.
  std::map<uint64_t, int64_t> counts;
  /// State files read for the keyed operator (a chain counts each file).
  size_t counts_files = 0;
};

inline checkpoint_view read_checkpoint(const checkpoint_storage& storage, uint64_t id) {
  checkpoint_view v;
  v.id = id;
  auto md = storage.read_metadata(id);
  for (auto& op : md.operators) {
    for (auto& sub : op.subtasks) {
      for (auto& h : sub.handles) {
        auto contents = storage.read_state(id, h);
        if (op.uid == counts_uid) {
          ++v.counts_files;
          // Handles in order: with incremental state the chain's base
          // first, then each delta (a tombstone removes the key).
          for (auto& e : contents.keyed) {
            // uint64_t keys are 8 little-endian bytes (snapshot/key_groups.hpp).
            uint64_t key = 0;
            for (size_t b = 0; b < 8 && b < e.key.size(); ++b)
              key |= uint64_t{static_cast<uint8_t>(e.key[b])} << (8 * b);
            if (e.deleted)
              v.counts.erase(key);
            else
              v.counts[key] = decode_value<int64_t>(e.value, "count");
          }
        }
        for (auto& item : contents.operator_lists) {
          if (item.state != "offset")
            continue;
          auto& vec = v.offsets[op.uid];
          vec.resize(op.parallelism, 0);
          vec[sub.index] = decode_value<uint64_t>(item.item, "offset");
        }
      }
    }
  }
  return v;
}

} // namespace sluice::testing
