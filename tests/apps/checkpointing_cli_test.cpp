// `checkpointing.*` options of the `sluice` and `sluice-embedded` programs as
// a user runs them: the job takes checkpoints, each is reported on stderr,
// filesystem checkpoints are retained, bad values exit 2 naming the option.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "operators/sources.hpp"
#include "snapshot/checkpoint_storage.hpp"
#include "tests/apps/process.hpp"
#include "tests/apps/reference.hpp"

using namespace std::chrono_literals;

namespace checkpointing_cli_test {

using namespace sluice::test;

namespace {

std::vector<std::string> with_exe(const std::string& exe, std::vector<std::string> args) {
  args.insert(args.begin(), build_path(exe));
  return args;
}

/// The "checkpoint N completed ... (PATH)" lines of `err`, as id -> path.
std::map<uint64_t, std::string> completed_checkpoints(const std::string& err,
                                                      const std::string& prefix) {
  std::map<uint64_t, std::string> out;
  std::regex line{prefix + R"(: checkpoint (\d+) completed in \d+ ms, [0-9.]+ [KMG]?i?B state, )"
                  R"([0-9.]+ [KMG]?i?B in flight, (\d+)/(\d+) subtasks.*\((.*)\))"};
  for (auto& l : lines_of(err)) {
    std::smatch m;
    if (std::regex_match(l, m, line)) {
      BOOST_CHECK_MESSAGE(m[2] == m[3], "not every subtask acknowledged: " << l);
      out[std::stoull(m[1])] = m[4];
    }
  }
  return out;
}

/// `sluice run click-counts` (150 events at 150/s: about one second, some
/// 20 checkpoint intervals) with filesystem checkpoints under `root`,
/// retained at the end, plus `extra` arguments. Checks the output (no
/// restart happened, so checkpointing changes nothing), that checkpoints
/// completed, one job directory named by the 32-hex-digit job id, and that
/// the newest reported checkpoint is retained where its line says. Returns
/// that checkpoint's `_metadata`.
std::filesystem::path run_click_counts(const temp_dir& dir, const std::filesystem::path& root,
                                       std::vector<std::string> extra = {}) {
  sluice::click_source_options opts;
  opts.count = 150;
  opts.users = 7;
  opts.seed = 3;
  std::map<std::string, int64_t> expected;
  for (uint64_t i = 0; i < opts.count; ++i)
    ++expected[sluice::click_event_at(opts, i).user];
  std::vector<std::string> args{"run", "click-counts", "-p", "2", "--generator.count=150",
                                "--generator.users=7", "--generator.seed=3",
                                "--generator.rate=150", "--checkpointing.interval=50ms",
                                "--checkpointing.storage=filesystem",
                                "--checkpointing.dir=" + root.string(),
                                "--checkpointing.externalized=retain_on_cancellation"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run(with_exe("apps/sluice", args), dir.path(), 60s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_CHECK_MESSAGE(r.err.find("job finished") != std::string::npos, r.err);
  auto problem = check_running_counts(lines_of(r.out), expected, parse_visit_count);
  BOOST_CHECK_MESSAGE(problem.empty(), problem);
  auto done = completed_checkpoints(r.err, "sluice");
  BOOST_REQUIRE_MESSAGE(!done.empty(), "no checkpoint completed line in:\n" << r.err);
  std::vector<std::filesystem::path> jobs;
  for (auto& entry : std::filesystem::directory_iterator{root})
    jobs.push_back(entry.path());
  BOOST_REQUIRE_EQUAL(jobs.size(), 1u);
  BOOST_CHECK(std::regex_match(jobs[0].filename().string(), std::regex{"[0-9a-f]{32}"}));
  auto [last, path] = *done.rbegin();
  auto metadata = jobs[0] / ("chk-" + std::to_string(last)) / "_metadata";
  BOOST_CHECK_MESSAGE(std::filesystem::exists(metadata), metadata << " is missing\n" << r.err);
  BOOST_CHECK_EQUAL(std::filesystem::path{path}, metadata);
  return metadata;
}

} // namespace

BOOST_AUTO_TEST_SUITE(checkpointing_cli)

BOOST_AUTO_TEST_CASE(click_counts_reports_checkpoints_and_retains_the_last_on_disk) {
  temp_dir dir;
  run_click_counts(dir, dir / "checkpoints");
}

// With incremental lmdb state the retained checkpoint's keyed state is a
// chain of files in the job's shared/ directory, all present.
BOOST_AUTO_TEST_CASE(click_counts_with_incremental_lmdb_state) {
  temp_dir dir;
  auto metadata = run_click_counts(dir, dir / "checkpoints",
                                   {"--state.backend=lmdb", "--state.incremental=true",
                                    "--state.local-dir=" + (dir / "lmdb").string()});
  auto md = sluice::read_metadata_file(metadata);
  auto job_dir = metadata.parent_path().parent_path();
  size_t shared = 0;
  for (auto& op : md.operators)
    for (auto& sub : op.subtasks)
      for (auto& h : sub.handles) {
        auto file = sluice::checkpoint_storage::file_of(md.checkpoint_id, h);
        BOOST_CHECK_MESSAGE(std::filesystem::exists(job_dir / file), file << " is missing");
        shared += file.rfind("shared/", 0) == 0 ? 1 : 0;
      }
  BOOST_CHECK_GE(shared, 1u);
}

BOOST_AUTO_TEST_CASE(checkpoints_are_off_and_silent_by_default) {
  temp_dir dir;
  auto r = run(with_exe("apps/sluice", {"run", "click-counts", "--generator.count=20",
                                        "--generator.rate=40"}),
               dir.path());
  BOOST_REQUIRE_EQUAL(r.exit_code, 0);
  BOOST_CHECK_MESSAGE(r.err.find("checkpoint") == std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(invalid_checkpointing_options_exit_2_naming_the_option) {
  temp_dir dir;
  struct bad_case {
    std::vector<std::string> args;
    std::string named;
  };
  std::vector<bad_case> cases = {
    {{"--checkpointing.mode=fast"}, "checkpointing.mode"},
    {{"--checkpointing.unaligned=true", "--checkpointing.mode=at_least_once"},
     "checkpointing.unaligned"},
    {{"--checkpointing.storage=tape"}, "checkpointing.storage"},
    {{"--checkpointing.interval=1ms"}, "checkpointing.interval"},
    {{"--checkpointing.max-concurrent=-1"}, "checkpointing.max-concurrent"},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT("sluice run click-counts " << c.args.back()) {
      std::vector<std::string> args{"run", "click-counts", "--generator.count=5"};
      args.insert(args.end(), c.args.begin(), c.args.end());
      auto r = run(with_exe("apps/sluice", args), dir.path());
      BOOST_CHECK_EQUAL(r.exit_code, 2);
      BOOST_CHECK_MESSAGE(r.err.find(c.named) != std::string::npos, r.err);
      BOOST_CHECK_EQUAL(r.out, "");
    }
    BOOST_TEST_CONTEXT("sluice-embedded " << c.args.back()) {
      std::vector<std::string> args{"--clicks.count=5"};
      args.insert(args.end(), c.args.begin(), c.args.end());
      auto r = run(with_exe("apps/sluice-embedded", args), dir.path());
      BOOST_CHECK_EQUAL(r.exit_code, 2);
      BOOST_CHECK_MESSAGE(r.err.find(c.named) != std::string::npos, r.err);
      BOOST_CHECK_EQUAL(r.out, "");
    }
  }
}

BOOST_AUTO_TEST_CASE(help_lists_the_checkpointing_options) {
  temp_dir dir;
  for (std::string exe : {"apps/sluice", "apps/sluice-embedded"}) {
    auto r = run(with_exe(exe, {"--help"}), dir.path());
    BOOST_CHECK_EQUAL(r.exit_code, 0);
    auto all = r.out + r.err;
    for (auto opt : {"--checkpointing.interval", "--checkpointing.mode",
                     "--checkpointing.unaligned", "--checkpointing.storage",
                     "--checkpointing.dir", "--checkpointing.externalized"})
      BOOST_CHECK_MESSAGE(all.find(opt) != std::string::npos, exe << " --help lacks " << opt);
  }
}

BOOST_AUTO_TEST_CASE(sluice_embedded_takes_and_reports_checkpoints) {
  temp_dir dir;
  auto root = dir / "checkpoints";
  // The host feeds as fast as it can; checkpoints run while it does, and
  // the final ones after the inlet closed (finished subtasks).
  auto r = run(with_exe("apps/sluice-embedded",
                        {"--clicks.count=20000", "--clicks.batch=4",
                         "--checkpointing.interval=20ms", "--checkpointing.storage=filesystem",
                         "--checkpointing.dir=" + root.string(),
                         "--checkpointing.externalized=retain_on_cancellation"}),
               dir.path(), 60s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_CHECK_EQUAL(lines_of(r.out).size(), 20000u);
  auto done = completed_checkpoints(r.err, "sluice-embedded");
  BOOST_REQUIRE_MESSAGE(!done.empty(), "no checkpoint completed line in:\n" << r.err);
  BOOST_CHECK_MESSAGE(std::filesystem::exists(done.rbegin()->second),
                      done.rbegin()->second << " is missing");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace checkpointing_cli_test
