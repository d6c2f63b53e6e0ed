// write_ahead_sink: records wait in checkpointed state and reach the file
// only when their checkpoint completed; a replay of an already written
// checkpoint (crash after the write, before the state moved on) writes
// nothing twice, and a write cut short before its marker is cut off and
// written again.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "operators/wal_sink.hpp"
#include "tests/operators/sink_test_util.hpp"

using namespace sluice;

namespace wal_sink_test {

using namespace sluice::testing;
namespace fs = std::filesystem;

namespace {

using wal = write_ahead_sink<std::string>;

hosted<wal> start(const fs::path& dir, std::vector<list_state_item> items = {},
                  uint64_t restored_id = 0, subtask_info info = sink_info()) {
  return host(std::make_unique<wal>(dir), std::move(info), std::move(items), restored_id);
}

std::vector<std::string> lines(int first, int last) {
  std::vector<std::string> xs;
  for (int i = first; i <= last; ++i)
    xs.push_back("r" + std::to_string(i));
  return xs;
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string raw(const fs::path& file) {
  std::ifstream in{file};
  return {std::istreambuf_iterator<char>{in}, {}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(wal_sink_test)

BOOST_AUTO_TEST_CASE(records_are_written_when_their_checkpoint_completes) {
  sink_temp_dir dir;
  auto s = start(dir.path);
  s.feed(lines(1, 3));
  auto items = s.snapshot(1);
  BOOST_CHECK_EQUAL(items.size(), 1u); // the pending batch is in the state
  BOOST_CHECK(read_committed_wal_lines(dir.path).empty());
  s.feed(lines(4, 4));
  s.complete(1);
  BOOST_CHECK(read_committed_wal_lines(dir.path) == lines(1, 3));
  BOOST_CHECK_EQUAL(raw(dir.path / "job.sink-0.out"), "r1\nr2\nr3\n");
  BOOST_CHECK(s.snapshot(2).size() == 1u); // batch 2 only; batch 1 is written
}

BOOST_AUTO_TEST_CASE(a_replay_of_a_written_checkpoint_writes_nothing_twice) {
  sink_temp_dir dir;
  auto s = start(dir.path);
  s.feed(lines(1, 2));
  s.snapshot(1);
  s.feed(lines(3, 4));
  auto items2 = s.snapshot(2); // holds batches 1 and 2
  s.complete(2);               // both written; the crash comes before checkpoint 3
  s.feed(lines(5, 6));
  s.crash();
  BOOST_CHECK(read_committed_wal_lines(dir.path) == lines(1, 4));
  for (int i = 0; i < 2; ++i) // recovering checkpoint 2 twice
    start(dir.path, items2, 2).crash();
  BOOST_CHECK(read_committed_wal_lines(dir.path) == lines(1, 4));
  BOOST_CHECK_EQUAL(raw(dir.path / "job.sink-0.out"), "r1\nr2\nr3\nr4\n");
}

BOOST_AUTO_TEST_CASE(a_restore_writes_the_restored_checkpoints_pending_records) {
  sink_temp_dir dir;
  auto s = start(dir.path);
  s.feed(lines(1, 2));
  s.snapshot(1);
  s.complete(1);
  s.feed(lines(3, 4));
  auto items2 = s.snapshot(2); // complete(2) never reaches the sink
  s.feed(lines(5, 6));
  s.snapshot(3);
  s.crash();
  auto r = start(dir.path, items2, 2);
  BOOST_CHECK(read_committed_wal_lines(dir.path) == lines(1, 4));
  r.feed(lines(5, 7)); // replay after 2, end of input, final checkpoint
  r.finish();
  r.snapshot(3);
  BOOST_CHECK(read_committed_wal_lines(dir.path) == lines(1, 4));
  r.complete(3);
  BOOST_CHECK(read_committed_wal_lines(dir.path) == lines(1, 7));
}

BOOST_AUTO_TEST_CASE(a_write_cut_short_before_its_marker_is_written_again) {
  sink_temp_dir dir;
  auto s = start(dir.path);
  s.feed(lines(1, 2));
  auto items1 = s.snapshot(1);
  s.complete(1);
  s.feed(lines(3, 4));
  auto items2 = s.snapshot(2);
  s.crash();
  // A crash while writing batch 2: part of it reached the file, the marker
  // still says checkpoint 1.
  auto out = dir.path / "job.sink-0.out";
  std::ofstream{out, std::ios::app} << "r3\nr";
  BOOST_CHECK(read_committed_wal_lines(dir.path) == lines(1, 2));
  // A restore cuts the uncommitted tail off even with nothing to write...
  start(dir.path, items1, 1).crash();
  BOOST_CHECK_EQUAL(raw(out), "r1\nr2\n");
  // ...and one of checkpoint 2 writes batch 2 (again).
  std::ofstream{out, std::ios::app} << "r3\nr";
  start(dir.path, items2, 2);
  BOOST_CHECK(read_committed_wal_lines(dir.path) == lines(1, 4));
  BOOST_CHECK_EQUAL(raw(out), "r1\nr2\nr3\nr4\n");
}

BOOST_AUTO_TEST_CASE(an_aborted_checkpoints_records_are_written_with_the_next) {
  sink_temp_dir dir;
  auto s = start(dir.path);
  s.feed(lines(1, 2));
  s.snapshot(1);
  s.aborted(1);
  s.feed(lines(3, 3));
  s.snapshot(2);
  BOOST_CHECK(read_committed_wal_lines(dir.path).empty());
  s.complete(2);
  BOOST_CHECK(read_committed_wal_lines(dir.path) == lines(1, 3));
}

BOOST_AUTO_TEST_CASE(a_fresh_run_appends_after_an_earlier_runs_output) {
  sink_temp_dir dir;
  for (int run = 0; run < 2; ++run) {
    auto s = start(dir.path);
    s.feed(lines(10 * run, 10 * run + 1));
    s.finish();
    s.snapshot(1); // checkpoint ids start at 1 again in a new job
    s.complete(1);
  }
  BOOST_CHECK(read_committed_wal_lines(dir.path) == concat(lines(0, 1), lines(10, 11)));
}

BOOST_AUTO_TEST_CASE(a_rescale_writes_every_old_subtasks_batches_once) {
  sink_temp_dir dir;
  std::vector<std::vector<list_state_item>> items(2);
  for (uint32_t i = 0; i < 2; ++i) {
    auto s = start(dir.path, {}, 0, sink_info(i, 2));
    s.feed(lines(10 * i, 10 * i + 1));
    s.snapshot(1);
    s.complete(1);
    s.feed(lines(10 * i + 2, 10 * i + 3));
    items[i] = s.snapshot(2);
    s.crash();
  }
  auto modes = wal{dir.path}.list_state_modes();
  start(dir.path, redistribute(items, 1, 0, modes), 2, sink_info(0, 1));
  BOOST_CHECK(read_committed_wal_lines(dir.path) == concat(lines(0, 3), lines(10, 13)));
}

BOOST_AUTO_TEST_CASE(a_malformed_marker_fails_with_the_files_name) {
  sink_temp_dir dir;
  auto s = start(dir.path);
  s.feed(lines(1, 1));
  auto items = s.snapshot(1);
  s.crash();
  auto marker = dir.path / ".job.sink-0.committed";
  std::ofstream{marker} << "sluice-wal 1 x";
  try {
    start(dir.path, items, 1);
    BOOST_ERROR("a malformed marker was accepted");
  } catch (const exception& e) {
    BOOST_CHECK(e.code() == ec::corrupt_file);
    BOOST_CHECK_MESSAGE(std::string{e.what()}.find(marker.string()) != std::string::npos,
                        e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace wal_sink_test
