// `sluice checkpoints`, `sluice inspect` and `sluice savepoint --dispose` as
// a user runs them, on the checkpoints a real `sluice run click-counts`
// retained: the listing shows the job's id, checkpoint id, size and path;
// inspect finds exactly the keys and counts the job wrote (checked against
// the generator up to the source offsets stored in the same checkpoint);
// a savepoint made from a checkpoint still inspects after it was moved and
// disposes completely; checkpoints, savepoints with state outside their
// directory and damaged files are refused with one line naming the file.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operators/sources.hpp"
#include "snapshot/checkpoint_metadata.hpp"
#include "snapshot/key_groups.hpp"
#include "snapshot/state_codec.hpp"
#include "tests/apps/process.hpp"
#include "tests/apps/reference.hpp"

using namespace std::chrono_literals;
using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

process_result sluice_cli(std::vector<std::string> args, const fs::path& cwd) {
  args.insert(args.begin(), build_path("apps/sluice"));
  return run(std::move(args), cwd, 60s);
}

std::string utc_second(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

/// A click-counts run with retained filesystem checkpoints (150 events of
/// 7 users, parallelism 2), and its newest checkpoint.
struct click_run {
  explicit click_run(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"run", "click-counts", "-p", "2", "--generator.count=150",
                                  "--generator.users=7", "--generator.seed=3",
                                  "--generator.rate=150", "--checkpointing.interval=50ms",
                                  "--checkpointing.storage=filesystem",
                                  "--checkpointing.dir=" + root.string(),
                                  "--checkpointing.externalized=retain_on_cancellation"};
    args.insert(args.end(), extra.begin(), extra.end());
    started = std::chrono::system_clock::now();
    auto r = sluice_cli(args, dir.path());
    ended = std::chrono::system_clock::now();
    if (r.exit_code != 0)
      throw std::runtime_error("click-counts failed: " + r.err);
    for (auto& job : fs::directory_iterator{root})
      job_dir = job.path();
    for (auto& entry : fs::directory_iterator{job_dir}) {
      auto name = entry.path().filename().string();
      if (name.rfind("chk-", 0) == 0 && fs::exists(entry.path() / "_metadata")
          && std::stoull(name.substr(4)) >= id) {
        id = std::stoull(name.substr(4));
        chk = entry.path();
      }
    }
    if (chk.empty())
      throw std::runtime_error("no retained checkpoint under " + root.string());
  }

  temp_dir dir;
  fs::path root = dir / "checkpoints";
  fs::path job_dir;
  fs::path chk;
  uint64_t id = 0;
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point ended;
};

/// One run shared by the tests that only read its checkpoint (or copies).
const click_run& shared_run() {
  static const click_run r;
  return r;
}

const std::string counts_state = "visit-count-processor-id/visit-count";

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

/// Per-user counts of the events the source had emitted at the checkpoint
/// `path`: its dumped split positions (per source subtask: the number of
/// splits and the next index of each split it owns; split s holds the
/// events s, s + splits, ...) replayed through the generator.
std::map<std::string, int64_t> expected_counts(const fs::path& path, const fs::path& cwd) {
  auto r = sluice_cli({"inspect", path.string(), "--dump", "source-id/splits"}, cwd);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  sluice::click_source_options opts;
  opts.count = 150;
  opts.users = 7;
  opts.seed = 3;
  std::map<std::string, int64_t> counts;
  auto lines = lines_of(r.out);
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  using splits_item = std::pair<uint32_t, std::vector<std::pair<uint32_t, uint64_t>>>;
  for (auto& line : lines) {
    auto j = nlohmann::json::parse(line);
    auto item = sluice::decode_value<splits_item>(unhex(j.at("item").at("hex")), "splits");
    for (auto [split, next] : item.second)
      for (uint64_t i = split; i < next; i += item.first)
        ++counts[sluice::click_event_at(opts, i).user];
  }
  return counts;
}

/// The dumped visit counts, checking each line's key group.
std::map<std::string, int64_t> dumped_counts(const std::string& out) {
  std::map<std::string, int64_t> counts;
  for (auto& line : lines_of(out)) {
    auto j = nlohmann::json::parse(line);
    auto user = j.at("key").get<std::string>();
    BOOST_CHECK_EQUAL(j.at("key_group").get<uint32_t>(), sluice::key_group_of(user, 128));
    counts[user] = j.at("value").get<int64_t>();
  }
  return counts;
}

uint64_t sum_of(const std::map<std::string, int64_t>& m) {
  uint64_t n = 0;
  for (auto& [k, v] : m)
    n += static_cast<uint64_t>(v);
  return n;
}

