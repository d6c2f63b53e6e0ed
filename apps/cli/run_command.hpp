// `run`, shared by the programs that run sample jobs: `sluice run JOB`
// (every sample job, apps/cli/sample_jobs.hpp) and `sluice-click-counts`
// (the quick start's job alone, which builds in a fraction of the time).
//
// Reads the engine's options and the sample jobs' own options
// (apps/cli/app_options.hpp) from the command line and the config file,
// builds the job from the program's job table, starts the REST endpoint
// (apps/cli/rest_endpoint.hpp), runs the job until it ends or SIGINT/SIGTERM
// cancels it, and reports checkpoints, restarts and injected faults on
// stderr. Exit codes: 0 finished or cancelled, 1 the job failed, 2 bad
// command line, configuration or input file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "apps/cli/sample_jobs.hpp"

namespace sluice {
class environment;
struct fault_injection_spec;
} // namespace sluice

namespace sluice::apps {

/// A job that brings its own runner (consistency-levels): what it gets of
/// the command line.
struct self_run_request {
  uint32_t parallelism = 1;
  /// The `output` option (such a job may refuse it).
  std::string output;
  const fault_injection_spec* faults = nullptr;
};

/// The jobs a program's `run` can start.
struct job_table {
  /// Printed after a bad command line.
  std::string usage;
  /// Printed by --help before the list of options.
  std::string help;
  /// Adds job `name` to `env`: 0, or 2 after writing "sluice: <code>:
  /// <why>" to `err` (an unknown name too).
  std::function<int(const std::string& name, const sample_options& opts, environment& env,
                    std::ostream& err)>
    build;
  /// Runs job `name` if it brings its own runner and returns its exit
  /// code; nullopt for the jobs of `build`. May be empty (none does).
  std::function<std::optional<int>(const std::string& name, const self_run_request& request)>
    run_alone;
};

/// `run [options] JOB [options]`. With `find_job`, `args` are the arguments
/// after `run`: the job name is the first argument that is neither an
/// option nor an option's value, so options may come before and after it
/// (`-s PATH -p 3 JOB`, as with `flink run`). Without it, `args` hold
/// options only (`sluice --help`, `sluice -p 2`: usage after reading them).
/// A long option's value may follow as the next argument (`--input FILE`).
int run_command(std::vector<std::string> args, bool find_job, const job_table& jobs);

} // namespace sluice::apps
