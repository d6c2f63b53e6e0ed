// The dependency rule of DESIGN.md: snapshot <- actors <- operators <- apps,
// no CAF header in operators/ (operators are plain objects), and in apps/
// the sample jobs (jobs/) below the programs (cli/). Scans the
// source tree, so a stray include fails this test.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/test_paths.hpp"

namespace fs = std::filesystem;

namespace layering_test {

namespace {

/// Files under `dir` whose include lines contain any of `needles`.
std::vector<std::string> offenders(const std::string& dir,
                                   const std::vector<std::string>& needles) {
  std::vector<std::string> result;
  for (auto& entry : fs::recursive_directory_iterator(fs::path{sluice::test::source_dir()} / dir)) {
    auto ext = entry.path().extension();
    if (ext != ".hpp" && ext != ".cpp")
      continue;
    std::ifstream in{entry.path()};
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("#include", 0) != 0)
        continue;
      for (auto& n : needles)
        if (line.find(n) != std::string::npos)
          result.push_back(entry.path().string() + ": " + line);
    }
  }
  return result;
}

} // namespace

BOOST_AUTO_TEST_SUITE(layering)

BOOST_AUTO_TEST_CASE(sources_exist) {
  BOOST_REQUIRE(fs::exists(fs::path{sluice::test::source_dir()} / "operators" / "stream.hpp"));
}

BOOST_AUTO_TEST_CASE(operators_include_no_caf) {
  auto bad = offenders("operators", {"<caf/", "\"caf/"});
  BOOST_CHECK_MESSAGE(bad.empty(), (bad.empty() ? std::string{} : bad.front()));
}

BOOST_AUTO_TEST_CASE(snapshot_includes_nothing_of_ours_above_it) {
  auto bad = offenders("snapshot", {"\"actors/", "\"operators/", "\"apps/"});
  BOOST_CHECK_MESSAGE(bad.empty(), (bad.empty() ? std::string{} : bad.front()));
}

BOOST_AUTO_TEST_CASE(actors_do_not_include_operators_or_apps) {
  auto bad = offenders("actors", {"\"operators/", "\"apps/"});
  BOOST_CHECK_MESSAGE(bad.empty(), (bad.empty() ? std::string{} : bad.front()));
}

// actors/ is split by responsibility (docs/architecture.md, "Layout"): no
// source file lies loose at its top, and the restart strategies and the
// coordinator's decision logic stay plain classes without CAF (only the
// coordinator actor and its file helper in checkpoint/ may use it).
BOOST_AUTO_TEST_CASE(actors_sources_live_in_responsibility_folders) {
  auto root = fs::path{sluice::test::source_dir()} / "actors";
  std::vector<std::string> loose;
  for (auto& entry : fs::directory_iterator(root))
    if (entry.is_regular_file() && entry.path().filename() != "meson.build")
      loose.push_back(entry.path().filename().string());
  BOOST_CHECK_MESSAGE(loose.empty(), (loose.empty() ? std::string{} : loose.front()));
  for (auto dir : {"contract", "config", "subtask", "checkpoint", "restart", "job",
                   "embedding", "fault", "rest"})
    BOOST_CHECK_MESSAGE(fs::is_directory(root / dir), dir);
  auto bad = offenders("actors/restart", {"<caf/", "\"caf/"});
  for (auto& b : offenders("actors/checkpoint", {"<caf/", "\"caf/"}))
    if (b.find("checkpoint_coordinator.") == std::string::npos
        && b.find("coordinator_files.") == std::string::npos)
      bad.push_back(b);
  BOOST_CHECK_MESSAGE(bad.empty(), (bad.empty() ? std::string{} : bad.front()));
}

// apps/jobs/ is the sample jobs' code; the programs in apps/cli/ use it,
// never the other way round.
BOOST_AUTO_TEST_CASE(sample_jobs_do_not_include_the_cli) {
  auto bad = offenders("apps/jobs", {"\"apps/cli/"});
  BOOST_CHECK_MESSAGE(bad.empty(), (bad.empty() ? std::string{} : bad.front()));
  BOOST_CHECK(fs::exists(fs::path{sluice::test::source_dir()} / "apps" / "jobs"));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace layering_test
