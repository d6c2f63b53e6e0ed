#include "apps/bench/recovery_bench.hpp"
#include "apps/bench/scratch_dir.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/job/job_master.hpp"
#include "operators/environment.hpp"
#include "snapshot/checkpoint_storage.hpp"
#include "snapshot/state_file_reader.hpp"

namespace sluice::bench {

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Records after the fill: the job is cancelled long before they run out.
constexpr uint64_t min_loop_records = 200'000'000;
/// Every wait of the procedure gives up after this long (a hang guard).
constexpr auto phase_timeout = 15min;
constexpr size_t keyed_parallelism = 2;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now().time_since_epoch())
    .count();
}

double ms_between(int64_t from_ns, int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / 1e6;
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0; // KiB on Linux
}

struct record {
  uint64_t key = 0;
  uint64_t seq = 0;
  std::string payload;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, record& x) {
  return f(caf::meta::type_name("recovery_record"), x.key, x.seq, x.payload);
}

/// What the job's operators observed; shared by every attempt. "old": the
/// first attempt (killed at t0), "new": any later one.
struct probe {
  explicit probe(uint64_t k) : keys(k) {
  }

  const uint64_t keys;
  /// Attempt id of the first deployment (the first operator to open sets it).
  std::atomic<uint64_t> first_attempt{0};
  // --- source -------------------------------------------------------------
  /// Old attempt: next record index.
  std::atomic<uint64_t> offset{0};
  /// The first checkpoint whose source offset is >= keys (0: none yet).
  std::atomic<uint64_t> post_fill_checkpoint{0};
  std::atomic<uint64_t> restored_offset{0};
  /// New attempt: stamp source_caught_ns once its offset reaches this.
  std::atomic<uint64_t> source_target{std::numeric_limits<uint64_t>::max()};
  std::atomic<int64_t> source_caught_ns{0};
  // --- sink ---------------------------------------------------------------
  std::atomic<uint64_t> old_count{0};
  std::atomic<int64_t> fill_done_ns{0};
  std::atomic<int64_t> first_new_ns{0};
  /// Per sink subtask: 1 + the highest seq the old attempt received, the
  /// new attempt's target (set before the kill) and when it reached it.
  std::array<std::atomic<uint64_t>, keyed_parallelism> old_end{};
  std::array<std::atomic<uint64_t>, keyed_parallelism> target{};
  std::array<std::atomic<int64_t>, keyed_parallelism> caught_ns{};
  std::atomic<bool> targets_set{false};

  bool is_old(uint64_t attempt) {
    uint64_t expected = 0;
    first_attempt.compare_exchange_strong(expected, attempt);
    return attempt == first_attempt.load();
  }

  static void stamp_once(std::atomic<int64_t>& at) {
    int64_t expected = 0;
    at.compare_exchange_strong(expected, now_ns());
  }
};

using probe_ptr = std::shared_ptr<probe>;

/// Record i of `total`: (i % keys, i, value_bytes of payload). Instance of
/// parallelism 1 only (the offset is one list item).
class generator_source final : public source_operator {
public:
  generator_source(uint64_t total, uint32_t value_bytes, probe_ptr p)
    : total_(total), value_bytes_(value_bytes), p_(std::move(p)) {
  }

  void initialize_state(const initialization_context& ctx) override {
    restored_ = restored_offset(ctx, "recovery generator");
  }

  void open(operator_context& ctx) override {
    old_ = p_->is_old(ctx.info().attempt);
    next_ = restored_.value_or(0);
    if (!old_)
      p_->restored_offset = next_;
  }

  void snapshot_state(const snapshot_context& ctx) override {
    std::string bytes;
    encode_value(next_, bytes);
    ctx.add_list_item("offset", std::move(bytes));
    uint64_t none = 0;
    if (old_ && next_ >= p_->keys)
      p_->post_fill_checkpoint.compare_exchange_strong(none, ctx.checkpoint_id);
  }

  source_step emit_next(operator_context& ctx, size_t max_records) override {
    auto n = static_cast<size_t>(std::min<uint64_t>(max_records, total_ - next_));
    std::vector<record> out(n);
    for (auto& r : out) {
      r.key = next_ % p_->keys;
      r.seq = next_;
      r.payload.assign(value_bytes_, static_cast<char>('a' + next_ % 26));
      ++next_;
    }
    if (n > 0)
      ctx.emit(make_batch(std::move(out)));
    if (old_)
      p_->offset.store(next_, std::memory_order_relaxed);
    else if (next_ >= p_->source_target.load(std::memory_order_relaxed))
      probe::stamp_once(p_->source_caught_ns);
    return {next_ < total_ ? source_step::more : source_step::finished};
  }

private:
  uint64_t total_;
  uint32_t value_bytes_;
  probe_ptr p_;
  std::optional<uint64_t> restored_;
  uint64_t next_ = 0;
  bool old_ = true;
};

