// sluice-bench: engine throughput against a hand-written loop doing the same
// work in the same process (DESIGN.md, "Performance principles").
//
//   sluice-bench [WORKLOAD...] [--records=N] [--keys=N] [-p N] [--batch-size=N]
//
// Prints one JSON line per workload on stdout (the checkpoint workloads
// print their own fields, see apps/bench/checkpoint_bench.hpp, and
// checkpoint-size one line per state size, see
// apps/bench/state_checkpoint_bench.hpp, recovery one line per backend
// and state size, see apps/bench/recovery_bench.hpp, and nexmark-q5 its
// own fields, see apps/bench/window_bench.hpp):
//   workload, records (word-count: words), keys, parallelism, batch_size,
//   engine_rps, baseline_rps, ratio (engine_rps / baseline_rps),
//   engine_seconds (wall time of execute: deploy, run, drain),
//   baseline_seconds, engine_cpu_seconds (user + system time of all threads
//   during the engine run: divided by engine_seconds, the cores it used),
//   peak_rss_mb (getrusage ru_maxrss after engine and baseline ran),
//   engine_peak_rss_mb (the same, right after the engine, which runs first).
// Each workload runs in a forked child process, so the RSS figures are that
// workload's own. The engine's sink counts and checksums what it receives;
// both must equal the baseline's. Exit codes: 0 ok; 1 the engine lost or
// duplicated records, or the job failed; 2 bad command line.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "actors/job/runtime.hpp"
#include "apps/bench/baselines.hpp"
#include "apps/bench/checkpoint_bench.hpp"
#include "apps/bench/engine_jobs.hpp"
#include "apps/bench/lmdb_baseline.hpp"
#include "apps/bench/recovery_bench.hpp"
#include "apps/bench/state_checkpoint_bench.hpp"
#include "apps/bench/window_bench.hpp"

