// Backpressure end to end: a throttled sink slows the sources down, no input
// queue ever holds more than the credit window, nothing is lost, and the
// resident set of an overload run stays bounded. With credits switched off
// (the C++ test switch) the queues and the memory grow: the checks below
// can fail.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "tests/flow/overload_job.hpp"
#include "tests/test_paths.hpp"

using namespace sluice;
using namespace sluice::testing;
using namespace std::chrono_literals;

namespace {

overload_options small_overload(bool credit_based) {
  overload_options o;
  o.records = 40 * 256;
  o.sources = 2;
  o.sinks = 2;
  o.batch_size = 256;
  o.sink_delay = 1ms;
  o.credit_based = credit_based;
  return o;
}

uint64_t peak_sink_queue(const job_result& r) {
  uint64_t peak = 0;
  for (auto& m : r.subtasks)
    if (m.task == "throttled-sink")
      peak = std::max(peak, m.peak_input_queue);
  return peak;
}

/// Runs sluice-flow-overload and returns its JSON line.
std::string run_overload_process(uint64_t records, int delay_us, bool credits) {
  std::string cmd = std::string{sluice::test::build_dir()} + "/tests/flow/sluice-flow-overload "
                    + std::to_string(records) + " " + std::to_string(delay_us) + " "
                    + (credits ? "1" : "0");
  std::unique_ptr<FILE, int (*)(FILE*)> pipe{popen(cmd.c_str(), "r"), pclose};
  BOOST_REQUIRE(pipe);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, pipe.get()) != nullptr)
    out += buf;
  return out;
}

long json_field(const std::string& json, const std::string& key) {
  auto pos = json.find("\"" + key + "\":");
  BOOST_REQUIRE_MESSAGE(pos != std::string::npos, "no " << key << " in: " << json);
  return std::stol(json.substr(pos + key.size() + 3));
}

} // namespace

BOOST_AUTO_TEST_SUITE(backpressure_suite)

BOOST_AUTO_TEST_CASE(input_queues_never_exceed_the_credit_window) {
  auto o = small_overload(true);
  auto out = run_overload(o);
  BOOST_REQUIRE(out.result.status == job_status::finished);
  BOOST_CHECK_EQUAL(out.received, o.records * o.sources);
  auto window = default_pipeline_config().buffers_per_channel;
  BOOST_REQUIRE_EQUAL(out.result.subtasks.size(), o.sources + o.sinks);
  for (auto& m : out.result.subtasks) {
    BOOST_TEST_MESSAGE(m.task << " " << m.subtask_index << ": peak input queue "
                              << m.peak_input_queue << ", peak output queue "
                              << m.peak_output_queue << ", backpressured "
                              << m.backpressured);
    BOOST_CHECK_LE(m.peak_input_queue, window);
  }
  // The sink was the bottleneck: its queues filled up to the window and the
  // sources had to wait for credit.
  BOOST_CHECK_EQUAL(peak_sink_queue(out.result), window);
  uint64_t source_waits = 0;
  for (auto& m : out.result.subtasks)
    if (m.task == "counting-source")
      source_waits += m.backpressured;
  BOOST_CHECK_GT(source_waits, 0u);
}

BOOST_AUTO_TEST_CASE(without_credits_the_queues_grow_past_the_window) {
  auto o = small_overload(false);
  auto out = run_overload(o);
  BOOST_REQUIRE(out.result.status == job_status::finished);
  BOOST_CHECK_EQUAL(out.received, o.records * o.sources);
  auto window = default_pipeline_config().buffers_per_channel;
  BOOST_CHECK_GT(peak_sink_queue(out.result), 4 * window);
}

// 2M records of 64 bytes (128 MB) from a source about 10x faster than the
// sink. With credits the peak resident set grows by a few MB at most; the
// same run without credits queues most of the input.
BOOST_AUTO_TEST_CASE(peak_rss_of_an_overload_run_stays_bounded) {
  constexpr uint64_t records = 2'000'000;
  constexpr int delay_us = 400;
  auto small = run_overload_process(records / 10, delay_us, true);
  auto bounded = run_overload_process(records, delay_us, true);
  auto unbounded = run_overload_process(records, delay_us, false);
  BOOST_TEST_MESSAGE("1x with credits:  " << small);
  BOOST_TEST_MESSAGE("10x with credits: " << bounded);
  BOOST_TEST_MESSAGE("10x without:      " << unbounded);
  for (auto* run : {&small, &bounded, &unbounded})
    BOOST_CHECK_EQUAL(json_field(*run, "received"), json_field(*run, "records"));
  auto growth_mb = [](const std::string& run) {
    return json_field(run, "growth_kb") / 1024.0;
  };
  // Ten times the records, about the same memory.
  BOOST_CHECK_LT(growth_mb(bounded), 24.0);
  BOOST_CHECK_LT(growth_mb(bounded), growth_mb(small) + 16.0);
  // The switch shows what the credits prevent (most of 128 MB queued).
  BOOST_CHECK_GT(growth_mb(unbounded), 64.0);
}

BOOST_AUTO_TEST_SUITE_END()