const value_state_descriptor<std::string> payload_desc{"payload"};

/// Keeps each key's latest payload; emits the record's seq.
struct keep_payload final : keyed_process_function<uint64_t, record, uint64_t> {
  void open(keyed_context<uint64_t>& ctx) override {
    state_ = &ctx.state(payload_desc);
  }

  void process_element(const record& r, keyed_context<uint64_t>&,
                       collector<uint64_t>& out) override {
    state_->update(r.payload);
    out.collect(r.seq);
  }

  value_state<std::string>* state_ = nullptr;
};

/// Records progress per attempt into the probe (see `probe`).
class progress_sink final : public stream_operator {
public:
  explicit progress_sink(probe_ptr p) : p_(std::move(p)) {
  }

  void open(operator_context& ctx) override {
    old_ = p_->is_old(ctx.info().attempt);
    index_ = ctx.info().subtask_index;
    if (index_ >= keyed_parallelism)
      ctx.fail("recovery sink: subtask index out of range");
  }

  void process(const batch_ptr& in, operator_context&) override {
    auto& seqs = records_of<uint64_t>(*in);
    if (seqs.empty())
      return;
    uint64_t end = *std::max_element(seqs.begin(), seqs.end()) + 1;
    if (old_) {
      auto before = p_->old_count.fetch_add(seqs.size());
      if (before < p_->keys && before + seqs.size() >= p_->keys)
        probe::stamp_once(p_->fill_done_ns);
      if (end > p_->old_end[index_].load(std::memory_order_relaxed))
        p_->old_end[index_].store(end, std::memory_order_relaxed);
      return;
    }
    probe::stamp_once(p_->first_new_ns);
    if (p_->targets_set.load(std::memory_order_acquire) && end >= p_->target[index_].load())
      probe::stamp_once(p_->caught_ns[index_]);
  }

private:
  probe_ptr p_;
  size_t index_ = 0;
  bool old_ = true;
};

/// Polls `pred` every `every` for up to phase_timeout; false on timeout.
template <class Pred>
bool wait_until(Pred pred, std::chrono::microseconds every = 200us) {
  auto deadline = clock_type::now() + phase_timeout;
  while (!pred()) {
    if (clock_type::now() > deadline)
      return false;
    std::this_thread::sleep_for(every);
  }
  return true;
}

std::chrono::milliseconds interval_for(uint64_t state_mb) {
  return std::max<std::chrono::milliseconds>(1s, std::chrono::milliseconds{20 * state_mb});
}

/// The state files of a completed checkpoint, hard-linked (or, inline,
/// copied) so that they outlive the engine's retention.
struct kept_checkpoint {
  std::vector<fs::path> files;
  std::vector<std::string> images;
};

kept_checkpoint keep_checkpoint(const checkpoint_storage& storage, uint64_t id,
                                const fs::path& into) {
  kept_checkpoint kept;
  fs::create_directories(into);
  auto md = storage.read_metadata(id);
  fs::path chk_dir = storage.location(id);
  for (auto& op : md.operators)
    for (auto& sub : op.subtasks)
      for (auto& h : sub.handles) {
        if (h.is_inline()) {
          kept.images.push_back(h.inline_bytes);
          continue;
        }
        auto link = into / std::to_string(kept.files.size());
        fs::create_hard_link(chk_dir / h.relative_path, link);
        kept.files.push_back(link);
      }
  return kept;
}

/// The baseline: every kept file into one map of decoded values.
struct map_builder final : state_file_visitor {
  std::unordered_map<std::string, std::string> entries;

  void on_keyed_entry(const keyed_state_meta&, uint32_t, std::string_view key,
                      std::string_view value) override {
    entries.insert_or_assign(std::string{key}, decode_value<std::string>(value, "baseline"));
  }
};

struct run_result {
  uint64_t keys = 0;
  double fill_s = 0, steady_rps = 0, checkpoint_ms = 0;
  uint64_t checkpoint_id = 0, state_size = 0;
  uint64_t records_at_kill = 0, offset_at_kill = 0, restored_offset = 0;
  double restart_ms = 0, downtime_ms = 0, first_record_ms = 0;
  double source_caught_up_ms = 0, caught_up_ms = 0;
  double baseline_ms = 0;
  uint64_t baseline_entries = 0;
};

/// Times reading `kept` into a map_builder (the baseline).
void read_baseline(const kept_checkpoint& kept, run_result& r) {
  auto start = clock_type::now();
  map_builder b;
  for (auto& f : kept.files)
    read_state_file(f, b);
  for (auto& image : kept.images)
    read_state_bytes(image, "inline state", b);
  r.baseline_ms = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
  r.baseline_entries = b.entries.size();
}

