// The `sluice` command line: `sluice run <job> [options]`, plus the offline
// verbs `checkpoints`, `inspect` and `savepoint --dispose`
// (apps/cli/admin_commands.hpp) and the running-job verbs `list`, `savepoint`,
// `stop`, `cancel` and `checkpoint` (apps/cli/job_commands.hpp).
//
// Options are the engine's (`--pipeline.parallelism=2`, `-p 2`,
// `--config-file=FILE`, see --help) plus the sample jobs' own options
// (apps/cli/sample_jobs.hpp): `generator.*`, `examples.*`, `--input`,
// `--output`. They may come before and after the job name, as with
// `flink run -s PATH -p 3 job.jar`. A long option's value may follow as the
// next argument (`--input words.txt`) or after '='. A source that cannot
// replay (stdin) under checkpointing is named in a warning at start.
// The `checkpointing.*` options go to the job (`--checkpointing.interval=1s`
// takes a checkpoint every second); each completed or failed checkpoint is
// reported on stderr as it ends (apps/jobs/checkpoint_report.hpp). The `state.*`
// options choose where keyed state lives (`--state.backend=lmdb`), the
// `restart-strategy.*` options what a failed job does, and
// `--inject-failures=seed=S,kills=N` kills random subtasks while the job
// runs (each kill and the restarts are reported on stderr).
// Exit codes: 0 finished or cancelled by SIGINT/SIGTERM, 1 the job failed,
// 2 bad command line, configuration or input file.
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/contract/error.hpp"
#include "actors/fault/fault_injector.hpp"
#include "actors/config/system_config.hpp"
#include "actors/config/caf_options.hpp"
#include "apps/cli/admin_commands.hpp"
#include "apps/cli/app_options.hpp"
#include "apps/jobs/checkpoint_report.hpp"
#include "apps/jobs/consistency_levels.hpp"
#include "apps/cli/job_commands.hpp"
#include "apps/cli/rest_endpoint.hpp"
#include "apps/cli/sample_jobs.hpp"
#include "operators/environment.hpp"

namespace {

std::atomic<int> signalled{0};

extern "C" void on_signal(int sig) {
  signalled = sig;
}

/// The engine's options plus the sample jobs' options.
class cli_config : public sluice::system_config {
public:
  cli_config() {
    add_options(*this, sluice::apps::run_options(), sluice::option_scope::own_system);
  }

  /// The index of the job name in the arguments of `run`: the first one
  /// that is neither an option nor an option's value (`-s PATH -p 3 job`,
  /// `job -p 3`); nullopt when there is none.
  std::optional<size_t> job_name_index(const std::vector<std::string>& args) const {
    for (size_t i = 0; i < args.size(); ++i) {
      auto& arg = args[i];
      if (arg.size() > 2 && arg.rfind("--", 0) == 0) {
        if (arg.find('=') != std::string::npos)
          continue;
        auto* opt = custom_options_.cli_long_name_lookup(caf::string_view{arg}.substr(2));
        if (opt != nullptr && !opt->is_flag() && i + 1 < args.size()
            && args[i + 1].rfind("--", 0) != 0)
          ++i; // its value
        continue;
      }
      if (arg.size() >= 2 && arg[0] == '-') {
        auto* opt = custom_options_.cli_short_name_lookup(arg[1]);
        if (opt != nullptr && !opt->is_flag() && arg.size() == 2)
          ++i; // `-p 3`: its value follows
        continue;
      }
      return i;
    }
    return std::nullopt;
  }

  /// Turns `--name value` into `--name=value` for every long option that
  /// takes a value (CAF only understands the second form), unless `value`
  /// is itself a long option.
  std::vector<std::string> join_long_values(const std::vector<std::string>& args) const {
    std::vector<std::string> out;
    for (size_t i = 0; i < args.size(); ++i) {
      auto& arg = args[i];
      if (arg.size() > 2 && arg.rfind("--", 0) == 0 && arg.find('=') == std::string::npos
          && i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
        auto* opt = custom_options_.cli_long_name_lookup(caf::string_view{arg}.substr(2));
        if (opt != nullptr && !opt->is_flag()) {
          out.push_back(arg + "=" + args[++i]);
          continue;
        }
      }
      out.push_back(arg);
    }
    return out;
  }

