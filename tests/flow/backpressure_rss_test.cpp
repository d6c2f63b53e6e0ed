// The resident set of an overload run (`timing` suite: absolute memory
// bounds and a source faster than its sink depend on the machine, so this
// runs serially and not in scripts/test). Each run is its own process
// (sluice-flow-overload: ru_maxrss is per process). With credits the peak
// resident set stays about the same for ten times the records; without
// them most of the input is queued.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "tests/test_paths.hpp"

namespace {

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

BOOST_AUTO_TEST_SUITE(backpressure_rss)

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
