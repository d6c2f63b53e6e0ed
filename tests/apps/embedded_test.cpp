// The embedding sample: a job inside a host's actor system, fed by a host
// actor and read by another, in-process and as the `sluice-embedded` program.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>

#include <caf/all.hpp>

#include "actors/embedding/embedding.hpp"
#include "actors/contract/error.hpp"
#include "actors/job/runtime.hpp"
#include "actors/config/system_config.hpp"
#include "apps/jobs/embedded_job.hpp"
#include "operators/sources.hpp"
#include "tests/apps/process.hpp"
#include "tests/apps/reference.hpp"
#include "tests/poll_until.hpp"

using namespace std::chrono_literals;

namespace embedded_test {

using namespace sluice::test;

namespace {

/// Visits per user of the first `opts.count` clicks of the generator.
std::map<std::string, int64_t> reference_visits(const sluice::apps::embedded_options& opts) {
  sluice::click_source_options gen;
  gen.seed = opts.seed;
  gen.users = opts.users;
  std::map<std::string, int64_t> expected;
  for (uint64_t i = 0; i < opts.count; ++i)
    ++expected[sluice::click_event_at(gen, i).user];
  return expected;
}

/// Whether the host's running actors drop back to `n` within 5 s (an actor
/// that sent its last message may still be terminating).
bool settles_at(caf::actor_system& host, size_t n) {
  for (int i = 0; i < 500 && host.registry().running() != n; ++i)
    std::this_thread::sleep_for(10ms);
  return host.registry().running() == n;
}

/// An ostream buffer the printer actor may write to while the test thread
/// watches it: keeps the text and counts complete lines (thread-safe).
class line_counting_buf final : public std::streambuf {
public:
  size_t lines() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return lines_;
  }

  std::string text() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return text_;
  }

protected:
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      char ch = traits_type::to_char_type(c);
      xsputn(&ch, 1);
    }
    return traits_type::not_eof(c);
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard<std::mutex> guard{mtx_};
    text_.append(s, static_cast<size_t>(n));
    lines_ += static_cast<size_t>(std::count(s, s + n, '\n'));
    return n;
  }

private:
  mutable std::mutex mtx_;
  std::string text_;
  size_t lines_ = 0;
};

