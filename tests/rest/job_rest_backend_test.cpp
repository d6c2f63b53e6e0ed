// The REST router over the real backend (actors/rest/job_rest_backend.hpp)
// and real jobs (the keyed-count job of the checkpoint tests), no sockets:
// requests go straight to `rest_router::handle`. Checks what a client of
// Flink's REST API would see: jobs listed RUNNING then FINISHED/CANCELED,
// checkpoint statistics with completed checkpoints, savepoints whose
// location holds a `_metadata` on disk, stop-with-savepoint ending the job
// FINISHED, manual checkpoints whose id the storage knows, cancellation,
// 404 for unknown ids, failures of jobs without checkpointing, and the
// bound on operation records.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <list>
#include <optional>

#include "actors/rest/job_rest_backend.hpp"
#include "tests/checkpoint/coordinator_test_util.hpp"
#include "tests/rest/rest_test_support.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using sluice::test::call;
using sluice::test::json;
using sluice::test::reply;
namespace fs = std::filesystem;

namespace {

/// `j` at JSON pointer `ptr`, null when absent (never throws).
json at(const json& j, const std::string& ptr) {
  try {
    json::json_pointer p{ptr};
    if (j.contains(p))
      return j.at(p);
  } catch (...) {
  }
  return nullptr;
}

std::string str_at(const json& j, const std::string& ptr) {
  auto v = at(j, ptr);
  return v.is_string() ? v.get<std::string>() : std::string{};
}

int64_t int_at(const json& j, const std::string& ptr) {
  auto v = at(j, ptr);
  return v.is_number_integer() ? v.get<int64_t>() : -2;
}

uint64_t uint_at(const json& j, const std::string& ptr) {
  auto v = at(j, ptr);
  return v.is_number_unsigned() ? v.get<uint64_t>() : 0;
}

/// The keyed-count job, endless unless `count` says otherwise.
testing::keyed_count_options keyed_count(uint64_t count = uint64_t{1} << 40) {
  testing::keyed_count_options o;
  o.fast.count = count;
  return o;
}

struct rest_job_fixture {
  testing::temp_dir dir;
  /// Declared before the backend: the backend (holding job_clients) goes
  /// first, then the jobs and their actor systems.
  std::list<testing::running_job> runs;
  /// The job started last.
  testing::running_job* run = nullptr;
  job_rest_backend backend;
  rest_router router{backend};
  /// "/jobs/<id>" of the job started last.
  std::string base;

  explicit rest_job_fixture(size_t max_operations = job_rest_backend::default_max_operations)
    : backend(max_operations) {
  }

  /// Starts the keyed-count job `o` with `cfg` and lists it in the backend.
  void start(const checkpoint_config& cfg, const testing::keyed_count_options& o = keyed_count()) {
    run = &runs.emplace_back(testing::start_keyed_count(o, cfg));
    rest_job_info info;
    info.name = "keyed-count";
    info.parallelism = 3;
    info.max_parallelism = 128;
    info.checkpointing = cfg;
    info.state_backend = "hashmap";
    backend.add_job(run->job, info);
    base = "/jobs/" + run->job.job_id();
  }

  /// The job's status in `GET /jobs` ("" when not listed).
  std::string listed_status() {
    auto r = call(router, "GET", "/jobs");
    for (auto& row : at(r.body, "/jobs"))
      if (row.value("id", "") == run->job.job_id())
        return row.value("status", "");
    return {};
  }

  bool listed_as(const std::string& status, std::chrono::milliseconds timeout = 30s) {
    return testing::poll_until([&] { return listed_status() == status; }, timeout, 5ms);
  }

  /// Listed as RUNNING and one checkpoint completed: every subtask runs, so
  /// a savepoint can be taken (the job is RUNNING before all its subtasks
  /// are, and a savepoint before then is refused, as in Flink).
  bool running_with_a_checkpoint() {
    return listed_as("RUNNING")
           && testing::poll_until([&] { return run->job.checkpoint_stats().counts.completed > 0; },
                                  60s, 5ms);
  }