namespace {

using namespace sluice::bench;

struct workload {
  const char* name;
  /// Records when --records is not given (all three defaults take ~5 s on
  /// an idle 2-core machine).
  uint64_t default_records;
  bool keyed;
  engine_run (*engine)(const engine_options&);
  tally_result (*baseline)(uint64_t records, uint64_t keys);
  /// Workloads that compare two engine runs instead (engine and baseline
  /// unused): runs them and prints the JSON line; returns the exit code.
  int (*compare)(const engine_options&, std::ostream&) = nullptr;
};

const workload workloads[] = {
  {"passthrough", 300'000'000, false, run_passthrough,
   [](uint64_t n, uint64_t) { return passthrough_baseline(n); }},
  {"keyed-count", 10'000'000, true, run_keyed_count, keyed_count_baseline},
  {"word-count", 10'000'000, true, run_word_count, word_count_baseline},
  // Not in the default set (see `defaults`). keyed-count with
  // state.backend=lmdb against a raw LMDB read-modify-write loop.
  {"keyed-count-lmdb", 2'000'000, true, run_keyed_count,
   [](uint64_t n, uint64_t keys) { return lmdb_keyed_count_baseline(n, keys, 1024); }},
  // The same job and baseline with state.backend=hashmap: both backends
  // against one yardstick.
  {"keyed-count-hashmap", 2'000'000, true, run_keyed_count,
   [](uint64_t n, uint64_t keys) { return lmdb_keyed_count_baseline(n, keys, 1024); }},
  // Not in the default set (see `defaults`): they take ~10 s each.
  {"checkpointing", 60'000'000, true, nullptr, nullptr,
   [](const engine_options& o, std::ostream& out) { return bench_checkpointing(o, out); }},
  {"checkpoint-latency", 1'000'000, true, nullptr, nullptr,
   [](const engine_options& o, std::ostream& out) { return bench_checkpoint_latency(o, out); }},
  // Not in the default set: no engine run, keyed state backends only; run
  // by run_workload with its own options (--state-mb etc.), not through
  // `compare`.
  {"checkpoint-size", 0, false, nullptr, nullptr, nullptr},
  // Not in the default set: kills a subtask of a running job per backend
  // and state size (run by run_workload with --state-mb, --backends etc.).
  {"recovery", 0, false, nullptr, nullptr, nullptr},
  // Not in the default set: the Nexmark q5 window job against its own
  // baseline (run by run_workload with --event-rate; window_bench.hpp).
  {"nexmark-q5", 5'000'000, true, nullptr, nullptr, nullptr},
};

/// Workloads run when none is named.
constexpr size_t defaults = 3;

const char* usage =
  "usage: sluice-bench [WORKLOAD...] [options]\n"
  "workloads (default: the first three, in this order; a name may repeat):\n"
  "  passthrough   int64 source -> map(x + 1) -> sum sink (chained)\n"
  "  keyed-count   click events -> map(user, 1) -> key_by(user) -> sum -> sink\n"
  "  word-count    lines -> split into (word, 1) -> key_by(word) -> sum -> sink\n"
  "  keyed-count-lmdb    keyed-count with state.backend=lmdb; baseline: a raw LMDB\n"
  "                      read-modify-write loop, one transaction per 1024 records\n"
  "  keyed-count-hashmap keyed-count (state.backend=hashmap) against the raw LMDB\n"
  "                      loop of keyed-count-lmdb\n"
  "  checkpointing       keyed-count without checkpoints, then with one every 1 s\n"
  "                      (memory storage, exactly once, aligned): throughput ratio\n"
  "  checkpoint-latency  keyed-count into a slow sink (--sink-delay-us per batch),\n"
  "                      a checkpoint every 200 ms, aligned then unaligned:\n"
  "                      checkpoint durations and persisted in-flight bytes\n"
  "  checkpoint-size     keyed state backends alone (no engine), per --state-mb:\n"
  "                      lmdb full then incremental checkpoint, hashmap full\n"
  "                      checkpoint (sync/async ms, bytes); baseline: copy of a\n"
  "                      raw LMDB environment with the same entries + fsync;\n"
  "                      one JSON line per state size (ignores --records, --keys,\n"
  "                      -p and the engine options)\n"
  "  recovery            per --backends and --state-mb: generator -> keyed state\n"
  "                      (value_state of --value-bytes per key) -> sink, a\n"
  "                      checkpoint after the fill, then a keyed subtask killed:\n"
  "                      restart, first record and caught-up times; baseline:\n"
  "                      reading the restored checkpoint's files into a hash\n"
  "                      map; one JSON line per backend and state size (ignores\n"
  "                      --records, --keys, -p and the engine options)\n"
  "  nexmark-q5          Nexmark q5 (hot items): bids -> key_by(auction) -> sliding\n"
  "                      event-time window 10 s / 2 s -> count -> key_by(window\n"
  "                      end) -> auctions with the most bids, checkpoint every 1 s;\n"
  "                      baseline: a hash map per open window on one thread; the\n"
  "                      answers must match (--records bids, --keys auctions)\n"
  "options:\n"
  "  --records=N          records per workload (word-count: words); default\n"
  "                       300000000 passthrough, 10000000 keyed-count/word-count,\n"
  "                       60000000 checkpointing, 1000000 checkpoint-latency,\n"
  "                       2000000 keyed-count-lmdb and keyed-count-hashmap,\n"
  "                       5000000 nexmark-q5\n"
  "  --keys=N             distinct keys of the keyed workloads (default 10000)\n"
  "  -p N, --parallelism=N  parallelism of every operator (default 2)\n"
  "  --batch-size=N       records per batch (default: pipeline.batch-size)\n"
  "  --threads=N          CAF scheduler threads (default 0: pipeline.threads default;\n"
  "                       CAF 0.17 then starts max(4, cores) workers; for\n"
  "                       checkpoint-latency 0 means 2 * parallelism + 2, so the\n"
  "                       sleeping sinks leave workers to the other operators)\n"
  "  --buffers-per-channel=N  credit window (default: pipeline.buffers-per-channel)\n"
  "  --event-rate=N       nexmark-q5: bids per second of event time (default 100000)\n"
  "  --sink-delay-us=N    checkpoint-latency: sink sleep per batch (default 10000)\n"
  "  --lmdb-cache-entries=N  keyed-count-lmdb: state.lmdb-cache-entries (default:\n"
  "                       the compiled-in default)\n"
  "  --state-mb=N[,N...]  checkpoint-size, recovery: state sizes in MB (10^6 bytes\n"
  "                       of values), each 1..4096 (default 10,100)\n"
  "  --value-bytes=N      checkpoint-size, recovery: bytes per value, 1..65536\n"
  "                       (default 100); keys = state size / value bytes\n"
  "  --backends=B[,B...]  recovery: keyed state backends, hashmap and/or lmdb\n"
  "                       (default hashmap,lmdb)\n"
  "  --changed-percent=N  checkpoint-size: keys changed before the incremental\n"
  "                       checkpoint, 0..100 (default 1)\n"
  "  --dir=PATH           checkpoint-size, recovery: existing directory for the\n"
  "                       scratch directory (default: the system temp directory)\n"
  "  -h, --help           this text\n"
  "output: one JSON line per workload; exit 1 when the engine lost records\n";

struct options {
  std::vector<const workload*> run;
  std::optional<uint64_t> records;
  uint64_t keys = 10'000;
  uint32_t parallelism = 2;
  uint32_t batch_size = 0;
  uint32_t threads = 0;
  uint32_t buffers_per_channel = 0;
  uint64_t sink_delay_us = 10'000;
  uint64_t event_rate = 100'000;
  std::optional<uint64_t> lmdb_cache;
  state_checkpoint_options checkpoint_size;
  /// recovery; its state_mb, value_bytes and dir are checkpoint_size's.
  std::vector<sluice::state_backend_kind> backends{sluice::state_backend_kind::hashmap,
                                                   sluice::state_backend_kind::lmdb};
};

[[noreturn]] void bad_usage(const std::string& what) {
  std::cerr << "sluice-bench: " << what << "\n" << usage;
  std::exit(2);
}

uint64_t parse_number(std::string_view name, std::string_view text, uint64_t min,
                      uint64_t max) {
  uint64_t v = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || err != std::errc{} || end != text.data() + text.size() || v < min
      || v > max)
    bad_usage("invalid value '" + std::string{text} + "' for " + std::string{name}
              + " (expected an integer in " + std::to_string(min) + ".."
              + std::to_string(max) + ")");
  return v;
}