struct host_config : caf::actor_system_config {
  host_config() {
    sluice::register_sluice(*this);
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(embedded_app)

BOOST_AUTO_TEST_CASE(host_actors_feed_and_receive_exact_counts_in_one_actor_system) {
  sluice::apps::embedded_options opts;
  opts.count = 3000;
  opts.users = 20;
  opts.batch = 50;
  opts.inlet_capacity = 200; // smaller than the input: the feeder waits for credit
  auto expected = reference_visits(opts);
  for (uint32_t p : {1u, 3u}) {
    BOOST_TEST_CONTEXT("parallelism " << p) {
      host_config cfg;
      caf::actor_system host{cfg};
      auto before = host.registry().running();
      auto pipeline = sluice::read_pipeline_config(cfg);
      BOOST_REQUIRE(pipeline);
      pipeline->parallelism = p;
      pipeline->batch_size = 64;
      std::ostringstream out;
      auto result = sluice::apps::run_embedded_clicks(host, *pipeline, opts, out);
      BOOST_CHECK_EQUAL(sluice::to_string(result.status), "finished");
      auto problem = check_running_counts(lines_of(out.str()), expected, parse_visit_count);
      BOOST_CHECK_MESSAGE(problem.empty(), problem);
      // Every actor of the job and of the host side is gone again.
      BOOST_CHECK(settles_at(host, before));
    }
  }
}

BOOST_AUTO_TEST_CASE(cancel_stops_an_unbounded_feed_and_every_host_actor) {
  sluice::apps::embedded_options opts;
  opts.count = 0; // until cancelled
  host_config cfg;
  caf::actor_system host{cfg};
  auto before = host.registry().running();
  std::atomic<int> cancel{0};
  std::atomic<bool> returned{false};
  line_counting_buf printed;
  std::ostream out{&printed};
  // Cancels once the job runs end to end: the printer got a count (the
  // event; the 60 s deadline is a hang guard only).
  size_t lines_at_cancel = 0;
  std::thread canceller{[&] {
    sluice::testing::poll_until([&] { return printed.lines() > 0 || returned.load(); }, 60s);
    lines_at_cancel = printed.lines();
    cancel = 1;
  }};
  auto result = sluice::apps::run_embedded_clicks(host, sluice::default_pipeline_config(),
                                                  opts, out, &cancel);
  returned = true;
  canceller.join();
  BOOST_CHECK_MESSAGE(lines_at_cancel > 0, "the job printed nothing before the cancel");
  BOOST_CHECK_EQUAL(sluice::to_string(result.status), "cancelled");
  BOOST_CHECK(!printed.text().empty());
  BOOST_CHECK(settles_at(host, before));
}

BOOST_AUTO_TEST_CASE(host_config_reads_and_validates_pipeline_options) {
  host_config cfg;
  std::istringstream no_file;
  BOOST_REQUIRE(!cfg.parse({"--pipeline.parallelism=3", "--pipeline.buffer-timeout=20ms",
                            "--pipeline.auto-watermark-interval=300ms"},
                           no_file));
  auto pipeline = sluice::read_pipeline_config(cfg);
  BOOST_REQUIRE(pipeline);
  BOOST_CHECK_EQUAL(pipeline->parallelism, 3u);
  BOOST_CHECK_EQUAL(pipeline->buffer_timeout.count(), 20);
  BOOST_CHECK_EQUAL(pipeline->auto_watermark_interval.count(), 300);
  BOOST_CHECK_EQUAL(pipeline->batch_size, sluice::default_pipeline_config().batch_size);
  host_config bad;
  BOOST_REQUIRE(!bad.parse({"--pipeline.max-parallelism=4", "--pipeline.parallelism=8"},
                           no_file));
  auto invalid = sluice::read_pipeline_config(bad);
  BOOST_REQUIRE(!invalid);
  BOOST_CHECK(sluice::render(invalid.error()).find("pipeline.parallelism")
              != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sluice_embedded_prints_the_reference_counts) {
  temp_dir dir;
  sluice::apps::embedded_options opts;
  opts.count = 500;
  opts.users = 6;
  opts.seed = 9;
  auto expected = reference_visits(opts);
  auto exe = build_path("apps/sluice-embedded");
  auto r = run({exe, "--clicks.count=500", "--clicks.users=6", "--clicks.seed=9",
                "--pipeline.parallelism=2"},
               dir.path(), 30s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_CHECK_EQUAL(r.exit_code, 0);
  BOOST_CHECK_MESSAGE(r.err.find("job finished") != std::string::npos, r.err);
  auto problem = check_running_counts(lines_of(r.out), expected, parse_visit_count);
  BOOST_CHECK_MESSAGE(problem.empty(), problem);
  // Default run: the seeds' four users, 20 clicks, in input order.
  auto d = run({exe}, dir.path(), 30s);
  BOOST_CHECK_EQUAL(d.exit_code, 0);
  BOOST_CHECK_EQUAL(lines_of(d.out).size(), 20u);
  auto help = run({exe, "--help"}, dir.path(), 30s);
  BOOST_CHECK_EQUAL(help.exit_code, 0);
  for (auto opt : {"--clicks.count", "--clicks.users", "--clicks.seed", "--clicks.batch",
                   "--pipeline.parallelism", "--pipeline.buffer-timeout",
                   "--pipeline.auto-watermark-interval"})
    BOOST_CHECK_MESSAGE((help.out + help.err).find(opt) != std::string::npos,
                        "--help lacks " << opt);
  auto bad = run({exe, "--pipeline.parallelism=0"}, dir.path(), 30s);
  BOOST_CHECK_EQUAL(bad.exit_code, 2);
  BOOST_CHECK_MESSAGE(bad.err.find("pipeline.parallelism") != std::string::npos, bad.err);
  auto unknown = run({exe, "--clicks.no-such=1"}, dir.path(), 30s);
  BOOST_CHECK_EQUAL(unknown.exit_code, 2);
  BOOST_CHECK_MESSAGE(unknown.err.find("clicks.no-such") != std::string::npos, unknown.err);
}

// The host's config carries the state.* options too: the same counts from
// the lmdb backend, and a bad backend refused naming the option.
BOOST_AUTO_TEST_CASE(sluice_embedded_runs_on_the_lmdb_backend) {
  temp_dir dir;
  sluice::apps::embedded_options opts;
  opts.count = 300;
  opts.users = 5;
  opts.seed = 3;
  auto expected = reference_visits(opts);
  auto exe = build_path("apps/sluice-embedded");
  auto local = dir.path() / "lmdb";
  auto r = run({exe, "--clicks.count=300", "--clicks.users=5", "--clicks.seed=3",
                "--state.backend=lmdb", "--state.local-dir=" + local.string()},
               dir.path(), 30s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_CHECK_MESSAGE(r.exit_code == 0, r.err);
  auto problem = check_running_counts(lines_of(r.out), expected, parse_visit_count);
  BOOST_CHECK_MESSAGE(problem.empty(), problem);
  BOOST_CHECK(std::filesystem::exists(local));
  auto bad = run({exe, "--state.backend=rocks"}, dir.path(), 30s);
  BOOST_CHECK_EQUAL(bad.exit_code, 2);
  BOOST_CHECK_MESSAGE(bad.err.find("state.backend") != std::string::npos, bad.err);
}

// restart-strategy.* belongs to the host's config too: read, validated
// naming the option, and a valid strategy runs the job as before.
BOOST_AUTO_TEST_CASE(sluice_embedded_reads_the_restart_strategy) {
  temp_dir dir;
  auto exe = build_path("apps/sluice-embedded");
  auto ok = run({exe, "--clicks.count=40", "--restart-strategy.type=fixed-delay",
                 "--restart-strategy.attempts=2", "--restart-strategy.delay=10ms"},
                dir.path(), 30s);
  BOOST_REQUIRE(!ok.timed_out);
  BOOST_CHECK_MESSAGE(ok.exit_code == 0, ok.err);
  BOOST_CHECK_EQUAL(lines_of(ok.out).size(), 40u);
  for (auto [arg, named] :
       {std::pair{"--restart-strategy.type=sometimes", "restart-strategy.type"},
        std::pair{"--restart-strategy.backoff-multiplier=0.5",
                  "restart-strategy.backoff-multiplier"}}) {
    auto bad = run({exe, arg}, dir.path(), 30s);
    BOOST_CHECK_EQUAL(bad.exit_code, 2);
    BOOST_CHECK_MESSAGE(bad.err.find(named) != std::string::npos, arg << ": " << bad.err);
  }
}

// --inject-failures works in the embedding sample too: kills and a throw
// in user code land, the job restarts under the host's restart strategy
// and keeps running until cancelled; a checkpoint-only fault without
// checkpointing is refused.
BOOST_AUTO_TEST_CASE(sluice_embedded_injects_failures) {
  temp_dir dir;
  auto exe = build_path("apps/sluice-embedded");
  process p{{exe, "--clicks.count=0", "--checkpointing.interval=50ms",
             "--inject-failures=seed=3,kills=2,throws=1,min-interval=100ms,max-interval=200ms",
             "--restart-strategy.type=fixed-delay", "--restart-strategy.attempts=10",
             "--restart-strategy.delay=0ms"},
            dir.path()};
  BOOST_REQUIRE(p.wait_for_output("visit count", 10s));
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline
         && p.err_so_far().find("(fault 3/3)")
              == std::string::npos)
    std::this_thread::sleep_for(50ms);
  p.send(SIGINT);
  auto r = p.wait(10s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_CHECK_EQUAL(r.exit_code, 0);
  BOOST_CHECK_MESSAGE(r.err.find("throw in user code (fault") != std::string::npos, r.err);
  BOOST_CHECK_MESSAGE(r.err.find("(fault 3/3)") != std::string::npos, r.err);
  // The host's inlet cannot rewind: said at start, not discovered later.
  BOOST_CHECK_MESSAGE(r.err.find("cannot replay its input: the job is at-most-once for it")
                        != std::string::npos,
                      r.err);
  auto bad = run({exe, "--inject-failures=commit-kills=1"}, dir.path(), 30s);
  BOOST_CHECK_EQUAL(bad.exit_code, 2);
  BOOST_CHECK_MESSAGE(bad.err.find("commit-kills needs checkpointing") != std::string::npos,
                      bad.err);
}

BOOST_AUTO_TEST_CASE(sluice_embedded_exits_0_on_sigint) {
  temp_dir dir;
  process p{{build_path("apps/sluice-embedded"), "--clicks.count=0"}, dir.path()};
  BOOST_REQUIRE(p.wait_for_output("visit count: 5", 10s));
  p.send(SIGINT);
  auto r = p.wait(10s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_CHECK_EQUAL(r.exit_code, 0);
  BOOST_CHECK_MESSAGE(r.err.find("job cancelled") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace embedded_test