  /// The sample jobs' options, read after parsing.
  sluice::apps::run_values values;
};

const std::string usage = std::string{sluice::apps::sample_jobs_usage} + sluice::apps::job_usage
                          + sluice::apps::admin_usage + "options: see `sluice --help`\n";

/// What the REST endpoint tells about the job.
sluice::rest_job_info rest_info(const std::string& job, const cli_config& cfg) {
  sluice::rest_job_info info;
  info.name = job;
  info.parallelism = static_cast<uint32_t>(cfg.pipeline().parallelism);
  info.max_parallelism = static_cast<uint32_t>(cfg.pipeline().max_parallelism);
  info.checkpointing = cfg.checkpointing();
  info.state_backend = sluice::to_string(cfg.state().backend);
  info.incremental = cfg.state().incremental;
  return info;
}

int run_job(const std::string& job, cli_config& cfg) {
  sluice::environment env{cfg.pipeline()};
  env.set_checkpoint_config(cfg.checkpointing());
  env.set_state_config(cfg.state());
  env.set_restart_strategy(cfg.restart());
  std::string why;
  auto faults = sluice::fault_injection_spec::parse(cfg.values.inject_failures, why);
  if (!faults) {
    std::cerr << "sluice: invalid_option: " << why << '\n';
    return 2;
  }
  if (job == "consistency-levels") {
    if (!cfg.values.samples.output.empty()) {
      std::cerr << "sluice: invalid_option: output: consistency-levels prints its report\n";
      return 2;
    }
    sluice::apps::consistency_options opts;
    opts.parallelism = cfg.pipeline().parallelism;
    if (faults->active())
      opts.faults = *faults;
    return sluice::apps::consistency_levels(opts, std::cout, std::cerr);
  }
  auto samples = cfg.values.samples;
  samples.checkpointing = cfg.checkpointing().enabled();
  if (auto rc = sluice::apps::build_sample_job(job, samples, env, std::cerr); rc != 0)
    return rc;
  auto mode = sluice::parse_restore_mode(cfg.values.restore_mode);
  if (!mode) {
    std::cerr << "sluice: invalid_option: restore-mode must be no_claim or claim, got '"
              << cfg.values.restore_mode << "'\n";
    return 2;
  }
  if (!cfg.values.from_savepoint.empty()) {
    try {
      env.restore_from(cfg.values.from_savepoint, *mode);
      env.allow_non_restored_state(cfg.values.allow_non_restored_state);
    } catch (const sluice::exception& e) {
      std::cerr << "sluice: from-savepoint: " << e.what() << '\n';
      return 2;
    }
  }
  if (auto problem = faults->problem(cfg.checkpointing().enabled())) {
    std::cerr << "sluice: invalid_option: " << *problem << '\n';
    return 2;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto rest = sluice::apps::rest_endpoint::start(cfg.rest(), std::cerr);
  std::optional<sluice::job_client> submitted;
  try {
    submitted = env.execute_async(job);
  } catch (const sluice::exception& e) {
    std::cerr << "sluice: " << sluice::to_string(e.code()) << ": " << e.what() << '\n';
    return 2;
  }
  auto job_handle = *submitted;
  for (auto& warning : env.restore_warnings())
    std::cerr << "sluice: warning: " << warning << '\n';
  for (auto& warning : env.delivery_warnings())
    std::cerr << "sluice: warning: " << warning << '\n';
  if (rest)
    rest->add_job(job_handle, rest_info(job, cfg));
  if (faults->active())
    sluice::start_fault_injector(env.system(), job_handle, *faults, [](const std::string& line) {
      std::cerr << "sluice: inject-failures: " + line + "\n";
    });
  sluice::apps::checkpoint_reporter checkpoints;
  auto report_checkpoints = [&] {
    if (!cfg.checkpointing().enabled())
      return;
    for (auto& line : checkpoints.update(job_handle.checkpoint_stats()))
      std::cerr << "sluice: " << line << '\n';
  };
  for (;;) {
    auto result = job_handle.wait_for(std::chrono::milliseconds{50});
    report_checkpoints();
    if (result) {
      if (rest)
        rest->linger(std::chrono::seconds{2});
      if (auto& r = result->restarts; r.restarts > 0)
        std::cerr << "sluice: the job restarted " << r.restarts << " times ("
                  << r.downtime.count() << " ms down, last restored checkpoint "
                  << r.restored_checkpoint << "); last failure: " << r.last_failure << '\n';
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
  if (sluice::apps::is_job_command(args))
    return sluice::apps::run_job_command(args, std::cout, std::cerr);
  if (!args.empty() && sluice::apps::is_admin_command(args[0]))
    return sluice::apps::run_admin_command(args, std::cout, std::cerr);
  bool run = !args.empty() && args[0] == "run";
  if (!run && !args.empty() && args[0].rfind("-", 0) != 0) {
    std::cerr << "sluice: unknown command '" << args[0] << "'\n" << usage;
    return 2;
  }
  if (run)
    args.erase(args.begin());
  // CAF's --help lists only global options; ours lists every option.
  bool help = false;
  for (auto& arg : args)
    if (arg == "--help" || arg == "-h" || arg == "-?") {
      arg = "--long-help";
      help = true;
    }
  if (help)
    std::cout << sluice::apps::sample_jobs_usage << sluice::apps::job_usage
              << sluice::apps::admin_usage << '\n';
  cli_config cfg;
  // `flink run -s PATH -p 3 job.jar`: options may come before the job name.
  if (run) {
    if (auto at = cfg.job_name_index(args)) {
      job = args[*at];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(*at));
    } else if (!help) {
      std::cerr << "sluice: run needs a job name\n" << usage;
      return 2;
    }
  }
  if (auto err = cfg.parse_args(cfg.join_long_values(args))) {
    std::cerr << "sluice: " << sluice::render(err) << '\n';
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  cfg.values = sluice::apps::read_run_values(cfg);
  if (job.empty()) {
    std::cerr << usage;
    return 2;
  }
  if (!cfg.positional().empty()) {
    std::cerr << "sluice: invalid_argument: unexpected argument '" << cfg.positional().front()
              << "'\n"
              << usage;
    return 2;
  }
  try {
    return run_job(job, cfg);
  } catch (const sluice::exception& e) {
    std::cerr << "sluice: " << sluice::to_string(e.code()) << ": " << e.what() << '\n';
    return 2;
  }
}