/// A comma-separated list of numbers in min..max, at least one.
std::vector<uint64_t> parse_number_list(std::string_view name, std::string_view text,
                                        uint64_t min, uint64_t max) {
  std::vector<uint64_t> result;
  while (true) {
    auto comma = text.find(',');
    result.push_back(parse_number(name, text.substr(0, comma), min, max));
    if (comma == std::string_view::npos)
      return result;
    text.remove_prefix(comma + 1);
  }
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    // "--name=value", "--name value", "-p N", "-pN".
    auto value_of = [&](std::string_view name) -> std::optional<std::string_view> {
      if (arg == name) {
        if (i + 1 >= argc)
          bad_usage("missing value for " + std::string{name});
        return std::string_view{argv[++i]};
      }
      if (arg.starts_with(name)) {
        auto rest = arg.substr(name.size());
        if (name.starts_with("--") && rest.starts_with("="))
          return rest.substr(1);
        if (!name.starts_with("--") && !rest.empty())
          return rest;
      }
      return std::nullopt;
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << usage;
      std::exit(0);
    } else if (auto v = value_of("--records")) {
      o.records = parse_number("--records", *v, 1, uint64_t{1} << 40);
    } else if (auto v = value_of("--keys")) {
      o.keys = parse_number("--keys", *v, 1, uint64_t{1} << 32);
    } else if (auto v = value_of("--parallelism")) {
      o.parallelism = static_cast<uint32_t>(parse_number("--parallelism", *v, 1, 32768));
    } else if (auto v = value_of("-p")) {
      o.parallelism = static_cast<uint32_t>(parse_number("-p", *v, 1, 32768));
    } else if (auto v = value_of("--batch-size")) {
      o.batch_size = static_cast<uint32_t>(parse_number("--batch-size", *v, 1, 1 << 20));
    } else if (auto v = value_of("--threads")) {
      o.threads = static_cast<uint32_t>(parse_number("--threads", *v, 0, 1024));
    } else if (auto v = value_of("--buffers-per-channel")) {
      o.buffers_per_channel
        = static_cast<uint32_t>(parse_number("--buffers-per-channel", *v, 1, 1024));
    } else if (auto v = value_of("--lmdb-cache-entries")) {
      o.lmdb_cache = parse_number("--lmdb-cache-entries", *v, 0, uint64_t{1} << 32);
    } else if (auto v = value_of("--state-mb")) {
      o.checkpoint_size.state_mb = parse_number_list("--state-mb", *v, 1, 4096);
    } else if (auto v = value_of("--backends")) {
      o.backends.clear();
      std::string_view rest = *v;
      while (true) {
        auto item = rest.substr(0, rest.find(','));
        auto kind = sluice::parse_state_backend_kind(item);
        if (!kind)
          bad_usage("invalid value '" + std::string{item} + "' for --backends (expected "
                    "hashmap or lmdb, comma-separated)");
        o.backends.push_back(*kind);
        if (item.size() == rest.size())
          break;
        rest.remove_prefix(item.size() + 1);
      }
    } else if (auto v = value_of("--value-bytes")) {
      o.checkpoint_size.value_bytes
        = static_cast<uint32_t>(parse_number("--value-bytes", *v, 1, 65536));
    } else if (auto v = value_of("--changed-percent")) {
      o.checkpoint_size.changed_percent
        = static_cast<uint32_t>(parse_number("--changed-percent", *v, 0, 100));
    } else if (auto v = value_of("--dir")) {
      std::error_code ec;
      if (v->empty() || !std::filesystem::is_directory(*v, ec))
        bad_usage("invalid value '" + std::string{*v}
                  + "' for --dir (expected an existing directory)");
      o.checkpoint_size.dir = std::string{*v};
    } else if (auto v = value_of("--event-rate")) {
      o.event_rate = parse_number("--event-rate", *v, 1, uint64_t{1} << 32);
    } else if (auto v = value_of("--sink-delay-us")) {
      o.sink_delay_us = parse_number("--sink-delay-us", *v, 0, 10'000'000);
    } else if (arg.starts_with("-")) {
      bad_usage("unknown option '" + std::string{arg} + "'");
    } else {
      const workload* found = nullptr;
      for (auto& w : workloads)
        if (arg == w.name)
          found = &w;
      if (found == nullptr)
        bad_usage("unknown workload '" + std::string{arg} + "'");
      o.run.push_back(found);
    }
  }
  if (o.run.empty())
    for (size_t i = 0; i < defaults; ++i)
      o.run.push_back(&workloads[i]);
  // The engine's own checks (e.g. parallelism <= max-parallelism).
  auto cfg = sluice::default_pipeline_config();
  cfg.parallelism = o.parallelism;
  if (o.batch_size > 0)
    cfg.batch_size = o.batch_size;
  cfg.threads = o.threads;
  if (o.buffers_per_channel > 0)
    cfg.buffers_per_channel = o.buffers_per_channel;
  try {
    sluice::check(cfg);
  } catch (const std::exception& e) {
    bad_usage(e.what());
  }
  return o;
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0; // KiB on Linux
}