bool fail(const std::string& run, const std::string& why) {
  std::cerr << "sluice-bench: recovery (" << run << "): " << why << "\n";
  return false;
}

/// Runs the job of one (backend, size) in `scratch` (see the file comment).
bool run_one(state_backend_kind backend, uint64_t state_mb, const recovery_options& o,
             const fs::path& scratch, run_result& r) {
  std::string name = std::string{to_string(backend)} + ", " + std::to_string(state_mb) + " MB";
  uint64_t keys = r.keys = std::max<uint64_t>(1, state_mb * 1'000'000 / o.value_bytes);
  auto p = std::make_shared<probe>(keys);
  uint64_t total = keys + std::max(min_loop_records, 50 * keys);
  kept_checkpoint kept;
  {
    auto cfg = default_pipeline_config();
    cfg.parallelism = keyed_parallelism;
    environment env{cfg};
    checkpoint_config c;
    c.interval = interval_for(state_mb);
    c.min_pause = *c.interval / 2;
    c.mode = checkpointing_mode::exactly_once;
    c.unaligned = false;
    c.aligned_timeout = 0ms;
    c.storage = checkpoint_storage_type::filesystem;
    c.dir = (scratch / "checkpoints").string();
    c.externalized = externalized_cleanup::none;
    c.retained = 1;
    env.set_checkpoint_config(c);
    state_config s;
    s.backend = backend;
    s.incremental = false;
    s.local_dir = (scratch / "state").string();
    env.set_state_config(s);
    env.set_restart_strategy(restart_config::fixed_delay(10, 0ms));
    auto src = env.add_source<record>(
      "generator",
      [total, vb = o.value_bytes, p] { return std::make_unique<generator_source>(total, vb, p); },
      1);
    src.uid("source");
    auto seqs = src.key_by([](const record& x) { return x.key; }).process(keep_payload{});
    seqs.uid("state").parallelism(keyed_parallelism);
    seqs.then<uint64_t>("progress-sink", [p] { return std::make_unique<progress_sink>(p); })
      .uid("sink")
      .parallelism(keyed_parallelism);
    env.system(); // start the actor system before the clock
    auto start_ns = now_ns();
    auto job = env.execute_async("bench recovery");
    auto ended = [&] { return is_terminal(job.status()); };
    auto ended_early = [&] {
      auto res = job.wait();
      return fail(name, std::string{"ended early, "} + to_string(res.status) + ": " + res.message);
    };

    // The fill, then a checkpoint taken after it.
    std::optional<checkpoint_stats_entry> chk;
    if (!wait_until(
          [&] {
            auto id = p->post_fill_checkpoint.load();
            if (ended())
              return true;
            if (p->fill_done_ns.load() == 0 || id == 0)
              return false;
            auto stats = job.checkpoint_stats();
            if (stats.latest_completed && stats.latest_completed->checkpoint_id >= id)
              chk = stats.latest_completed;
            return chk.has_value();
          },
          2ms))
      return fail(name, "no checkpoint completed after the fill within 15 minutes");
    if (!chk)
      return ended_early();
    std::vector<subtask_actor> subtasks;
    caf::scoped_actor self{env.system()}; // destroyed before env
    self->request(master_of(job), caf::infinite, subtasks_atom::value)
      .receive([&](std::vector<subtask_actor>& xs) { subtasks = std::move(xs); },
               [&](caf::error&) {});
    // Vertex order: the source (1 subtask), then the keyed process.
    if (subtasks.size() < 1 + keyed_parallelism)
      return fail(name, "the job has " + std::to_string(subtasks.size()) + " subtasks");
    kept = keep_checkpoint(*job.storage(), chk->checkpoint_id, scratch / "baseline");

    // t0: kill keyed subtask 0.
    for (size_t i = 0; i < keyed_parallelism; ++i)
      p->target[i] = p->old_end[i].load();
    r.offset_at_kill = p->offset.load();
    p->source_target = r.offset_at_kill;
    p->targets_set.store(true, std::memory_order_release);
    r.records_at_kill = p->old_count.load();
    auto t0 = now_ns();
    caf::anon_send_exit(subtasks[1], caf::exit_reason::kill);

    int64_t restarted_ns = 0;
    if (!wait_until([&] {
          if (ended())
            return true;
          if (job.status() != job_status::running || job.restart_stats().restarts == 0)
            return false;
          restarted_ns = now_ns();
          return true;
        }))
      return fail(name, "no restart within 15 minutes");
    if (restarted_ns == 0)
      return ended_early();
    auto caught_up = [&] {
      for (auto& c : p->caught_ns)
        if (c.load() == 0)
          return false;
      return p->first_new_ns.load() != 0 && p->source_caught_ns.load() != 0;
    };
    if (!wait_until([&] { return ended() || caught_up(); }))
      return fail(name, "the new attempt did not catch up within 15 minutes");
    if (!caught_up())
      return ended_early();
    auto restarts = job.restart_stats();
    job.cancel();
    auto res = job.wait();
    if (res.status == job_status::failed)
      return fail(name, "the job failed after catching up: " + res.message);
    if (restarts.restarts != 1 || restarts.restored_checkpoint != chk->checkpoint_id)
      return fail(name, std::to_string(restarts.restarts) + " restarts (expected 1), restored "
                          + std::to_string(restarts.restored_checkpoint) + " (expected "
                          + std::to_string(chk->checkpoint_id) + "); latest cause: "
                          + restarts.last_failure);

    auto fill_done = p->fill_done_ns.load();
    r.fill_s = ms_between(start_ns, fill_done) / 1000.0;
    r.steady_rps = static_cast<double>(r.records_at_kill - keys)
                   / std::max(ms_between(fill_done, t0) / 1000.0, 1e-9);
    r.checkpoint_id = chk->checkpoint_id;
    r.state_size = chk->state_size;
    r.checkpoint_ms = std::chrono::duration<double, std::milli>(chk->end_to_end_duration).count();
    r.restored_offset = p->restored_offset.load();
    r.restart_ms = ms_between(t0, restarted_ns);
    r.downtime_ms = static_cast<double>(restarts.downtime.count());
    r.first_record_ms = ms_between(t0, p->first_new_ns.load());
    r.source_caught_up_ms = ms_between(t0, p->source_caught_ns.load());
    int64_t last = 0;
    for (auto& c : p->caught_ns)
      last = std::max(last, c.load());
    r.caught_up_ms = ms_between(t0, last);
  } // stops the actor system: the baseline runs alone
  read_baseline(kept, r);
  if (r.baseline_entries != keys)
    return fail(name, "the restored checkpoint holds " + std::to_string(r.baseline_entries)
                        + " keys, expected " + std::to_string(keys));
  return true;
}