  /// Posts `body` to `target`; the request id of a 202 answer, else "".
  std::string trigger(const std::string& target, const std::string& body) {
    auto r = call(router, "POST", target, body);
    BOOST_CHECK_MESSAGE(r.status == 202u, target << " answered " << r.status << ": " << r.raw);
    return str_at(r.body, "/request-id");
  }

  /// Polls an operation's status until it is COMPLETED (also on failure)
  /// or a request fails; the last answer.
  reply poll_operation(const std::string& target, std::chrono::milliseconds timeout = 60s) {
    reply r;
    testing::poll_until(
      [&] {
        r = call(router, "GET", target);
        return r.status != 200u || str_at(r.body, "/status/id") == "COMPLETED";
      },
      timeout, 5ms);
    return r;
  }
};

/// A checkpointed config: filesystem storage under `dir`, every 30 ms.
checkpoint_config checkpointed(const fs::path& dir) {
  auto cfg = testing::retain_all(dir / "chk", 30ms);
  cfg.savepoint_dir.clear();
  return cfg;
}

/// The location of a completed savepoint operation: exists, holds _metadata.
void check_savepoint_location(const reply& r, const fs::path& parent) {
  BOOST_CHECK_EQUAL(r.status, 200u);
  BOOST_CHECK_EQUAL(str_at(r.body, "/status/id"), "COMPLETED");
  BOOST_CHECK_MESSAGE(at(r.body, "/operation/failure-cause").is_null(), r.raw);
  fs::path location = str_at(r.body, "/operation/location");
  BOOST_REQUIRE_MESSAGE(!location.empty(), "no location in " << r.raw);
  BOOST_CHECK_EQUAL(location.parent_path(), parent);
  BOOST_CHECK_MESSAGE(fs::is_directory(location), location << " is no directory");
  BOOST_CHECK_MESSAGE(fs::exists(location / "_metadata"), location << " has no _metadata");
}

} // namespace

BOOST_AUTO_TEST_SUITE(job_rest_backend_suite)

