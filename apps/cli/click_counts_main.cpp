// `sluice-click-counts`: the quick start's job alone, as `sluice run
// click-counts` runs it (same options, output and exit codes:
// apps/cli/run_command.hpp), without the other sample jobs, the offline
// verbs and the job verbs that `sluice` also compiles. scripts/run-sample
// builds and runs this program, so a new user sees the first records after
// building the library and one job; `sluice` comes with the full build.
#include <string>
#include <vector>

#include "apps/cli/run_command.hpp"
#include "apps/cli/sample_output.hpp"
#include "apps/jobs/click_counts.hpp"

namespace {

const char* const job_name = "click-counts";

const char* const about
  = "usage: sluice-click-counts [options]   (`sluice run click-counts` of the quick start)\n"
    "  per-user visit counts from the click generator (generator.*)\n";

int build(const std::string& name, const sluice::apps::sample_options& opts,
          sluice::environment& env, std::ostream& err) {
  if (name != job_name)
    return sluice::apps::refuse(err, "invalid_argument", "unexpected argument '" + name + "'");
  if (auto rc = sluice::apps::check_sample_options(opts, err); rc != 0)
    return rc;
  sluice::apps::emit(sluice::apps::click_counts(env, opts.generator), opts.output);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args{job_name};
  args.insert(args.end(), argv + 1, argv + argc);
  sluice::apps::job_table jobs;
  jobs.usage = std::string{about} + "options: see `sluice-click-counts --help`\n";
  jobs.help = about;
  jobs.build = build;
  return sluice::apps::run_command(std::move(args), true, jobs);
}
