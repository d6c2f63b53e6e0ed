// sluice-flow-overload: runs the overload job once and prints, as one JSON
// line, how much the process's peak resident set grew during the job.
// backpressure_test.cpp runs it in separate processes (ru_maxrss is per
// process). Usage: sluice-flow-overload RECORDS SINK_DELAY_US CREDITS(0|1)
#include <sys/resource.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "tests/flow/overload_job.hpp"

namespace {

long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: sluice-flow-overload RECORDS SINK_DELAY_US CREDITS(0|1)\n";
    return 2;
  }
  sluice::testing::overload_options o;
  o.records = std::stoull(argv[1]);
  o.sink_delay = std::chrono::microseconds{std::stoll(argv[2])};
  o.credit_based = std::string{argv[3]} == "1";
  // Start and stop one tiny job first, so that the actor system, thread
  // stacks and allocator arenas are part of the baseline.
  auto warm = o;
  warm.records = 10'000;
  warm.sink_delay = std::chrono::microseconds{0};
  sluice::testing::run_overload(warm);
  auto before = peak_rss_kb();
  auto out = sluice::testing::run_overload(o);
  auto after = peak_rss_kb();
  std::cout << "{\"records\":" << o.records << ",\"received\":" << out.received
            << ",\"status\":\"" << sluice::to_string(out.result.status) << "\""
            << ",\"rss_before_kb\":" << before << ",\"rss_peak_kb\":" << after
            << ",\"growth_kb\":" << (after - before) << "}" << std::endl;
  return out.result.status == sluice::job_status::finished ? 0 : 1;
}