void print(std::ostream& out, state_backend_kind backend, uint64_t state_mb,
           const recovery_options& o, const run_result& r) {
  std::ostringstream json;
  json << "{\"workload\":\"recovery\",\"backend\":\"" << to_string(backend)
       << "\",\"state_mb\":" << state_mb << ",\"keys\":" << r.keys
       << ",\"value_bytes\":" << o.value_bytes
       << ",\"interval_ms\":" << interval_for(state_mb).count() << std::fixed
       << std::setprecision(2) << ",\"fill_s\":" << r.fill_s << std::setprecision(0)
       << ",\"steady_rps\":" << r.steady_rps << ",\"checkpoint_id\":" << r.checkpoint_id
       << ",\"state_size\":" << r.state_size << std::setprecision(1)
       << ",\"checkpoint_ms\":" << r.checkpoint_ms
       << ",\"records_at_kill\":" << r.records_at_kill
       << ",\"offset_at_kill\":" << r.offset_at_kill
       << ",\"restored_offset\":" << r.restored_offset
       << ",\"replayed\":" << r.offset_at_kill - r.restored_offset
       << ",\"restart_ms\":" << r.restart_ms << ",\"downtime_ms\":" << r.downtime_ms
       << ",\"first_record_ms\":" << r.first_record_ms
       << ",\"source_caught_up_ms\":" << r.source_caught_up_ms
       << ",\"caught_up_ms\":" << r.caught_up_ms << ",\"baseline_ms\":" << r.baseline_ms
       << ",\"baseline_entries\":" << r.baseline_entries << std::setprecision(3)
       << ",\"restore_vs_baseline\":" << r.first_record_ms / std::max(r.baseline_ms, 1e-6)
       << std::setprecision(1) << ",\"peak_rss_mb\":" << peak_rss_mb() << "}\n";
  out << json.str() << std::flush;
}

} // namespace

int bench_recovery(const recovery_options& o, std::ostream& out) {
  scratch_dir scratch{o.dir, "recovery"};
  struct cleanup {
    fs::path dir;
    ~cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  };
  for (auto backend : o.backends)
    for (auto mb : o.state_mb) {
      cleanup run{scratch.path() / (std::string{to_string(backend)} + "-" + std::to_string(mb))};
      fs::create_directories(run.dir);
      run_result r;
      if (!run_one(backend, mb, o, run.dir, r))
        return 1;
      print(out, backend, mb, o, r);
    }
  return 0;
}

} // namespace sluice::bench
