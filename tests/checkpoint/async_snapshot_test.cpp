// The asynchronous part of a snapshot runs off the subtask: with 2 s of
// injected storage latency per state file, the job keeps processing records
// between the barrier and the ack. If the state files were written on the
// subtask's thread (or the subtask waited for the write), nothing would
// reach the sink while the checkpoint is in progress.
#include <boost/test/unit_test.hpp>

#include "tests/checkpoint/checkpoint_test_util.hpp"

#include <fstream>
#include <string>

#include <caf/all.hpp>

#include "actors/subtask/async_snapshot.hpp"
#include "tests/poll_until.hpp"

using namespace sluice;

namespace async_snapshot_test {

using namespace sluice::testing;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(async_snapshot)

BOOST_AUTO_TEST_CASE(processing_continues_while_state_files_are_written) {
  temp_dir dir;
  keyed_count_options o;
  o.fast.count = 3'000'000; // ends by cancel, long before
  o.slow_path_delay = 0us;
  o.slow.count = 1'000'000;
  o.slow.pause = 2ms;
  auto cfg = retain_all(dir.path, 100ms);
  cfg.max_concurrent = 1;
  auto pc = default_pipeline_config();
  pc.threads = 2;
  environment env{pc};
  env.set_checkpoint_config(cfg);
  auto seen = std::make_shared<std::atomic<uint64_t>>(0);
  build_keyed_count_job(env, o, seen);
  auto job = env.execute_async("async-snapshot");
  job.storage()->set_write_delay(2s);
  // Wait for the first checkpoint to be in progress, then count what the
  // sink receives until it completed.
  auto deadline = std::chrono::steady_clock::now() + 60s; // hang guard
  while (job.checkpoint_stats().counts.in_progress == 0
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  auto at_trigger = seen->load();
  while (job.checkpoint_stats().counts.completed == 0
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  auto at_completion = seen->load();
  auto stats = job.checkpoint_stats();
  job.cancel();
  auto result = job.wait();
  BOOST_CHECK(result.status == job_status::cancelled);
  BOOST_REQUIRE_GE(stats.counts.completed, 1u);
  BOOST_TEST_MESSAGE("records processed while checkpoint 1 was written: "
                     << at_completion - at_trigger);
  BOOST_CHECK_GT(at_completion - at_trigger, 1000u);
  // Per subtask: the asynchronous part carries the storage latency (2 s
  // per file) of every subtask that wrote state, the synchronous part does
  // not (lower bounds and a comparison, no upper wall-clock bound).
  auto& first = *stats.latest_completed;
  BOOST_CHECK_EQUAL(first.num_acknowledged_subtasks, first.num_subtasks);
  bool slow_async = false;
  for (auto& s : first.subtasks) {
    BOOST_TEST_CONTEXT("subtask " << s.subtask.vertex << "/" << s.subtask.subtask) {
      if (s.state_size > 0) {
        BOOST_CHECK_GE(s.async_duration, 2s);
        BOOST_CHECK_LT(s.sync_duration, s.async_duration);
      }
    }
    slow_async = slow_async || s.async_duration >= 2s;
  }
  BOOST_CHECK(slow_async);
  BOOST_CHECK_GE(first.end_to_end_duration, 2s);
}

namespace {

/// Threads of this process (Linux: /proc/self/status).
int threads_now() {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Threads:", 0) == 0)
      return std::stoi(line.substr(8));
  return -1;
}

} // namespace

// The asynchronous parts of snapshots run on the job's bounded pool of
// writers: 40 snapshots on a pool of 2 add exactly the pool's 2 threads to
// the process (one detached actor per snapshot, as before, would start 40),
// every task ends its writer registration, and ending the pool ends its
// threads.
BOOST_AUTO_TEST_CASE(snapshots_run_on_a_bounded_pool_of_writer_threads) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  auto storage = checkpoint_storage::memory("writers-test");
  auto acks = std::make_shared<std::atomic<int>>(0);
  auto coordinator = sys.spawn([acks](caf::event_based_actor*) -> caf::behavior {
    return {[acks](const ack_msg&) { ++*acks; }};
  });
  auto base = threads_now();
  BOOST_REQUIRE_GT(base, 0);
  auto writers = spawn_snapshot_writers(sys, 2);
  for (uint64_t id = 1; id <= 40; ++id) {
    auto task = std::make_shared<snapshot_task>();
    task->storage = storage;
    task->coordinator = coordinator;
    task->ack.checkpoint_id = id;
    run_async_snapshot(sys, writers, std::move(task));
  }
  BOOST_REQUIRE(poll_until([&] { return acks->load() == 40; }, 30s));
  BOOST_CHECK_EQUAL(threads_now() - base, 2);
  BOOST_CHECK(storage->wait_for_writers(5s)); // every task ended its registration
  caf::anon_send_exit(writers, caf::exit_reason::user_shutdown);
  BOOST_CHECK(poll_until([&] { return threads_now() == base; }, 30s));
  caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace async_snapshot_test
