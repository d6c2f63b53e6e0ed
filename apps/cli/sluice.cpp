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
// `run` itself is apps/cli/run_command.hpp, shared with sluice-click-counts.
// Exit codes: 0 finished or cancelled by SIGINT/SIGTERM, 1 the job failed,
// 2 bad command line, configuration or input file.
#include <atomic>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "actors/fault/fault_injection.hpp"
#include "apps/cli/admin_commands.hpp"
#include "apps/cli/job_commands.hpp"
#include "apps/cli/run_command.hpp"
#include "apps/cli/sample_jobs.hpp"
#include "apps/jobs/consistency_levels.hpp"

namespace {

const std::string usage = std::string{sluice::apps::sample_jobs_usage} + sluice::apps::job_usage
                          + sluice::apps::admin_usage + "options: see `sluice --help`\n";

/// consistency-levels runs its three jobs itself and prints its report.
std::optional<int> run_consistency_levels(const std::string& job,
                                          const sluice::apps::self_run_request& request) {
  if (job != "consistency-levels")
    return std::nullopt;
  if (!request.output.empty()) {
    std::cerr << "sluice: invalid_option: output: consistency-levels prints its report\n";
    return 2;
  }
  sluice::apps::consistency_options opts;
  opts.parallelism = request.parallelism;
  if (request.faults->active())
    opts.faults = *request.faults;
  return sluice::apps::consistency_levels(opts, std::cout, std::cerr);
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
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
  sluice::apps::job_table jobs;
  jobs.usage = usage;
  jobs.help = std::string{sluice::apps::sample_jobs_usage} + sluice::apps::job_usage
              + sluice::apps::admin_usage;
  jobs.build = sluice::apps::build_sample_job;
  jobs.run_alone = run_consistency_levels;
  return sluice::apps::run_command(std::move(args), run, jobs);
}