BOOST_FIXTURE_TEST_CASE(a_running_job_is_listed_with_statistics_then_cancelled, rest_job_fixture) {
  start(checkpointed(dir.path));
  BOOST_REQUIRE_MESSAGE(listed_as("RUNNING"), "listed as '" << listed_status() << "'");
  auto details = call(router, "GET", base);
  BOOST_CHECK_EQUAL(details.status, 200u);
  BOOST_CHECK_EQUAL(str_at(details.body, "/jid"), run->job.job_id());
  BOOST_CHECK_EQUAL(str_at(details.body, "/name"), "keyed-count");
  BOOST_CHECK_EQUAL(str_at(details.body, "/state"), "RUNNING");
  BOOST_CHECK_EQUAL(at(details.body, "/end-time"), json(-1));
  BOOST_CHECK_EQUAL(uint_at(details.body, "/maxParallelism"), 128u);
  // Replayable sources, exactly-once checkpoints: no downgrade to report.
  BOOST_CHECK_EQUAL(str_at(details.body, "/processing-guarantee"), "EXACTLY_ONCE");
  BOOST_CHECK_EQUAL(at(details.body, "/guarantee-warnings"), json::array());

  BOOST_REQUIRE(testing::poll_until(
    [&] { return run->job.checkpoint_stats().counts.completed >= 2; }, 30s));
  auto stats = call(router, "GET", base + "/checkpoints");
  BOOST_CHECK_EQUAL(stats.status, 200u);
  BOOST_CHECK_GE(uint_at(stats.body, "/counts/completed"), 2u);
  BOOST_CHECK_GE(uint_at(stats.body, "/counts/total"), uint_at(stats.body, "/counts/completed"));
  BOOST_CHECK_GT(uint_at(stats.body, "/latest/completed/id"), 0u);
  // A retained checkpoint's external_path names its `_metadata` file.
  fs::path latest = str_at(stats.body, "/latest/completed/external_path");
  BOOST_CHECK_EQUAL(latest.filename().string(), "_metadata");
  BOOST_CHECK_MESSAGE(fs::exists(latest), "latest completed: " << latest);
  BOOST_CHECK(at(stats.body, "/history").is_array() && !at(stats.body, "/history").empty());
  BOOST_CHECK(at(stats.body, "/summary/end_to_end_duration").is_object());

  auto config = call(router, "GET", base + "/checkpoints/config");
  BOOST_CHECK_EQUAL(config.status, 200u);
  BOOST_CHECK_EQUAL(uint_at(config.body, "/interval"), 30u);
  BOOST_CHECK_EQUAL(str_at(config.body, "/state_backend"), "hashmap");
  BOOST_CHECK_EQUAL(str_at(config.body, "/checkpoint_storage"), "filesystem");

  auto cancel = call(router, "PATCH", base + "?mode=cancel");
  BOOST_CHECK_EQUAL(cancel.status, 202u);
  BOOST_CHECK_MESSAGE(listed_as("CANCELED"), "listed as '" << listed_status() << "'");
  auto result = run->job.wait_for(30s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not end within 30 s of the cancel");
  BOOST_CHECK(result->status == job_status::cancelled);
  auto ended = call(router, "GET", base);
  BOOST_CHECK_EQUAL(str_at(ended.body, "/state"), "CANCELED");
  BOOST_CHECK_GE(int_at(ended.body, "/end-time"), int_at(ended.body, "/start-time"));
  BOOST_CHECK_GT(int_at(ended.body, "/start-time"), 0);
  // Cancelling a cancelled job is fine (Flink acknowledges it).
  BOOST_CHECK_EQUAL(call(router, "PATCH", base).status, 202u);
}

// A host's inlet cannot be replayed: with checkpointing on, the job details
// say that the job is at-most-once for it, naming the source.
BOOST_FIXTURE_TEST_CASE(a_source_that_cannot_replay_is_reported_at_most_once, rest_job_fixture) {
  auto pc = default_pipeline_config();
  pc.threads = 2;
  environment env{pc};
  env.set_checkpoint_config(checkpointed(dir.path));
  auto in = make_inlet<int64_t>(1024);
  env.from_inlet(in).name("host-inlet").collect();
  auto job = env.execute_async("inlet job");
  BOOST_REQUIRE_EQUAL(env.delivery_warnings().size(), 1u);
  rest_job_info info;
  info.name = "inlet job";
  backend.add_job(job, info);
  auto details = call(router, "GET", "/jobs/" + job.job_id());
  BOOST_CHECK_EQUAL(details.status, 200u);
  BOOST_CHECK_EQUAL(str_at(details.body, "/processing-guarantee"), "AT_MOST_ONCE");
  auto warnings = at(details.body, "/guarantee-warnings");
  BOOST_REQUIRE_MESSAGE(warnings.is_array() && warnings.size() == 1, details.raw);
  auto text = warnings[0].get<std::string>();
  BOOST_CHECK_MESSAGE(text.find("'host-inlet'") != std::string::npos, text);
  BOOST_CHECK_MESSAGE(text.find("at-most-once") != std::string::npos, text);
  in->close();
  BOOST_CHECK(job.wait().status == job_status::finished);
}

BOOST_FIXTURE_TEST_CASE(savepoint_and_checkpoint_triggers_complete, rest_job_fixture) {
  start(checkpointed(dir.path));
  BOOST_REQUIRE(testing::poll_until(
    [&] { return run->job.checkpoint_stats().counts.completed >= 1; }, 30s));
  auto sp_dir = dir.path / "savepoints";
  auto body = R"({"target-directory": ")" + sp_dir.string() + R"("})";
  auto id = trigger(base + "/savepoints", body);
  BOOST_REQUIRE(is_rest_id(id));
  auto done = poll_operation(base + "/savepoints/" + id);
  check_savepoint_location(done, sp_dir);
  // A savepoint's trigger id is no checkpoint trigger id.
  BOOST_CHECK_EQUAL(call(router, "GET", base + "/checkpoints/" + id).status, 404u);

  // A client-chosen trigger id is used; a retry with it starts nothing new.
  std::string chosen = "0123456789abcdef0123456789abcdef";
  auto with_id = R"({"target-directory": ")" + sp_dir.string() + R"(", "triggerId": ")" + chosen
                 + R"("})";
  BOOST_CHECK_EQUAL(trigger(base + "/savepoints", with_id), chosen);
  BOOST_CHECK_EQUAL(trigger(base + "/savepoints", with_id), chosen);
  check_savepoint_location(poll_operation(base + "/savepoints/" + chosen), sp_dir);
  size_t savepoints = 0;
  for (auto& e : fs::directory_iterator(sp_dir))
    savepoints += e.is_directory() ? 1 : 0;
  BOOST_CHECK_EQUAL(savepoints, 2u);

  auto cid = trigger(base + "/checkpoints", "");
  BOOST_REQUIRE(is_rest_id(cid));
  auto chk = poll_operation(base + "/checkpoints/" + cid);
  BOOST_CHECK_EQUAL(str_at(chk.body, "/status/id"), "COMPLETED");
  BOOST_CHECK_MESSAGE(at(chk.body, "/operation/failure-cause").is_null(), chk.raw);
  auto checkpoint_id = uint_at(chk.body, "/operation/checkpointId");
  BOOST_CHECK_GT(checkpoint_id, 0u);
  auto ids = run->job.storage()->completed_ids();
  auto history = testing::completed_ids_of(run->job.checkpoint_stats());
  bool known = ids.count(checkpoint_id) > 0
               || std::find(history.begin(), history.end(), checkpoint_id) != history.end();
  BOOST_CHECK_MESSAGE(known, "checkpoint " << checkpoint_id
                                           << " is neither stored nor in the history");
  BOOST_CHECK_EQUAL(call(router, "GET", base + "/savepoints/" + cid).status, 404u);
  BOOST_CHECK_EQUAL(listed_status(), "RUNNING");
}