uint64_t files_in(const fs::path& dir) {
  uint64_t n = 0;
  for (auto& e : fs::recursive_directory_iterator{dir})
    n += e.is_regular_file() ? 1 : 0;
  return n;
}

/// A copy of checkpoint `chk` at `to` whose `_metadata` says savepoint.
void make_savepoint(const fs::path& chk, const fs::path& to) {
  fs::create_directories(to.parent_path());
  fs::copy(chk, to, fs::copy_options::recursive);
  auto md = sluice::read_metadata_file(to);
  md.is_savepoint = true;
  sluice::write_metadata_file(to, md);
}

} // namespace

BOOST_AUTO_TEST_SUITE(admin_cli)

BOOST_AUTO_TEST_CASE(checkpoints_lists_the_retained_checkpoint_from_root_job_and_chk_dirs) {
  auto& run = shared_run();
  uint64_t size = 0;
  for (auto& f : fs::directory_iterator{run.chk})
    size += f.file_size();
  for (auto& dir : {run.root, run.job_dir, run.chk}) {
    BOOST_TEST_CONTEXT("sluice checkpoints " << dir) {
      auto r = sluice_cli({"checkpoints", dir.string()}, run.dir.path());
      BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
      auto lines = lines_of(r.out);
      BOOST_REQUIRE_EQUAL(lines.size(), 2u);
      BOOST_CHECK(lines[0].rfind("JOB ID", 0) == 0);
      std::smatch m;
      std::regex row{R"(([0-9a-f]{32})\s+(\d+)\s+(\S+)\s+(\d+)\s+checkpoint\s+(.+))"};
      BOOST_REQUIRE_MESSAGE(std::regex_match(lines[1], m, row), lines[1]);
      BOOST_CHECK_EQUAL(m[1].str(), run.job_dir.filename().string());
      BOOST_CHECK_EQUAL(std::stoull(m[2].str()), run.id);
      BOOST_CHECK(std::regex_match(m[3].str(), std::regex{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"}));
      BOOST_CHECK_GE(m[3].str(), utc_second(run.started));
      BOOST_CHECK_LE(m[3].str(), utc_second(run.ended + 1s));
      BOOST_CHECK_EQUAL(std::stoull(m[4].str()), size);
      BOOST_CHECK_EQUAL(fs::path{m[5].str()}, run.chk);
    }
  }
}

BOOST_AUTO_TEST_CASE(inspect_finds_exactly_the_keys_and_counts_click_counts_wrote) {
  auto& run = shared_run();
  auto r = sluice_cli({"inspect", run.chk.string()}, run.dir.path());
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_CHECK_MESSAGE(r.out.find("job id:        " + run.job_dir.filename().string() + "\n")
                        != std::string::npos, r.out);
  BOOST_CHECK(r.out.find("checkpoint id: " + std::to_string(run.id) + "\n") != std::string::npos);
  BOOST_CHECK(r.out.find("kind:          checkpoint\n") != std::string::npos);
  BOOST_CHECK(r.out.find("operator visit-count-processor-id: parallelism 2, max parallelism 128")
              != std::string::npos);
  BOOST_CHECK(r.out.find("key groups 0-63)") != std::string::npos);
  BOOST_CHECK(r.out.find("key groups 64-127)") != std::string::npos);
  std::smatch m;
  BOOST_REQUIRE_MESSAGE(std::regex_search(r.out, m, std::regex{R"(visit-count\s+value\s+i64\s+(\d+))"}),
                        r.out);
  BOOST_CHECK_EQUAL(std::stoull(m[1].str()), 7u); // --generator.users=7
  auto expected = expected_counts(run.chk, run.dir.path());
  auto d = sluice_cli({"inspect", (run.chk / "_metadata").string(), "--dump", counts_state},
                      run.dir.path());
  BOOST_REQUIRE_MESSAGE(d.exit_code == 0, d.err);
  auto dumped = dumped_counts(d.out);
  BOOST_CHECK_EQUAL(dumped.size(), 7u);
  BOOST_CHECK(dumped == expected);
  BOOST_TEST_MESSAGE("events in the checkpoint: " << sum_of(dumped));
  BOOST_CHECK_GE(sum_of(dumped), 1u);
}

BOOST_AUTO_TEST_CASE(incremental_lmdb_checkpoint_inspects_through_its_shared_chain) {
  temp_dir lmdb;
  click_run run{{"--state.backend=lmdb", "--state.incremental=true",
                 "--state.local-dir=" + lmdb.path().string()}};
  auto md = sluice::read_metadata_file(run.chk);
  uint64_t size = fs::file_size(run.chk / "_metadata");
  for (auto& op : md.operators)
    for (auto& sub : op.subtasks)
      for (auto& h : sub.handles)
        size += fs::file_size((run.chk / h.relative_path).lexically_normal());
  auto l = sluice_cli({"checkpoints", run.root.string()}, run.dir.path());
  BOOST_REQUIRE_MESSAGE(l.exit_code == 0, l.err);
  BOOST_CHECK_MESSAGE(l.out.find(" " + std::to_string(size) + "  checkpoint") != std::string::npos,
                      l.out << "expected size " << size);
  auto r = sluice_cli({"inspect", run.chk.string()}, run.dir.path());
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_CHECK_MESSAGE(r.out.find(": ../shared/") != std::string::npos, r.out);
  auto d = sluice_cli({"inspect", run.chk.string(), "--dump", counts_state}, run.dir.path());
  BOOST_REQUIRE_MESSAGE(d.exit_code == 0, d.err);
  BOOST_CHECK(dumped_counts(d.out) == expected_counts(run.chk, run.dir.path()));
}

BOOST_AUTO_TEST_CASE(a_moved_savepoint_lists_inspects_and_disposes_completely) {
  auto& run = shared_run();
  temp_dir dir;
  auto sp = dir / "savepoints" / "savepoint-1";
  make_savepoint(run.chk, sp);
  auto l = sluice_cli({"checkpoints", (dir / "savepoints").string()}, dir.path());
  BOOST_REQUIRE_MESSAGE(l.exit_code == 0, l.err);
  BOOST_CHECK_MESSAGE(l.out.find("  savepoint  " + sp.string() + "\n") != std::string::npos, l.out);
  auto moved = dir / "elsewhere" / "sp";
  fs::create_directories(moved.parent_path());
  fs::rename(sp, moved);
  auto r = sluice_cli({"inspect", moved.string()}, dir.path());
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_CHECK(r.out.find("kind:          savepoint\n") != std::string::npos);
  auto d = sluice_cli({"inspect", moved.string(), "--dump", counts_state}, dir.path());
  BOOST_REQUIRE_MESSAGE(d.exit_code == 0, d.err);
  BOOST_CHECK(dumped_counts(d.out) == expected_counts(run.chk, dir.path()));
  auto x = sluice_cli({"savepoint", "--dispose", moved.string()}, dir.path());
  BOOST_REQUIRE_MESSAGE(x.exit_code == 0, x.err);
  BOOST_CHECK_EQUAL(x.out, "disposed savepoint " + moved.string() + "\n");
  BOOST_CHECK(!fs::exists(moved));
  BOOST_CHECK(fs::exists(moved.parent_path()));
  // A file the savepoint does not name is left, and so is its directory.
  make_savepoint(run.chk, sp);
  write_file(sp / "NOTES", "keep me");
  x = sluice_cli({"savepoint", "--dispose=" + (sp / "_metadata").string()}, dir.path());
  BOOST_REQUIRE_MESSAGE(x.exit_code == 0, x.err);
  BOOST_CHECK_MESSAGE(x.out.find("NOTES") != std::string::npos, x.out);
  BOOST_CHECK_EQUAL(files_in(sp), 1u);
}

BOOST_AUTO_TEST_CASE(dispose_refuses_a_checkpoint_and_a_savepoint_with_state_outside_it) {
  auto& run = shared_run();
  temp_dir dir;
  auto chk = dir / "job" / run.chk.filename().string();
  fs::create_directories(chk.parent_path());
  fs::copy(run.chk, chk, fs::copy_options::recursive);
  auto before = files_in(chk);
  auto r = sluice_cli({"savepoint", "--dispose", chk.string()}, dir.path());
  BOOST_CHECK_EQUAL(r.exit_code, 1);
  BOOST_CHECK_MESSAGE(r.err.find(chk.string() + " is a checkpoint, not a savepoint")
                        != std::string::npos, r.err);
  BOOST_CHECK_EQUAL(files_in(chk), before);
  // A savepoint whose state file lies in ../shared/.
  auto sp = dir / "sp";
  make_savepoint(run.chk, sp);
  auto md = sluice::read_metadata_file(sp);
  auto& h = md.operators.back().subtasks.front().handles.front();
  fs::create_directories(dir / "shared");
  fs::rename(sp / h.relative_path, dir / "shared" / h.relative_path);
  h.relative_path = "../shared/" + h.relative_path;
  sluice::write_metadata_file(sp, md);
  before = files_in(sp) + files_in(dir / "shared");
  r = sluice_cli({"savepoint", "--dispose", sp.string()}, dir.path());
  BOOST_CHECK_EQUAL(r.exit_code, 1);
  BOOST_CHECK_MESSAGE(r.err.find("outside the savepoint directory") != std::string::npos, r.err);
  BOOST_CHECK_EQUAL(files_in(sp) + files_in(dir / "shared"), before);
}

BOOST_AUTO_TEST_CASE(damaged_files_give_one_line_errors_naming_them) {
  auto& run = shared_run();
  temp_dir dir;
  auto good = dir / "job" / "chk-1";
  auto flipped = dir / "job" / "chk-2";
  auto truncated = dir / "job" / "chk-3";
  for (auto& p : {good, flipped, truncated}) {
    fs::create_directories(p.parent_path());
    fs::copy(run.chk, p, fs::copy_options::recursive);
  }
  auto state = flipped / "visit-count-processor-id-0.state";
  auto image = read_file(state);
  image[image.size() / 2] ^= 0x01;
  write_file(state, image);
  auto meta = read_file(truncated / "_metadata");
  write_file(truncated / "_metadata", meta.substr(0, meta.size() - 7));
  for (auto& args : std::vector<std::vector<std::string>>{
         {"inspect", flipped.string()}, {"inspect", flipped.string(), "--dump", counts_state}}) {
    auto r = sluice_cli(args, dir.path());
    BOOST_CHECK_EQUAL(r.exit_code, 1);
    BOOST_CHECK_MESSAGE(r.err.find(state.string()) != std::string::npos, r.err);
    BOOST_CHECK_EQUAL(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  }
  auto r = sluice_cli({"inspect", truncated.string()}, dir.path());
  BOOST_CHECK_EQUAL(r.exit_code, 1);
  BOOST_CHECK_MESSAGE(r.err.find((truncated / "_metadata").string()) != std::string::npos, r.err);
  BOOST_CHECK_EQUAL(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  // The listing names the truncated _metadata and still lists the others.
  r = sluice_cli({"checkpoints", (dir / "job").string()}, dir.path());
  BOOST_CHECK_EQUAL(r.exit_code, 1);
  BOOST_CHECK_MESSAGE(r.err.find((truncated / "_metadata").string()) != std::string::npos, r.err);
  BOOST_CHECK_EQUAL(lines_of(r.out).size(), 3u); // header, good, flipped (state not read)
  r = sluice_cli({"savepoint", "--dispose", truncated.string()}, dir.path());
  BOOST_CHECK_EQUAL(r.exit_code, 1);
  BOOST_CHECK(fs::exists(truncated / "visit-count-processor-id-0.state"));
}

BOOST_AUTO_TEST_CASE(bad_paths_and_arguments_exit_1_or_2_with_a_clear_message) {
  auto& run = shared_run();
  temp_dir dir;
  auto check = [&](std::vector<std::string> args, int code, const std::string& needle) {
    BOOST_TEST_CONTEXT("sluice " << args.front() << " ... expecting " << needle) {
      auto r = sluice_cli(args, dir.path());
      BOOST_CHECK_EQUAL(r.exit_code, code);
      BOOST_CHECK_MESSAGE((r.out + r.err).find(needle) != std::string::npos, r.out << r.err);
    }
  };
  fs::create_directories(dir / "empty");
  write_file(dir / "file", "x");
  check({"checkpoints", (dir / "empty").string()}, 0, "no retained checkpoints under");
  check({"checkpoints", (dir / "missing").string()}, 1, "missing: no such directory");
  check({"checkpoints", (dir / "file").string()}, 1, "file: not a directory");
  check({"checkpoints"}, 2, "needs exactly one DIR");
  check({"inspect", (dir / "empty").string()}, 1, "no _metadata");
  check({"inspect", run.chk.string(), "--dump", "visit-count"}, 2, "UID/STATE");
  check({"inspect", run.chk.string(), "--dump", "nope/x"}, 1,
        "operators: source-id, visit-count-processor-id");
  check({"inspect", run.chk.string(), "--dump", "visit-count-processor-id/x"}, 1,
        "states: visit-count");
  check({"savepoint", "--dispose"}, 2, "needs a value");
  check({"savepoint", "--dispose", (dir / "missing").string()}, 1,
        "missing: no such file or directory");
  check({"checkpoints", "--help"}, 0, "sluice savepoint --dispose PATH");
}

BOOST_AUTO_TEST_SUITE_END()
