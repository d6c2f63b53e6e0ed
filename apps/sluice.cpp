// The `sluice` command line: `sluice run <job> [options]`.
//
// Options are the engine's (`--pipeline.parallelism=2`, `-p 2`,
// `--config-file=FILE`, see --help) plus the sample jobs' own group
// `generator.*`. Exit codes: 0 finished or cancelled by SIGINT/SIGTERM,
// 1 the job failed, 2 bad command line or configuration.
#include <atomic>
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/error.hpp"
#include "actors/system_config.hpp"
#include "apps/click_counts.hpp"

namespace {

std::atomic<int> signalled{0};

extern "C" void on_signal(int sig) {
  signalled = sig;
}

/// The engine's options plus the sample jobs' `generator.*` group.
class cli_config : public sluice::system_config {
public:
  cli_config() {
    opt_group{custom_options_, "generator"}
      .add(gen.count, "count", "click events to generate (0: unbounded)")
      .add(gen.rate, "rate", "click events per second (0: as fast as possible)")
      .add(gen.users, "users", "distinct users (0: Mary, Alice, Bob, Cary)")
      .add(gen.seed, "seed", "generator seed (same seed, same events)");
  }

  sluice::click_source_options gen = defaults();

private:
  static sluice::click_source_options defaults() {
    sluice::click_source_options opts;
    opts.count = 20;
    opts.rate = 10;
    return opts;
  }
};

const char* usage = "usage: sluice run <job> [options]\n"
                    "jobs:\n"
                    "  click-counts   per-user visit counts from the click generator\n"
                    "options: see `sluice --help`\n";

int run_job(const std::string& job, cli_config& cfg) {
  if (job != "click-counts") {
    std::cerr << "sluice: unknown job '" << job << "'\n" << usage;
    return 2;
  }
  if (cfg.gen.rate < 0) {
    std::cerr << "sluice: invalid_option: generator.rate = " << cfg.gen.rate
              << ": must not be negative\n";
    return 2;
  }
  sluice::environment env{cfg.pipeline()};
  sluice::apps::click_counts(env, cfg.gen).print();
  auto job_handle = env.execute_async("click-counts");
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  for (;;) {
    if (auto result = job_handle.wait_for(std::chrono::milliseconds{50})) {
      if (result->status == sluice::job_status::failed) {
        std::cerr << "sluice: job failed: " << result->message << '\n';
        return 1;
      }
      std::cerr << "sluice: job " << sluice::to_string(result->status) << '\n';
      return 0;
    }
    if (signalled != 0) {
      job_handle.cancel();
      signalled = 0;
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string job;
  if (!args.empty() && args[0] == "run") {
    if (args.size() < 2 || args[1].rfind("-", 0) == 0) {
      std::cerr << "sluice: run needs a job name\n" << usage;
      return 2;
    }
    job = args[1];
    args.erase(args.begin(), args.begin() + 2);
  } else if (!args.empty() && args[0].rfind("-", 0) != 0) {
    std::cerr << "sluice: unknown command '" << args[0] << "'\n" << usage;
    return 2;
  }
  // CAF's --help lists only global options; ours lists every option.
  for (auto& arg : args)
    if (arg == "--help" || arg == "-h" || arg == "-?")
      arg = "--long-help";
  cli_config cfg;
  if (auto err = cfg.parse_args(args)) {
    std::cerr << "sluice: " << sluice::render(err) << '\n';
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  if (job.empty()) {
    std::cerr << usage;
    return 2;
  }
  try {
    return run_job(job, cfg);
  } catch (const sluice::exception& e) {
    std::cerr << "sluice: " << sluice::to_string(e.code()) << ": " << e.what() << '\n';
    return 2;
  }
}