BOOST_FIXTURE_TEST_CASE(stop_with_savepoint_finishes_the_job, rest_job_fixture) {
  start(checkpointed(dir.path));
  BOOST_REQUIRE_MESSAGE(running_with_a_checkpoint(), "listed as '" << listed_status() << "'");
  auto sp_dir = dir.path / "stop";
  auto id = trigger(base + "/stop", R"({"targetDirectory": ")" + sp_dir.string() + R"("})");
  BOOST_REQUIRE(is_rest_id(id));
  check_savepoint_location(poll_operation(base + "/savepoints/" + id), sp_dir);
  BOOST_CHECK_MESSAGE(listed_as("FINISHED"), "listed as '" << listed_status() << "'");
  auto result = run->job.wait_for(30s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not end within 30 s of the stop");
  BOOST_CHECK_MESSAGE(result->status == job_status::finished, result->message);
  // Flink: cancelling a job that finished is a conflict, not a success.
  auto cancel = call(router, "PATCH", base);
  BOOST_CHECK_EQUAL(cancel.status, 400u);
  BOOST_CHECK_MESSAGE(cancel.raw.find("FINISHED") != std::string::npos, cancel.raw);
  // A savepoint of the ended job fails with a cause.
  auto late_body = R"({"target-directory": ")" + sp_dir.string() + R"("})";
  auto late = trigger(base + "/savepoints", late_body);
  BOOST_REQUIRE(is_rest_id(late));
  auto failed = poll_operation(base + "/savepoints/" + late, 30s);
  BOOST_CHECK_EQUAL(str_at(failed.body, "/status/id"), "COMPLETED");
  BOOST_CHECK_MESSAGE(!str_at(failed.body, "/operation/failure-cause/stack-trace").empty(),
                      failed.raw);
}

BOOST_FIXTURE_TEST_CASE(cancel_job_savepoint_stops_the_job, rest_job_fixture) {
  start(checkpointed(dir.path));
  BOOST_REQUIRE_MESSAGE(running_with_a_checkpoint(), "listed as '" << listed_status() << "'");
  auto sp_dir = dir.path / "cancel";
  auto id = trigger(base + "/savepoints",
                    R"({"target-directory": ")" + sp_dir.string() + R"(", "cancel-job": true})");
  BOOST_REQUIRE(is_rest_id(id));
  check_savepoint_location(poll_operation(base + "/savepoints/" + id), sp_dir);
  auto result = run->job.wait_for(30s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not end within 30 s of the savepoint");
  BOOST_CHECK_MESSAGE(result->status == job_status::finished, result->message);
}

BOOST_FIXTURE_TEST_CASE(unknown_jobs_and_triggers_are_not_found, rest_job_fixture) {
  auto unknown = "/jobs/" + sluice::test::job_unknown;
  BOOST_CHECK_EQUAL(call(router, "GET", "/jobs").raw, R"({"jobs":[]})");
  for (auto [method, target] : {std::pair{"GET", unknown}, std::pair{"PATCH", unknown},
                                std::pair{"GET", unknown + "/checkpoints"},
                                std::pair{"GET", unknown + "/checkpoints/config"},
                                std::pair{"POST", unknown + "/checkpoints"},
                                std::pair{"POST", unknown + "/savepoints"},
                                std::pair{"POST", unknown + "/stop"},
                                std::pair{"GET", unknown + "/savepoints/" + sluice::test::job_a}}) {
    auto r = call(router, method, target, "{}");
    BOOST_CHECK_MESSAGE(r.status == 404u, method << " " << target << ": " << r.status);
    BOOST_CHECK(sluice::test::is_error_body(r.body));
  }
  // A known job, an unknown trigger.
  checkpoint_config off;
  off.interval.reset();
  start(off, keyed_count(1000));
  BOOST_CHECK_EQUAL(call(router, "GET", base + "/savepoints/" + sluice::test::job_a).status, 404u);
  BOOST_CHECK_EQUAL(call(router, "GET", base + "/checkpoints/" + sluice::test::job_a).status, 404u);
}

BOOST_FIXTURE_TEST_CASE(operations_without_checkpointing_fail_naming_the_interval,
                        rest_job_fixture) {
  checkpoint_config off;
  off.interval.reset();
  off.savepoint_dir.clear();
  start(off);
  BOOST_REQUIRE_MESSAGE(listed_as("RUNNING"), "listed as '" << listed_status() << "'");
  auto sp = trigger(base + "/savepoints",
                    R"({"target-directory": ")" + (dir.path / "sp").string() + R"("})");
  BOOST_REQUIRE(is_rest_id(sp));
  auto failed = poll_operation(base + "/savepoints/" + sp, 30s);
  BOOST_CHECK_EQUAL(str_at(failed.body, "/status/id"), "COMPLETED");
  BOOST_CHECK(at(failed.body, "/operation/location").is_null());
  auto cause = str_at(failed.body, "/operation/failure-cause/stack-trace");
  BOOST_CHECK_MESSAGE(cause.find("checkpointing.interval") != std::string::npos, failed.raw);

  auto cp = trigger(base + "/checkpoints", "");
  BOOST_REQUIRE(is_rest_id(cp));
  auto cp_failed = poll_operation(base + "/checkpoints/" + cp, 30s);
  BOOST_CHECK(at(cp_failed.body, "/operation/checkpointId").is_null());
  auto cp_cause = str_at(cp_failed.body, "/operation/failure-cause/stack-trace");
  BOOST_CHECK_MESSAGE(cp_cause.find("checkpointing.interval") != std::string::npos, cp_failed.raw);

  // No target directory and no checkpointing.savepoint-dir: 400 at once.
  auto no_dir = call(router, "POST", base + "/savepoints", "{}");
  BOOST_CHECK_EQUAL(no_dir.status, 400u);
  BOOST_CHECK_MESSAGE(no_dir.raw.find("checkpointing.savepoint-dir") != std::string::npos,
                      no_dir.raw);
  BOOST_CHECK_EQUAL(call(router, "POST", base + "/stop", "{}").status, 400u);
  // The hashmap job takes full checkpoints only.
  auto incremental
    = call(router, "POST", base + "/checkpoints", R"({"checkpointType": "INCREMENTAL"})");
  BOOST_CHECK_EQUAL(incremental.status, 400u);
  // None of this touched the job.
  BOOST_CHECK_EQUAL(listed_status(), "RUNNING");
}

// Past the bound (2 here), the oldest FINISHED record goes, not an older
// one still in progress.
BOOST_AUTO_TEST_CASE(operation_records_are_bounded_oldest_finished_first) {
  rest_job_fixture f{2};
  // A savepoint that stays in progress for seconds: the sink takes 200 ms
  // per batch and the barrier waits behind its backlog.
  auto slow = keyed_count();
  slow.sink_delay = 200ms;
  auto slow_cfg = checkpointed(f.dir.path);
  slow_cfg.interval = 10min;
  f.start(slow_cfg, slow);
  auto slow_base = f.base;
  BOOST_REQUIRE_MESSAGE(f.listed_as("RUNNING"), "listed as '" << f.listed_status() << "'");
  // The backlog builds up: wait until the sinks finished two batches (the
  // event, not a sleep). Records through source, sum and sink show the job
  // was deployed and processes (a savepoint while a subtask is not running
  // yet is refused), and a sink batch takes 200 ms, in which the sources
  // (hundreds of batches per second) fill every channel up to the sinks to
  // its credit limit: the savepoint's barrier then queues behind seconds of
  // sink work (3.6-5.8 s measured, while the IN_PROGRESS check below comes
  // within 10 ms of the trigger).
  BOOST_REQUIRE_MESSAGE(testing::poll_until([&] { return f.run->probe->seen.load() >= 2 * 64; },
                                            60s),
                        "the sinks took no two batches within 60 s");
  auto body = R"({"target-directory": ")" + (f.dir.path / "sp").string() + R"("})";
  auto pending = f.trigger(slow_base + "/savepoints", body);
  BOOST_REQUIRE(is_rest_id(pending));
  // Fast failures: a job without checkpointing.
  checkpoint_config off;
  off.interval.reset();
  f.start(off);
  auto target = f.base + "/savepoints/";
  auto first = f.trigger(f.base + "/savepoints", body);
  BOOST_REQUIRE(is_rest_id(first));
  auto failed = f.poll_operation(target + first, 30s);
  BOOST_REQUIRE_MESSAGE(!at(failed.body, "/operation/failure-cause").is_null(), failed.raw);
  auto still = call(f.router, "GET", slow_base + "/savepoints/" + pending);
  BOOST_REQUIRE_MESSAGE(str_at(still.body, "/status/id") == "IN_PROGRESS",
                        "the slow savepoint ended too early: " << still.raw);
  auto second = f.trigger(f.base + "/savepoints", body);
  BOOST_CHECK_EQUAL(f.backend.operation_count(), 2u);
  BOOST_CHECK_EQUAL(call(f.router, "GET", target + first).status, 404u);
  BOOST_CHECK_EQUAL(call(f.router, "GET", slow_base + "/savepoints/" + pending).status, 200u);
  BOOST_CHECK_EQUAL(call(f.router, "GET", target + second).status, 200u);
}

BOOST_AUTO_TEST_SUITE_END()
