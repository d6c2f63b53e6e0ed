#include "apps/cli/run_command.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/contract/error.hpp"
#include "actors/fault/fault_injector.hpp"
#include "actors/config/system_config.hpp"
#include "actors/config/caf_options.hpp"
#include "apps/cli/app_options.hpp"
#include "apps/cli/rest_endpoint.hpp"
#include "apps/jobs/checkpoint_report.hpp"
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

int run_job(const std::string& job, cli_config& cfg, const sluice::apps::job_table& jobs) {
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
  if (jobs.run_alone) {
    sluice::apps::self_run_request request;
    request.parallelism = static_cast<uint32_t>(cfg.pipeline().parallelism);
    request.output = cfg.values.samples.output;
    request.faults = &*faults;
    if (auto rc = jobs.run_alone(job, request))
      return *rc;
  }
  auto samples = cfg.values.samples;
  samples.checkpointing = cfg.checkpointing().enabled();
  if (auto rc = jobs.build(job, samples, env, std::cerr); rc != 0)
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

namespace sluice::apps {

int run_command(std::vector<std::string> args, bool find_job, const job_table& jobs) {
  std::string job;
  // CAF's --help lists only global options; ours lists every option.
  bool help = false;
  for (auto& arg : args)
    if (arg == "--help" || arg == "-h" || arg == "-?") {
      arg = "--long-help";
      help = true;
    }
  if (help)
    std::cout << jobs.help << '\n';
  cli_config cfg;
  // `flink run -s PATH -p 3 job.jar`: options may come before the job name.
  if (find_job) {
    if (auto at = cfg.job_name_index(args)) {
      job = args[*at];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(*at));
    } else if (!help) {
      std::cerr << "sluice: run needs a job name\n" << jobs.usage;
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
    std::cerr << jobs.usage;
    return 2;
  }
  if (!cfg.positional().empty()) {
    std::cerr << "sluice: invalid_argument: unexpected argument '" << cfg.positional().front()
              << "'\n"
              << jobs.usage;
    return 2;
  }
  try {
    return run_job(job, cfg, jobs);
  } catch (const sluice::exception& e) {
    std::cerr << "sluice: " << sluice::to_string(e.code()) << ": " << e.what() << '\n';
    return 2;
  }
}

} // namespace sluice::apps
