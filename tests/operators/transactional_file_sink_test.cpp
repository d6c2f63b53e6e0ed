// transactional_file_sink: lines become part files only for completed
// checkpoints; a crash and restore leaves exactly the lines before the
// restored barrier, commits idempotently, removes this subtask's in-progress
// leftovers (and nothing of other subtasks or sinks), and refuses damaged
// transactions with an error naming the file.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>

#include "operators/transactional_file_sink.hpp"
#include "tests/operators/sink_test_util.hpp"

using namespace sluice;

namespace transactional_file_sink_test {

using namespace sluice::testing;
namespace fs = std::filesystem;

namespace {

using file_sink = transactional_file_sink<std::string>;

hosted<file_sink> start(const fs::path& dir, std::vector<list_state_item> items = {},
                        uint64_t restored_id = 0, subtask_info info = sink_info()) {
  return host(std::make_unique<file_sink>(dir), std::move(info), std::move(items), restored_id);
}

std::vector<std::string> lines(int first, int last) {
  std::vector<std::string> xs;
  for (int i = first; i <= last; ++i)
    xs.push_back("line " + std::to_string(i));
  return xs;
}

std::vector<std::string> in_progress(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code err;
  for (auto& e : fs::directory_iterator(dir / ".in-progress", err))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void touch(const fs::path& path, const std::string& text = "x\n") {
  std::ofstream{path} << text;
}

} // namespace

BOOST_AUTO_TEST_SUITE(transactional_file_sink_test)

BOOST_AUTO_TEST_CASE(lines_become_visible_when_their_checkpoint_completes) {
  sink_temp_dir dir;
  auto s = start(dir.path);
  s.feed(lines(1, 3));
  BOOST_CHECK(read_committed_lines(dir.path).empty());
  s.snapshot(1);
  BOOST_CHECK(read_committed_lines(dir.path).empty()); // pre-committed only
  BOOST_CHECK(in_progress(dir.path) == std::vector<std::string>{"job.sink-0-0000000000"});
  s.complete(1);
  BOOST_CHECK(read_committed_lines(dir.path) == lines(1, 3));
  BOOST_CHECK(fs::exists(dir.path / "part-job.sink-0-0000000000"));
  BOOST_CHECK(in_progress(dir.path).empty()); // renamed; the next has no record yet
}

BOOST_AUTO_TEST_CASE(a_restore_leaves_exactly_the_lines_before_the_barrier) {
  sink_temp_dir dir;
  auto s = start(dir.path);
  s.feed(lines(1, 3));
  s.snapshot(1);
  s.complete(1);
  s.feed(lines(4, 6));
  auto items2 = s.snapshot(2);
  s.feed(lines(7, 8));
  s.snapshot(3); // pre-committed, never completed
  s.feed(lines(9, 9));
  s.crash();
  BOOST_CHECK_EQUAL(in_progress(dir.path).size(), 3u); // 2's, 3's and the open one
  auto r = start(dir.path, items2, 2);
  BOOST_CHECK(read_committed_lines(dir.path) == lines(1, 6));
  BOOST_CHECK(in_progress(dir.path).empty()); // aborted and cleaned up
  // Replay after checkpoint 2, then the end of input and the final checkpoint.
  r.feed(lines(7, 9));
  r.finish();
  r.snapshot(3);
  BOOST_CHECK(read_committed_lines(dir.path) == lines(1, 6));
  r.complete(3);
  BOOST_CHECK(read_committed_lines(dir.path) == lines(1, 9));
  BOOST_CHECK(in_progress(dir.path).empty());
}

BOOST_AUTO_TEST_CASE(recovering_the_same_checkpoint_twice_commits_once) {
  sink_temp_dir dir;
  auto s = start(dir.path);
  s.feed(lines(1, 2));
  s.snapshot(1);
  s.feed(lines(3, 4));
  auto items2 = s.snapshot(2);
  s.complete(2); // both committed before the crash; state 2 lists both as pending
  s.feed(lines(5, 5));
  s.crash();
  for (int i = 0; i < 2; ++i) {
    auto r = start(dir.path, items2, 2);
    r.feed(lines(5, 6)); // an open transaction the next restore cleans up
    r.crash();
    BOOST_CHECK(read_committed_lines(dir.path) == lines(1, 4));
  }
  BOOST_CHECK(in_progress(dir.path).size() == 1u);
  start(dir.path, items2, 2);
  BOOST_CHECK(in_progress(dir.path).empty());
  BOOST_CHECK(read_committed_lines(dir.path) == lines(1, 4));
}

BOOST_AUTO_TEST_CASE(an_aborted_checkpoints_lines_commit_with_the_next_one) {
  sink_temp_dir dir;
  auto s = start(dir.path);
  s.feed(lines(1, 2));
  s.snapshot(1);
  s.aborted(1);
  s.feed(lines(3, 4));
  s.snapshot(2);
  BOOST_CHECK(read_committed_lines(dir.path).empty());
  s.complete(2);
  BOOST_CHECK(read_committed_lines(dir.path) == lines(1, 4));
}

BOOST_AUTO_TEST_CASE(cleanup_touches_only_this_subtasks_files) {
  sink_temp_dir dir;
  fs::create_directories(dir.path / ".in-progress");
  auto mine = dir.path / ".in-progress" / "job.sink-0-0000000007";
  std::vector<fs::path> others{dir.path / ".in-progress" / "job.sink-1-0000000000",
                               dir.path / ".in-progress" / "job.sink-10-0000000000",
                               dir.path / ".in-progress" / "job.sink_2-0-0000000000",
                               dir.path / ".in-progress" / "other.sink-0-0000000000",
                               dir.path / ".in-progress" / "job.sink-0-notes",
                               dir.path / "part-job.sink-1-0000000000"};
  touch(mine);
  for (auto& p : others)
    touch(p);
  auto s = start(dir.path); // a fresh start cleans up its own prefix, too
  BOOST_CHECK(!fs::exists(mine));
  for (auto& p : others)
    BOOST_CHECK_MESSAGE(fs::exists(p), p << " was removed");
  // New ids start above the leftover's sequence.
  BOOST_CHECK_EQUAL(s.op->current_transaction()->id, "job.sink-0-0000000008");
}

BOOST_AUTO_TEST_CASE(a_second_run_into_the_same_directory_adds_files) {
  sink_temp_dir dir;
  for (int run = 0; run < 2; ++run) {
    auto s = start(dir.path);
    s.feed(lines(10 * run, 10 * run + 1));
    s.finish();
    s.snapshot(1);
    s.complete(1);
  }
  auto got = read_committed_lines(dir.path);
  auto expected = lines(0, 1);
  for (auto& x : lines(10, 11))
    expected.push_back(x);
  BOOST_CHECK(got == expected);
}

BOOST_AUTO_TEST_CASE(a_rescale_commits_every_old_subtasks_lines_once) {
  sink_temp_dir dir;
  std::vector<std::vector<list_state_item>> items(2);
  for (uint32_t i = 0; i < 2; ++i) {
    auto s = start(dir.path, {}, 0, sink_info(i, 2));
    s.feed(lines(10 * i, 10 * i + 2));
    items[i] = s.snapshot(4);
    s.feed(lines(10 * i + 5, 10 * i + 5));
    s.crash();
  }
  auto modes = file_sink{dir.path}.list_state_modes();
  start(dir.path, redistribute(items, 1, 0, modes), 4, sink_info(0, 1));
  auto got = read_committed_lines(dir.path);
  auto expected = lines(0, 2);
  for (auto& x : lines(10, 12))
    expected.push_back(x);
  BOOST_CHECK(got == expected);
  BOOST_CHECK(in_progress(dir.path).empty()); // old subtask 1's leftover too
}

BOOST_AUTO_TEST_CASE(a_damaged_pending_transaction_fails_the_restore) {
  sink_temp_dir dir;
  auto s = start(dir.path);
  s.feed(lines(1, 3));
  auto items = s.snapshot(1);
  s.crash();
  auto file = dir.path / ".in-progress" / "job.sink-0-0000000000";
  fs::resize_file(file, 3);
  try {
    start(dir.path, items, 1);
    BOOST_ERROR("a truncated in-progress file was committed");
  } catch (const exception& e) {
    BOOST_CHECK(e.code() == ec::corrupt_file);
    BOOST_CHECK_MESSAGE(std::string{e.what()}.find(file.string()) != std::string::npos,
                        e.what());
  }
  fs::remove(file);
  try {
    start(dir.path, items, 1);
    BOOST_ERROR("a vanished transaction was taken as committed");
  } catch (const exception& e) {
    BOOST_CHECK(e.code() == ec::io_error);
    BOOST_CHECK_MESSAGE(std::string{e.what()}.find("lost") != std::string::npos, e.what());
  }
  BOOST_CHECK(read_committed_lines(dir.path).empty());
}

BOOST_AUTO_TEST_CASE(records_of_other_types_use_operator_output) {
  sink_temp_dir dir;
  auto s = host(std::make_unique<transactional_file_sink<int>>(dir.path), sink_info());
  s.feed(std::vector<int>{1, 22, 333});
  s.snapshot(1);
  s.complete(1);
  BOOST_CHECK(read_committed_lines(dir.path) == (std::vector<std::string>{"1", "22", "333"}));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace transactional_file_sink_test
