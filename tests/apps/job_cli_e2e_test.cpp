// The job verbs end to end, as a user runs them: `sluice run click-counts
// --rest.port=0` (unbounded generator, checkpoints every 50 ms) in the
// background, its port read from the "sluice: REST endpoint on http://..."
// line on its stderr while it runs, then `sluice list`, `sluice savepoint
// JOB DIR` (the savepoint directory holds `_metadata`), `sluice checkpoint
// JOB` and `sluice stop JOB` (the job ends, exit 0, and its final savepoint
// holds `_metadata`) as separate processes; `sluice cancel JOB` ends a
// second job; `sluice list` against the ended job cannot reach it.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/apps/running_job.hpp"

using namespace std::chrono_literals;

namespace job_cli_e2e_test {

using namespace sluice::test;

namespace {

/// `sluice run click-counts --rest.port=0` with an unbounded generator and
/// checkpoints every 50 ms.
running_job click_counts_job(const temp_dir& dir) {
  return running_job{dir,
                     {"run", "click-counts", "--generator.count=0", "--generator.rate=200",
                      "--checkpointing.interval=50ms", "--checkpointing.storage=filesystem",
                      "--checkpointing.dir=" + (dir / "chk").string(), "--rest.port=0"}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(job_cli_e2e_suite)

BOOST_AUTO_TEST_CASE(list_savepoint_checkpoint_and_stop_a_running_job) {
  temp_dir dir;
  auto job = click_counts_job(dir);
  auto port = job.wait_for_port();
  BOOST_REQUIRE_MESSAGE(port.has_value(),
                        "no 'sluice: REST endpoint on' line; stderr:\n" << job.err_so_far());
  const std::string& p = *port;

  auto list = sluice_cli({"list"}, p, dir);
  BOOST_CHECK_EQUAL(list.exit_code, 0);
  auto id = running_job_id(list.out);
  BOOST_REQUIRE_MESSAGE(!id.empty(), "no RUNNING job in:\n" << list.out << list.err);

  auto sp = sluice_cli({"savepoint", id, (dir / "savepoints").string()}, p, dir);
  BOOST_CHECK_MESSAGE(sp.exit_code == 0, sp.out << sp.err);
  auto sp_path = savepoint_path(sp.out);
  BOOST_CHECK_MESSAGE(!sp_path.empty(), sp.out);
  BOOST_CHECK_MESSAGE(sp_path.rfind((dir / "savepoints").string(), 0) == 0, sp_path);
  BOOST_CHECK_MESSAGE(std::filesystem::exists(std::filesystem::path{sp_path} / "_metadata"),
                      sp_path << " holds no _metadata");

  auto chk = sluice_cli({"checkpoint", id}, p, dir);
  BOOST_CHECK_MESSAGE(chk.exit_code == 0, chk.out << chk.err);
  BOOST_CHECK_MESSAGE(std::regex_search(chk.out, std::regex{"\nCheckpoint \\d+ for job " + id
                                                            + " completed\\.\n"}),
                      chk.out);

  auto stop = sluice_cli({"stop", "--savepoint-path", (dir / "final").string(), id}, p, dir);
  BOOST_CHECK_MESSAGE(stop.exit_code == 0, stop.out << stop.err);
  auto final_path = savepoint_path(stop.out);
  BOOST_CHECK_MESSAGE(std::filesystem::exists(std::filesystem::path{final_path} / "_metadata"),
                      "stop: " << stop.out << stop.err);
  auto ended = job.proc().wait(30s);
  BOOST_CHECK(!ended.timed_out);
  BOOST_CHECK_MESSAGE(ended.exit_code == 0, job.err_so_far());

  auto gone = sluice_cli({"list"}, p, dir);
  BOOST_CHECK_EQUAL(gone.exit_code, 1);
  BOOST_CHECK_MESSAGE(gone.err.find("cannot reach the sluice REST endpoint") != std::string::npos,
                      gone.err);
}

BOOST_AUTO_TEST_CASE(cancel_ends_a_running_job) {
  temp_dir dir;
  auto job = click_counts_job(dir);
  auto port = job.wait_for_port();
  BOOST_REQUIRE_MESSAGE(port.has_value(),
                        "no 'sluice: REST endpoint on' line; stderr:\n" << job.err_so_far());
  auto list = sluice_cli({"list", "--running"}, *port, dir);
  auto id = running_job_id(list.out);
  BOOST_REQUIRE_MESSAGE(!id.empty(), "no RUNNING job in:\n" << list.out << list.err);
  auto bad = sluice_cli({"cancel", "not-a-job"}, *port, dir);
  BOOST_CHECK_EQUAL(bad.exit_code, 2);
  auto unknown = sluice_cli({"cancel", std::string(32, '0')}, *port, dir);
  BOOST_CHECK_EQUAL(unknown.exit_code, 1);
  BOOST_CHECK_MESSAGE(unknown.err.find("not found") != std::string::npos, unknown.err);
  auto cancel = sluice_cli({"cancel", id}, *port, dir);
  BOOST_CHECK_EQUAL(cancel.exit_code, 0);
  BOOST_CHECK_MESSAGE(cancel.out.find("Cancelled job " + id + ".\n") != std::string::npos,
                      cancel.out << cancel.err);
  auto ended = job.proc().wait(30s);
  BOOST_CHECK(!ended.timed_out);
  BOOST_CHECK_MESSAGE(ended.exit_code == 0, job.err_so_far());
  BOOST_CHECK_MESSAGE(job.err_so_far().find("job cancelled") != std::string::npos,
                      job.err_so_far());
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace job_cli_e2e_test
