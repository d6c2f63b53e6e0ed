#include "apps/bench/checkpoint_bench.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "actors/config/pipeline_config.hpp"
#include "actors/job/runtime.hpp"

namespace sluice::bench {

namespace {

/// User + system CPU time of the whole process (all threads) so far.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

double ms_of(checkpoint_duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

/// Median of `xs` (mean of the middle two for an even count); 0 if empty.
double median(std::vector<double> xs) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto n = xs.size();
  return n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

double max_of(const std::vector<double>& xs) {
  return xs.empty() ? 0 : *std::max_element(xs.begin(), xs.end());
}

double mean_of(const std::vector<double>& xs) {
  double sum = 0;
  for (auto x : xs)
    sum += x;
  return xs.empty() ? 0 : sum / static_cast<double>(xs.size());
}


/// Prints why `r` is unusable and returns true, or returns false.
bool failed(const char* workload, const char* which, const engine_run& r,
            const engine_options& o) {
  if (r.result.status != job_status::finished) {
    std::cerr << "sluice-bench: " << workload << " (" << which << "): the job ended "
              << to_string(r.result.status) << ": " << r.result.message << "\n";
    return true;
  }
  if (r.received.count != o.records) {
    std::cerr << "sluice-bench: " << workload << " (" << which << "): the sink received "
              << r.received.count << " of " << o.records << " records\n";
    return true;
  }
  return false;
}

bool disagree(const char* workload, const engine_run& a, const engine_run& b) {
  if (a.received.count == b.received.count && a.received.sum == b.received.sum)
    return false;
  std::cerr << "sluice-bench: " << workload << ": the runs' sinks disagree: "
            << a.received.count << " records (checksum " << a.received.sum << ") against "
            << b.received.count << " (checksum " << b.received.sum
            << "): records were lost or duplicated\n";
  return true;
}

uint32_t batch_size_of(const engine_options& o) {
  return o.batch_size > 0 ? o.batch_size : default_pipeline_config().batch_size;
}

uint32_t buffers_of(const engine_options& o) {
  return o.buffers_per_channel > 0 ? o.buffers_per_channel
                                   : default_pipeline_config().buffers_per_channel;
}

} // namespace

int bench_checkpointing(const engine_options& base, std::ostream& out,
                        std::chrono::milliseconds checkpoint_interval) {
  const char* name = "checkpointing";
  auto off_opts = base;
  off_opts.checkpointing = engine_options::checkpoints_off();
  auto cpu = cpu_seconds();
  auto off = run_keyed_count(off_opts);
  auto off_cpu = cpu_seconds() - cpu;
  if (failed(name, "off", off, off_opts))
    return 1;
  auto on_opts = base;
  on_opts.checkpointing = engine_options::checkpoints_every(checkpoint_interval, false);
  cpu = cpu_seconds();
  auto on = run_keyed_count(on_opts);
  auto on_cpu = cpu_seconds() - cpu;
  if (failed(name, "on", on, on_opts) || disagree(name, off, on))
    return 1;
  std::vector<double> durations, state_kb;
  for (auto& e : on.completed_checkpoints) {
    durations.push_back(ms_of(e.end_to_end_duration));
    state_kb.push_back(static_cast<double>(e.state_size) / 1024.0);
  }
  auto n = static_cast<double>(base.records);
  auto off_rps = n / std::max(off.seconds, 1e-9);
  auto on_rps = n / std::max(on.seconds, 1e-9);
  std::ostringstream json;
  json << "{\"workload\":\"" << name << "\",\"records\":" << base.records
       << ",\"keys\":" << base.keys << ",\"parallelism\":" << base.parallelism
       << ",\"batch_size\":" << batch_size_of(base)
       << ",\"interval_ms\":" << checkpoint_interval.count()
       << ",\"storage\":\"memory\",\"mode\":\"exactly_once\",\"unaligned\":false" << std::fixed
       << std::setprecision(0) << ",\"off_rps\":" << off_rps << ",\"on_rps\":" << on_rps
       << std::setprecision(3) << ",\"ratio\":" << on_rps / off_rps
       << ",\"off_seconds\":" << off.seconds << ",\"on_seconds\":" << on.seconds
       << ",\"off_cpu_seconds\":" << off_cpu << ",\"on_cpu_seconds\":" << on_cpu
       << ",\"cpu_ratio\":" << on_cpu / std::max(off_cpu, 1e-9)
       << ",\"checkpoints_completed\":" << on.checkpoint_stats.counts.completed
       << ",\"checkpoints_failed\":" << on.checkpoint_stats.counts.failed
       << std::setprecision(1) << ",\"mean_checkpoint_ms\":" << mean_of(durations)
       << ",\"max_checkpoint_ms\":" << max_of(durations)
       << ",\"mean_state_kb\":" << mean_of(state_kb) << "}\n";
  out << json.str() << std::flush;
  return 0;
}

int bench_checkpoint_latency(const engine_options& base, std::ostream& out,
                             std::chrono::milliseconds checkpoint_interval) {
  const char* name = "checkpoint-latency";
  struct measured {
    engine_run run;
    std::vector<double> durations;
    std::vector<double> persisted;
    double max_alignment_ms = 0;
    std::vector<double> start_delays;
    uint64_t taken_unaligned = 0;
  };
  measured m[2];
  for (int unaligned = 0; unaligned < 2; ++unaligned) {
    auto o = base;
    o.checkpointing = engine_options::checkpoints_every(checkpoint_interval, unaligned == 1);
    auto& x = m[unaligned];
    x.run = run_keyed_count(o);
    if (failed(name, unaligned == 1 ? "unaligned" : "aligned", x.run, o))
      return 1;
    for (auto& e : x.run.completed_checkpoints) {
      x.durations.push_back(ms_of(e.end_to_end_duration));
      x.persisted.push_back(static_cast<double>(e.persisted_data));
      if (e.unaligned)
        ++x.taken_unaligned;
      double start_delay = 0;
      for (auto& s : e.subtasks) {
        x.max_alignment_ms = std::max(x.max_alignment_ms, ms_of(s.alignment_duration));
        start_delay = std::max(start_delay, ms_of(s.start_delay));
      }
      x.start_delays.push_back(start_delay);
    }
  }
  if (disagree(name, m[0].run, m[1].run))
    return 1;
  std::ostringstream json;
  json << "{\"workload\":\"" << name << "\",\"records\":" << base.records
       << ",\"keys\":" << base.keys << ",\"parallelism\":" << base.parallelism
       << ",\"batch_size\":" << batch_size_of(base)
       << ",\"buffers_per_channel\":" << buffers_of(base) << ",\"threads\":" << base.threads
       << ",\"sink_delay_us\":" << base.sink_delay.count()
       << ",\"interval_ms\":" << checkpoint_interval.count() << std::fixed;
  for (int unaligned = 0; unaligned < 2; ++unaligned) {
    auto& x = m[unaligned];
    std::string p = unaligned == 1 ? "unaligned_" : "aligned_";
    json << std::setprecision(3) << ",\"" << p << "seconds\":" << x.run.seconds << ",\"" << p
         << "checkpoints\":" << x.run.checkpoint_stats.counts.completed << ",\"" << p
         << "failed\":" << x.run.checkpoint_stats.counts.failed << std::setprecision(1)
         << ",\"" << p << "median_ms\":" << median(x.durations) << ",\"" << p
         << "max_ms\":" << max_of(x.durations) << ",\"" << p
         << "median_start_delay_ms\":" << median(x.start_delays) << ",\"" << p
         << "max_alignment_ms\":" << x.max_alignment_ms;
    if (unaligned == 1)
      json << std::setprecision(0) << ",\"unaligned_taken_unaligned\":" << x.taken_unaligned
           << ",\"unaligned_median_persisted_bytes\":" << median(x.persisted)
           << ",\"unaligned_max_persisted_bytes\":" << max_of(x.persisted);
  }
  json << "}\n";
  out << json.str() << std::flush;
  return 0;
}

} // namespace sluice::bench
