// The REST router's asynchronous operations against a fake backend:
// savepoint, stop-with-savepoint, cancel and manual checkpoint triggers
// answer 202 with a request id, their status moves from IN_PROGRESS to
// COMPLETED (location / checkpointId) or to a failure cause when the fake
// completes them later from another thread, and malformed bodies (bad
// JSON, wrong types, unknown fields, deep nesting) are 400 without
// reaching the backend.
#include "tests/rest/rest_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>

using namespace sluice;

namespace rest_operations_test {

using namespace sluice::test;

namespace {

struct operations_fixture {
  fake_rest_backend backend;
  rest_router router{backend, pinned_options()};
  std::string base = "/jobs/" + job_a;

  operations_fixture() {
    add_sample_jobs(backend);
  }

  /// Polls `target` until its status id is COMPLETED (or 5 s pass).
  reply poll_until_completed(const std::string& target) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    reply r;
    do {
      r = call(router, "GET", target);
      if (r.status != 200u || r.body["status"].value("id", "") == "COMPLETED")
        return r;
      std::this_thread::sleep_for(2ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return r;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(rest_operations_suite, operations_fixture)

BOOST_AUTO_TEST_CASE(savepoint_trigger_then_status_completes_from_another_thread) {
  backend.async = true;
  auto t = call(router, "POST", base + "/savepoints",
                R"({"target-directory": "/tmp/sp", "cancel-job": false})");
  BOOST_CHECK_EQUAL(t.status, 202u);
  auto id = t.body.value("request-id", "");
  BOOST_REQUIRE(is_rest_id(id));
  BOOST_REQUIRE(backend.last_savepoint.has_value());
  BOOST_CHECK(backend.last_savepoint->target_directory == std::optional<std::string>{"/tmp/sp"});
  BOOST_CHECK(!backend.last_savepoint->cancel_job);

  auto pending = call(router, "GET", base + "/savepoints/" + id);
  BOOST_CHECK_EQUAL(pending.status, 200u);
  BOOST_CHECK_EQUAL(pending.body["status"].value("id", ""), "IN_PROGRESS");
  BOOST_CHECK(!pending.body.contains("operation"));

  std::thread completer{[&] {
    std::this_thread::sleep_for(20ms);
    backend.finish_savepoint(id, "/tmp/sp/savepoint-a5e0ed-1");
  }};
  auto done = poll_until_completed(base + "/savepoints/" + id);
  completer.join();
  BOOST_CHECK_EQUAL(done.body["status"].value("id", ""), "COMPLETED");
  BOOST_CHECK_EQUAL(done.body["operation"].value("location", ""), "/tmp/sp/savepoint-a5e0ed-1");
}

BOOST_AUTO_TEST_CASE(failed_savepoint_reports_a_failure_cause) {
  auto t = call(router, "POST", base + "/savepoints", "");
  auto id = t.body.value("request-id", "");
  BOOST_REQUIRE(is_rest_id(id));
  backend.finish_savepoint(id, "", "subtask map (1/2) declined: not ready");
  auto r = call(router, "GET", base + "/savepoints/" + id);
  BOOST_CHECK_EQUAL(r.body["status"].value("id", ""), "COMPLETED"); // Flink: done, with a cause
  BOOST_REQUIRE(r.body["operation"].contains("failure-cause"));
  BOOST_CHECK(!r.body["operation"].contains("location"));
  BOOST_CHECK_EQUAL(r.body["operation"]["failure-cause"].value("stack-trace", ""),
                    "subtask map (1/2) declined: not ready");
}

BOOST_AUTO_TEST_CASE(savepoint_body_fields_reach_the_backend) {
  auto t = call(router, "POST", base + "/savepoints",
                R"({"target-directory": null, "cancel-job": true,
                    "triggerId": "ffffffffffffffffffffffffffffffff", "formatType": "NATIVE"})");
  BOOST_CHECK_EQUAL(t.status, 202u);
  BOOST_CHECK_EQUAL(t.body.value("request-id", ""), "ffffffffffffffffffffffffffffffff");
  BOOST_REQUIRE(backend.last_savepoint.has_value());
  BOOST_CHECK(!backend.last_savepoint->target_directory.has_value());
  BOOST_CHECK(backend.last_savepoint->cancel_job);
  BOOST_CHECK(backend.last_savepoint->format == rest_savepoint_format::native);
}

BOOST_AUTO_TEST_CASE(malformed_savepoint_bodies_are_400_and_reach_no_backend) {
  std::vector<std::string> bodies = {
    "{",                                        // not JSON
    "[1, 2]",                                   // not an object
    "\"target\"",                               // a string
    R"({"cancel-job": "yes"})",                 // wrong type
    R"({"cancel-job": 1})",                     // a number is no bool
    R"({"target-directory": 5})",               // wrong type
    R"({"target-directory": ""})",              // empty
    R"({"target_directory": "/tmp"})",          // misspelt field
    R"({"triggerId": "ABC"})",                  // bad trigger id
    R"({"formatType": "canonical"})",           // case matters
    std::string(40, '[') + std::string(40, ']'), // deep nesting
    "{\"target-directory\": \"/tmp\"} trailing",
  };
  for (auto& body : bodies) {
    auto r = call(router, "POST", base + "/savepoints", body);
    BOOST_CHECK_MESSAGE(r.status == 400u, body << " gave " << r.status);
    BOOST_CHECK_MESSAGE(is_error_body(r.body), body << ": " << r.raw);
  }
  BOOST_CHECK(!backend.last_savepoint.has_value());
}

BOOST_AUTO_TEST_CASE(very_deep_nesting_is_rejected_without_recursion) {
  std::string body(500'000, '[');
  auto r = call(router, "POST", base + "/savepoints", body);
  BOOST_CHECK_EQUAL(r.status, 400u);
}

BOOST_AUTO_TEST_CASE(stop_with_savepoint_status_is_read_through_savepoints) {
  auto t = call(router, "POST", base + "/stop", R"({"targetDirectory": "/tmp/stop", "drain": true})");
  BOOST_CHECK_EQUAL(t.status, 202u);
  auto id = t.body.value("request-id", "");
  BOOST_REQUIRE(is_rest_id(id));
  BOOST_REQUIRE(backend.last_stop.has_value());
  BOOST_CHECK(backend.last_stop->drain);
  BOOST_CHECK(backend.last_stop->target_directory == std::optional<std::string>{"/tmp/stop"});
  backend.finish_savepoint(id, "/tmp/stop/savepoint-1");
  auto r = call(router, "GET", base + "/savepoints/" + id);
  BOOST_CHECK_EQUAL(r.body["operation"].value("location", ""), "/tmp/stop/savepoint-1");
  auto bad = call(router, "POST", base + "/stop", R"({"drain": "true"})");
  BOOST_CHECK_EQUAL(bad.status, 400u);
  auto savepoint_field = call(router, "POST", base + "/stop", R"({"target-directory": "/x"})");
  BOOST_CHECK_EQUAL(savepoint_field.status, 400u); // stop spells it targetDirectory
}

BOOST_AUTO_TEST_CASE(unknown_trigger_id_is_404) {
  auto r = call(router, "GET", base + "/savepoints/0000000000000000000000000000000f");
  BOOST_CHECK_EQUAL(r.status, 404u);
  BOOST_CHECK(is_error_body(r.body));
  auto c = call(router, "GET", base + "/checkpoints/0000000000000000000000000000000f");
  BOOST_CHECK_EQUAL(c.status, 404u);
}

BOOST_AUTO_TEST_CASE(patch_cancels_with_202_and_an_empty_object) {
  auto r = call(router, "PATCH", base);
  BOOST_CHECK_EQUAL(r.status, 202u);
  BOOST_CHECK(r.body.is_object() && r.body.empty());
  auto explicit_mode = call(router, "PATCH", base + "?mode=cancel");
  BOOST_CHECK_EQUAL(explicit_mode.status, 202u);
  BOOST_CHECK_EQUAL(backend.cancels.load(), 2);
  auto stop_mode = call(router, "PATCH", base + "?mode=stop");
  BOOST_CHECK_EQUAL(stop_mode.status, 400u);
  BOOST_CHECK(is_error_body(stop_mode.body));
  BOOST_CHECK_EQUAL(backend.cancels.load(), 2);
}

BOOST_AUTO_TEST_CASE(checkpoint_trigger_reports_the_checkpoint_id) {
  backend.async = true;
  auto t = call(router, "POST", base + "/checkpoints", R"({"checkpointType": "FULL"})");
  BOOST_CHECK_EQUAL(t.status, 202u);
  auto id = t.body.value("request-id", "");
  BOOST_REQUIRE(is_rest_id(id));
  BOOST_REQUIRE(backend.last_checkpoint.has_value());
  BOOST_CHECK(backend.last_checkpoint->type == rest_checkpoint_type::full);
  auto pending = call(router, "GET", base + "/checkpoints/" + id);
  BOOST_CHECK_EQUAL(pending.body["status"].value("id", ""), "IN_PROGRESS");
  std::thread completer{[&] { backend.finish_checkpoint(id, 42); }};
  auto done = poll_until_completed(base + "/checkpoints/" + id);
  completer.join();
  BOOST_CHECK_EQUAL(done.body["operation"].value("checkpointId", 0), 42);
  auto bad = call(router, "POST", base + "/checkpoints", R"({"checkpointType": "SAVEPOINT"})");
  BOOST_CHECK_EQUAL(bad.status, 400u);
}

BOOST_AUTO_TEST_CASE(checkpoint_trigger_id_does_not_shadow_config) {
  // "config" is a path, not a (malformed) trigger id.
  BOOST_CHECK_EQUAL(call(router, "GET", base + "/checkpoints/config").status, 200u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace rest_operations_test
