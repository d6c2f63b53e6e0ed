// The REST router's read endpoints against a fake backend: status codes and
// Flink's JSON schema (field names, types, units: epoch milliseconds,
// millisecond durations), and the error answers: 404 for unknown jobs,
// checkpoints and paths, 405 with Allow for a wrong method, 400 for
// malformed ids, 500 for a failing, throwing or double-answering backend.
#include "tests/rest/rest_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <limits>

using namespace sluice;
using namespace sluice::test;

namespace {

struct router_fixture {
  fake_rest_backend backend;
  rest_router router{backend, pinned_options()};

  router_fixture() {
    add_sample_jobs(backend);
  }
};

/// Epoch millis of steady second `s` under the pinned offset.
int64_t epoch_ms_at(int64_t s) {
  return epoch_offset.count() + s * 1000;
}

bool has_number(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number_integer();
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(rest_router_suite, router_fixture)

BOOST_AUTO_TEST_CASE(get_jobs_lists_ids_with_flink_status_names) {
  auto r = call(router, "GET", "/jobs");
  BOOST_REQUIRE(r.answered);
  BOOST_CHECK_EQUAL(r.status, 200u);
  BOOST_REQUIRE(r.body.is_object() && r.body["jobs"].is_array());
  BOOST_REQUIRE_EQUAL(r.body["jobs"].size(), 2u);
  std::map<std::string, std::string> seen;
  for (auto& row : r.body["jobs"])
    seen[row.at("id").get<std::string>()] = row.at("status").get<std::string>();
  BOOST_CHECK_EQUAL(seen[job_a], "RUNNING");
  BOOST_CHECK_EQUAL(seen[job_b], "CANCELED"); // Flink spells it with one L
}

BOOST_AUTO_TEST_CASE(job_details_of_running_job_measure_duration_to_now) {
  auto r = call(router, "GET", "/jobs/" + job_a);
  BOOST_CHECK_EQUAL(r.status, 200u);
  auto& j = r.body;
  BOOST_REQUIRE(j.is_object());
  BOOST_CHECK_EQUAL(j.value("jid", ""), job_a);
  BOOST_CHECK_EQUAL(j.value("name", ""), "word count");
  BOOST_CHECK_EQUAL(j.value("state", ""), "RUNNING");
  BOOST_CHECK_EQUAL(j.value("start-time", 0LL), 1'700'000'010'000LL);
  BOOST_CHECK_EQUAL(j.value("end-time", 0LL), -1LL);
  BOOST_CHECK_EQUAL(j.value("now", 0LL), 1'700'000'500'000LL);
  BOOST_CHECK_EQUAL(j.value("duration", 0LL), 490'000LL);
  BOOST_CHECK_EQUAL(j.value("maxParallelism", 0), 128);
  BOOST_CHECK_EQUAL(j.value("num-restarts", 0), 2);
  BOOST_CHECK_EQUAL(j.value("last-failure", ""), "map (2/2) failed: boom");
  BOOST_CHECK_EQUAL(j.value("downtime", 0), 1200);
  BOOST_CHECK_EQUAL(j.value("restored-checkpoint", 0), 2);
}

BOOST_AUTO_TEST_CASE(job_details_of_ended_job_measure_duration_to_end) {
  auto r = call(router, "GET", "/jobs/" + job_b);
  BOOST_CHECK_EQUAL(r.status, 200u);
  BOOST_CHECK_EQUAL(r.body.value("state", ""), "CANCELED");
  BOOST_CHECK_EQUAL(r.body.value("end-time", 0LL), 1'700'000'070'000LL);
  BOOST_CHECK_EQUAL(r.body.value("duration", 0LL), 60'000LL);
  BOOST_CHECK(r.body.contains("last-failure") && r.body["last-failure"].is_null());
  BOOST_CHECK(r.body.contains("restored-checkpoint") && r.body["restored-checkpoint"].is_null());
}

BOOST_AUTO_TEST_CASE(checkpoint_statistics_have_flink_counts_summary_latest_history) {
  auto r = call(router, "GET", "/jobs/" + job_a + "/checkpoints");
  BOOST_CHECK_EQUAL(r.status, 200u);
  auto& j = r.body;
  BOOST_REQUIRE(j.is_object());
  for (auto key : {"restored", "total", "in_progress", "completed", "failed"})
    BOOST_CHECK_MESSAGE(has_number(j["counts"], key), "counts." << key);
  BOOST_CHECK_EQUAL(j["counts"].value("total", 0), 4);
  BOOST_CHECK_EQUAL(j["counts"].value("completed", 0), 2);
  for (auto key : {"state_size", "checkpointed_size", "end_to_end_duration", "persisted_data",
                   "processed_data"})
    for (auto stat : {"min", "max", "avg"})
      BOOST_CHECK_MESSAGE(has_number(j["summary"][key], stat), "summary." << key << "." << stat);
  BOOST_CHECK_EQUAL(j["summary"]["state_size"].value("min", 0), 1000);
  BOOST_CHECK_EQUAL(j["summary"]["state_size"].value("max", 0), 2000);
  BOOST_CHECK_EQUAL(j["summary"]["state_size"].value("avg", 0), 1500);

  auto& latest = j["latest"];
  BOOST_REQUIRE(latest.is_object());
  BOOST_CHECK_EQUAL(latest["completed"].value("id", 0), 2);
  BOOST_CHECK_EQUAL(latest["completed"].value("className", ""), "completed");
  BOOST_CHECK_EQUAL(latest["completed"].value("external_path", ""),
                    "/tmp/chk/" + job_a + "/chk-2");
  BOOST_CHECK(latest.contains("savepoint") && latest["savepoint"].is_null());
  BOOST_CHECK_EQUAL(latest["failed"].value("failure_message", ""),
                    "Checkpoint expired before completing.");
  BOOST_CHECK_EQUAL(latest["failed"].value("failure_timestamp", 0LL), epoch_ms_at(300) + 1500);
  BOOST_CHECK_EQUAL(latest["restored"].value("id", 0), 2);
  BOOST_CHECK_EQUAL(latest["restored"].value("restore_timestamp", 0LL), epoch_ms_at(450));
  BOOST_CHECK_EQUAL(latest["restored"].value("is_savepoint", true), false);

  auto& history = j["history"];
  BOOST_REQUIRE(history.is_array());
  BOOST_REQUIRE_EQUAL(history.size(), 4u);
  std::vector<std::string> statuses;
  for (auto& e : history) {
    statuses.push_back(e.value("status", ""));
    for (auto key : {"id", "trigger_timestamp", "latest_ack_timestamp", "state_size",
                     "checkpointed_size", "end_to_end_duration", "num_subtasks",
                     "num_acknowledged_subtasks"})
      BOOST_CHECK_MESSAGE(has_number(e, key), "history entry lacks " << key);
    BOOST_CHECK(e.contains("is_savepoint") && e["is_savepoint"].is_boolean());
  }
  BOOST_CHECK((statuses == std::vector<std::string>{"IN_PROGRESS", "FAILED", "COMPLETED", "COMPLETED"}));
  BOOST_CHECK_EQUAL(history[2].value("trigger_timestamp", 0LL), epoch_ms_at(200));
  BOOST_CHECK_EQUAL(history[2].value("latest_ack_timestamp", 0LL), epoch_ms_at(200) + 1500);
  BOOST_CHECK_EQUAL(history[2].value("end_to_end_duration", 0), 1500);
  BOOST_CHECK_EQUAL(history[0].value("latest_ack_timestamp", 0LL), -1LL); // no ack yet
  BOOST_CHECK(history[1].contains("failure_message"));
  BOOST_CHECK(!history[0].contains("external_path"));
}

BOOST_AUTO_TEST_CASE(checkpoint_config_reports_flink_fields_in_milliseconds) {
  auto r = call(router, "GET", "/jobs/" + job_a + "/checkpoints/config");
  BOOST_CHECK_EQUAL(r.status, 200u);
  auto& j = r.body;
  BOOST_CHECK_EQUAL(j.value("mode", ""), "exactly_once");
  BOOST_CHECK_EQUAL(j.value("interval", 0), 500);
  BOOST_CHECK_EQUAL(j.value("timeout", 0), 600'000);
  BOOST_CHECK_EQUAL(j.value("min_pause", -1), 0);
  BOOST_CHECK_EQUAL(j.value("max_concurrent", 0), 1);
  BOOST_CHECK_EQUAL(j["externalization"].value("enabled", false), true);
  BOOST_CHECK_EQUAL(j["externalization"].value("delete_on_cancellation", true), false);
  BOOST_CHECK_EQUAL(j.value("state_backend", ""), "lmdb");
  BOOST_CHECK_EQUAL(j.value("checkpoint_storage", ""), "filesystem");
  BOOST_CHECK_EQUAL(j.value("unaligned_checkpoints", true), false);
  BOOST_CHECK_EQUAL(j.value("tolerable_failed_checkpoints", 0), 3);
  BOOST_CHECK(has_number(j, "aligned_checkpoint_timeout"));
}

BOOST_AUTO_TEST_CASE(checkpoint_config_without_periodic_checkpoints_reports_long_max) {
  backend.jobs[job_a].config.config.interval.reset();
  backend.jobs[job_a].config.config.mode = checkpointing_mode::at_least_once;
  auto r = call(router, "GET", "/jobs/" + job_a + "/checkpoints/config");
  BOOST_CHECK_EQUAL(r.status, 200u);
  BOOST_CHECK_EQUAL(r.body.value("interval", 0LL), std::numeric_limits<int64_t>::max());
  BOOST_CHECK_EQUAL(r.body.value("mode", ""), "at_least_once");
}

BOOST_AUTO_TEST_CASE(checkpoint_details_aggregate_subtasks_per_vertex) {
  auto r = call(router, "GET", "/jobs/" + job_a + "/checkpoints/details/2");
  BOOST_CHECK_EQUAL(r.status, 200u);
  BOOST_CHECK_EQUAL(r.body.value("id", 0), 2);
  BOOST_CHECK_EQUAL(r.body.value("status", ""), "COMPLETED");
  auto& tasks = r.body["tasks"];
  BOOST_REQUIRE(tasks.is_object());
  BOOST_CHECK_EQUAL(tasks.size(), 2u);
  BOOST_CHECK_EQUAL(tasks["0"].value("num_acknowledged_subtasks", 0), 2);
  BOOST_CHECK_EQUAL(tasks["0"].value("state_size", 0), 20);
  BOOST_CHECK_EQUAL(tasks["0"].value("end_to_end_duration", 0), 200);
  BOOST_CHECK_EQUAL(tasks["1"].value("latest_ack_timestamp", 0LL), epoch_ms_at(200) + 300);
}

BOOST_AUTO_TEST_CASE(checkpoint_details_outside_history_are_404_and_bad_ids_400) {
  auto missing = call(router, "GET", "/jobs/" + job_a + "/checkpoints/details/99");
  BOOST_CHECK_EQUAL(missing.status, 404u);
  BOOST_CHECK(is_error_body(missing.body));
  for (auto bad : {"abc", "-1", "1.5", "18446744073709551616", "+3", "0x10"}) {
    auto r = call(router, "GET", "/jobs/" + job_a + "/checkpoints/details/" + bad);
    BOOST_CHECK_MESSAGE(r.status == 400u, bad << " gave " << r.status);
    BOOST_CHECK(is_error_body(r.body));
  }
}

BOOST_AUTO_TEST_CASE(unknown_job_is_404_on_every_job_endpoint) {
  auto base = "/jobs/" + job_unknown;
  std::vector<std::pair<std::string, std::string>> requests = {
    {"GET", base},
    {"GET", base + "/checkpoints"},
    {"GET", base + "/checkpoints/config"},
    {"GET", base + "/checkpoints/details/1"},
    {"GET", base + "/checkpoints/0123456789abcdef0123456789abcdef"},
    {"GET", base + "/savepoints/0123456789abcdef0123456789abcdef"},
    {"POST", base + "/savepoints"},
    {"POST", base + "/stop"},
    {"POST", base + "/checkpoints"},
    {"PATCH", base},
  };
  for (auto& [method, target] : requests) {
    auto r = call(router, method, target);
    BOOST_CHECK_MESSAGE(r.status == 404u, method << " " << target << " gave " << r.status);
    BOOST_CHECK_MESSAGE(is_error_body(r.body), method << " " << target << ": " << r.raw);
  }
}

BOOST_AUTO_TEST_CASE(malformed_job_and_trigger_ids_are_400) {
  for (auto bad : {"A5E0EDD8E66B53F1B89C2041F91B8FD2", "a5e0edd8e66b53f1b89c2041f91b8fd",
                   "a5e0edd8e66b53f1b89c2041f91b8fd2a", "g5e0edd8e66b53f1b89c2041f91b8fd2",
                   "%20", "-"}) {
    auto r = call(router, "GET", std::string{"/jobs/"} + bad + "/checkpoints");
    BOOST_CHECK_MESSAGE(r.status == 400u, bad << " gave " << r.status);
    BOOST_CHECK(is_error_body(r.body));
  }
  auto t = call(router, "GET", "/jobs/" + job_a + "/savepoints/not-a-trigger");
  BOOST_CHECK_EQUAL(t.status, 400u);
  auto c = call(router, "GET", "/jobs/" + job_a + "/checkpoints/XYZ");
  BOOST_CHECK_EQUAL(c.status, 400u);
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_404) {
  std::vector<std::string> paths = {"/", "/jobz", "/jobs/" + job_a + "/foo",
                                    "/jobs/" + job_a + "/checkpoints/details",
                                    "/jobs/" + job_a + "/checkpoints/details/1/x",
                                    "/overview", "/jobs/" + job_a + "/savepoints/a/b"};
  for (auto& path : paths) {
    auto r = call(router, "GET", path);
    BOOST_CHECK_MESSAGE(r.status == 404u, path << " gave " << r.status);
    BOOST_CHECK(is_error_body(r.body));
  }
  auto relative = call(router, "GET", "jobs");
  BOOST_CHECK_EQUAL(relative.status, 400u);
}

BOOST_AUTO_TEST_CASE(wrong_method_on_known_path_is_405_with_allow) {
  struct expectation {
    std::string method, target, allow;
  };
  std::vector<expectation> cases = {
    {"DELETE", "/jobs", "GET"},
    {"POST", "/jobs/" + job_a, "GET, PATCH"},
    {"GET", "/jobs/" + job_a + "/savepoints", "POST"},
    {"GET", "/jobs/" + job_a + "/stop", "POST"},
    {"PUT", "/jobs/" + job_a + "/checkpoints", "GET, POST"},
    {"POST", "/jobs/" + job_a + "/checkpoints/config", "GET"},
    {"get", "/jobs", "GET"}, // methods are case-sensitive
  };
  for (auto& c : cases) {
    auto r = call(router, c.method, c.target);
    BOOST_CHECK_MESSAGE(r.status == 405u, c.method << " " << c.target << " gave " << r.status);
    BOOST_CHECK_EQUAL(r.allow, c.allow);
    BOOST_CHECK(is_error_body(r.body));
  }
}

BOOST_AUTO_TEST_CASE(v1_prefix_trailing_slash_and_query_are_accepted) {
  BOOST_CHECK_EQUAL(call(router, "GET", "/v1/jobs").status, 200u);
  BOOST_CHECK_EQUAL(call(router, "GET", "/jobs/").status, 200u);
  BOOST_CHECK_EQUAL(call(router, "GET", "/jobs?x=1").status, 200u);
  BOOST_CHECK_EQUAL(call(router, "GET", "/v1/jobs/" + job_a + "/checkpoints/").status, 200u);
}

BOOST_AUTO_TEST_CASE(async_backend_answers_from_another_thread) {
  backend.async = true;
  auto r = call(router, "GET", "/jobs/" + job_a + "/checkpoints");
  BOOST_REQUIRE(r.answered);
  BOOST_CHECK_EQUAL(r.status, 200u);
  BOOST_CHECK_EQUAL(r.body["counts"].value("total", 0), 4);
}

BOOST_AUTO_TEST_CASE(backend_failure_is_500_with_its_message) {
  backend.fail_with = rest_error{rest_error::kind::internal, "job master unreachable"};
  auto r = call(router, "GET", "/jobs/" + job_a);
  BOOST_CHECK_EQUAL(r.status, 500u);
  BOOST_REQUIRE(is_error_body(r.body));
  BOOST_CHECK_EQUAL(r.body["errors"][0].get<std::string>(), "job master unreachable");
  backend.fail_with = rest_error{rest_error::kind::bad_request, "no savepoint directory"};
  BOOST_CHECK_EQUAL(call(router, "POST", "/jobs/" + job_a + "/savepoints").status, 400u);
}

BOOST_AUTO_TEST_CASE(throwing_backend_is_500_not_a_crash) {
  backend.throw_on_call = true;
  auto r = call(router, "GET", "/jobs");
  BOOST_REQUIRE(r.answered);
  BOOST_CHECK_EQUAL(r.status, 500u);
  BOOST_CHECK(is_error_body(r.body));
}

BOOST_AUTO_TEST_CASE(backend_answering_twice_reaches_the_client_once) {
  backend.answer_twice = true;
  backend.async = true;
  std::atomic<int> answers{0};
  std::promise<void> first;
  router.handle({"GET", "/jobs", ""}, [&](rest_response) {
    if (++answers == 1)
      first.set_value();
  });
  BOOST_REQUIRE(first.get_future().wait_for(5s) == std::future_status::ready);
  backend.join();
  BOOST_CHECK_EQUAL(answers.load(), 1);
}

BOOST_AUTO_TEST_CASE(malformed_trigger_id_from_backend_is_500) {
  backend.next_trigger = "not-hex";
  auto r = call(router, "POST", "/jobs/" + job_a + "/savepoints");
  BOOST_CHECK_EQUAL(r.status, 500u);
  BOOST_CHECK(is_error_body(r.body));
}

BOOST_AUTO_TEST_SUITE_END()