/// User + system CPU time of the whole process (all threads) so far.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

/// Runs one workload (engine, then baseline); prints its JSON line.
/// Returns the exit code.
int run_workload(const workload& w, const options& o) {
  engine_options eo;
  eo.records = o.records.value_or(w.default_records);
  eo.keys = w.keyed ? o.keys : 0;
  eo.parallelism = o.parallelism;
  eo.batch_size = o.batch_size;
  eo.threads = o.threads;
  eo.buffers_per_channel = o.buffers_per_channel;
  if (std::string_view{w.name} == "keyed-count-lmdb") {
    eo.state.backend = sluice::state_backend_kind::lmdb;
    if (o.lmdb_cache)
      eo.state.lmdb_cache_entries = static_cast<int64_t>(*o.lmdb_cache);
  }
  if (std::string_view{w.name} == "checkpoint-size")
    return bench_checkpoint_size(o.checkpoint_size, std::cout);
  if (std::string_view{w.name} == "nexmark-q5")
    return bench_nexmark_q5(eo, o.event_rate, std::cout);
  if (std::string_view{w.name} == "recovery") {
    recovery_options ro;
    ro.state_mb = o.checkpoint_size.state_mb;
    ro.value_bytes = o.checkpoint_size.value_bytes;
    ro.dir = o.checkpoint_size.dir;
    ro.backends = o.backends;
    return bench_recovery(ro, std::cout);
  }
  if (w.compare != nullptr) {
    if (std::string_view{w.name} == "checkpoint-latency") {
      eo.sink_delay = std::chrono::microseconds{o.sink_delay_us};
      if (eo.threads == 0)
        eo.threads = 2 * eo.parallelism + 2;
    }
    return w.compare(eo, std::cout);
  }

  auto cpu_before = cpu_seconds();
  auto engine = w.engine(eo);
  auto engine_cpu = cpu_seconds() - cpu_before;
  auto engine_rss = peak_rss_mb();
  if (engine.result.status != sluice::job_status::finished) {
    std::cerr << "sluice-bench: " << w.name << ": the job ended "
              << sluice::to_string(engine.result.status) << ": " << engine.result.message
              << "\n";
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  auto expected = w.baseline(eo.records, eo.keys);
  auto baseline_seconds
    = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (engine.received.count != expected.count || engine.received.sum != expected.sum) {
    std::cerr << "sluice-bench: " << w.name << ": the engine's sink received "
              << engine.received.count << " records (checksum " << engine.received.sum
              << "), the baseline produced " << expected.count << " (checksum "
              << expected.sum << "): records were lost or duplicated\n";
    return 1;
  }
  auto n = static_cast<double>(eo.records);
  engine.seconds = std::max(engine.seconds, 1e-9);
  baseline_seconds = std::max(baseline_seconds, 1e-9);
  std::ostringstream json;
  json << "{\"workload\":\"" << w.name << "\",\"records\":" << eo.records
       << ",\"keys\":" << eo.keys << ",\"parallelism\":" << eo.parallelism
       << ",\"batch_size\":"
       << (eo.batch_size > 0 ? eo.batch_size : sluice::default_pipeline_config().batch_size)
       << std::fixed << std::setprecision(0) << ",\"engine_rps\":" << n / engine.seconds
       << ",\"baseline_rps\":" << n / baseline_seconds << std::setprecision(3)
       << ",\"ratio\":" << baseline_seconds / engine.seconds << std::setprecision(4)
       << ",\"engine_seconds\":" << engine.seconds
       << ",\"baseline_seconds\":" << baseline_seconds
       << ",\"engine_cpu_seconds\":" << engine_cpu << std::setprecision(1)
       << ",\"peak_rss_mb\":" << peak_rss_mb() << ",\"engine_peak_rss_mb\":" << engine_rss
       << "}\n";
  std::cout << json.str() << std::flush;
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  int rc = 0;
  for (auto* w : o.run) {
    std::cout.flush();
    auto pid = fork();
    if (pid < 0) {
      std::perror("sluice-bench: fork");
      return 1;
    }
    if (pid == 0) {
      int code = 1;
      try {
        code = run_workload(*w, o);
      } catch (const std::exception& e) {
        std::cerr << "sluice-bench: " << w->name << ": " << e.what() << "\n";
      }
      std::cout.flush();
      std::cerr.flush();
      _exit(code);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) {
      std::perror("sluice-bench: waitpid");
      return 1;
    }
    if (WIFSIGNALED(status)) {
      std::cerr << "sluice-bench: " << w->name << ": killed by signal " << WTERMSIG(status)
                << "\n";
      rc = 1;
    } else if (WEXITSTATUS(status) != 0) {
      rc = 1;
    }
  }
  return rc;
}
