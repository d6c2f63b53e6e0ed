// The REST server over loopback (port 0): GET/POST/PATCH answered as JSON,
// keep-alive and pipelining on one connection, 413 for an oversized body,
// 431 for an oversized header, 400 (or a close) for garbage, Expect:
// 100-continue, HEAD without a body, a stalled half request that neither
// blocks other clients nor holds its connection past the read timeout, 503
// for a backend that never answers, a late completion after shutdown, and
// a bind conflict naming the port.
#include "actors/rest/rest_server.hpp"

#include <boost/test/unit_test.hpp>

#include <mutex>

#include "tests/poll_until.hpp"
#include "tests/rest/http_test_client.hpp"
#include "tests/rest/rest_test_support.hpp"

using namespace sluice;

namespace rest_server_test {

using namespace sluice::test;

namespace {

rest_server_options fast_options() {
  rest_server_options o;
  o.read_timeout = 500ms;
  o.response_timeout = 2s;
  return o;
}

struct server_fixture {
  fake_rest_backend backend;
  rest_router router{backend, pinned_options()};
  std::unique_ptr<rest_server> server;

  server_fixture() {
    add_sample_jobs(backend);
    backend.async = true; // completions from other threads, as the bridge's
    server = rest_server::start("127.0.0.1", 0, router, fast_options());
  }

  ~server_fixture() {
    server.reset();
    backend.join();
  }

  uint16_t port() const {
    return server->port();
  }
};

bool is_json_reply(const std::optional<http_reply>& r) {
  if (!r || r->headers.count("content-type") == 0
      || r->headers.at("content-type") != "application/json")
    return false;
  return !json::parse(r->body, nullptr, false).is_discarded();
}

/// A backend whose list_jobs never answers until the test says so.
struct silent_backend : fake_rest_backend {
  std::mutex mtx;
  std::vector<rest_callback<std::vector<rest_job_overview>>> held;

  void list_jobs(rest_callback<std::vector<rest_job_overview>> done) override {
    std::lock_guard<std::mutex> guard{mtx};
    held.push_back(std::move(done));
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(rest_server_suite, server_fixture)

BOOST_AUTO_TEST_CASE(get_post_patch_over_loopback_answer_json) {
  BOOST_REQUIRE_NE(port(), 0);
  test_connection c{port()};
  BOOST_REQUIRE(c.connected());
  BOOST_REQUIRE(c.send(http_request("GET", "/jobs")));
  auto jobs = c.read_reply();
  BOOST_REQUIRE(is_json_reply(jobs));
  BOOST_CHECK_EQUAL(jobs->status, 200u);
  BOOST_CHECK_EQUAL(json::parse(jobs->body)["jobs"].size(), 2u);

  BOOST_REQUIRE(c.send(http_request("POST", "/jobs/" + job_a + "/savepoints",
                                    R"({"target-directory": "/tmp/sp"})")));
  auto trigger = c.read_reply();
  BOOST_REQUIRE(is_json_reply(trigger));
  BOOST_CHECK_EQUAL(trigger->status, 202u);
  BOOST_CHECK(is_rest_id(json::parse(trigger->body).value("request-id", "")));

  BOOST_REQUIRE(c.send(http_request("PATCH", "/jobs/" + job_a + "?mode=cancel")));
  auto cancel = c.read_reply();
  BOOST_REQUIRE(is_json_reply(cancel));
  BOOST_CHECK_EQUAL(cancel->status, 202u);
  BOOST_CHECK_EQUAL(backend.cancels.load(), 1);
}

BOOST_AUTO_TEST_CASE(keep_alive_serves_two_requests_and_a_pipelined_pair) {
  test_connection c{port()};
  BOOST_REQUIRE(c.send(http_request("GET", "/jobs/" + job_a)));
  auto first = c.read_reply();
  BOOST_REQUIRE(c.send(http_request("GET", "/jobs/" + job_a + "/checkpoints")));
  auto second = c.read_reply();
  BOOST_REQUIRE(is_json_reply(first) && is_json_reply(second));
  BOOST_CHECK_EQUAL(json::parse(first->body).value("jid", ""), job_a);
  BOOST_CHECK(json::parse(second->body).contains("counts"));

  BOOST_REQUIRE(c.send(http_request("GET", "/jobs/" + job_b) + http_request("GET", "/nope")));
  auto third = c.read_reply();
  auto fourth = c.read_reply();
  BOOST_REQUIRE(is_json_reply(third) && is_json_reply(fourth));
  BOOST_CHECK_EQUAL(third->status, 200u); // answers in request order
  BOOST_CHECK_EQUAL(fourth->status, 404u);
}

BOOST_AUTO_TEST_CASE(connection_close_is_honoured) {
  test_connection c{port()};
  BOOST_REQUIRE(c.send(http_request("GET", "/jobs", "", "Connection: close\r\n")));
  auto r = c.read_reply();
  BOOST_REQUIRE(is_json_reply(r));
  BOOST_CHECK(c.closed_by_peer());
}

BOOST_AUTO_TEST_CASE(oversized_body_is_413_and_the_server_keeps_serving) {
  test_connection c{port()};
  std::string body(2 << 20, 'x');
  c.send(http_request("POST", "/jobs/" + job_a + "/savepoints", body));
  auto r = c.read_reply();
  BOOST_REQUIRE(is_json_reply(r));
  BOOST_CHECK_EQUAL(r->status, 413u);
  BOOST_CHECK(!backend.last_savepoint.has_value());

  test_connection next{port()};
  BOOST_REQUIRE(next.send(http_request("GET", "/jobs")));
  auto ok = next.read_reply();
  BOOST_REQUIRE(ok.has_value());
  BOOST_CHECK_EQUAL(ok->status, 200u);
}

BOOST_AUTO_TEST_CASE(oversized_header_is_431) {
  test_connection c{port()};
  c.send(http_request("GET", "/jobs", "", "X-Filler: " + std::string(32 << 10, 'y') + "\r\n"));
  auto r = c.read_reply();
  BOOST_REQUIRE(is_json_reply(r));
  BOOST_CHECK_EQUAL(r->status, 431u);
}

BOOST_AUTO_TEST_CASE(garbage_bytes_get_400_or_a_close) {
  std::vector<std::string> garbage = {
    std::string("\x00\x01\x02garbage\r\n\r\n", 14),
    "GET /jobs HTTP/9.9\r\n\r\n",
    "GET /jobs HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
    "GET /jobs HTTP/1.1\r\nBad Header\r\n\r\n",
    "\r\n\r\n\r\n\r\n",
  };
  for (auto& g : garbage) {
    test_connection c{port()};
    BOOST_REQUIRE(c.send(g));
    auto r = c.read_reply();
    if (r) {
      BOOST_CHECK_MESSAGE(r->status == 400u, "status " << r->status);
      BOOST_CHECK(is_json_reply(r));
    }
    BOOST_CHECK(c.closed_by_peer());
  }
}

BOOST_AUTO_TEST_CASE(expect_100_continue_is_answered_before_the_body) {
  test_connection c{port()};
  std::string body = R"({"cancel-job": false})";
  BOOST_REQUIRE(c.send("POST /jobs/" + job_a + "/savepoints HTTP/1.1\r\nHost: x\r\n"
                       "Expect: 100-continue\r\nContent-Length: "
                       + std::to_string(body.size()) + "\r\n\r\n"));
  auto cont = c.read_reply();
  BOOST_REQUIRE(cont.has_value());
  BOOST_CHECK_EQUAL(cont->status, 100u);
  BOOST_REQUIRE(c.send(body));
  auto r = c.read_reply();
  BOOST_REQUIRE(is_json_reply(r));
  BOOST_CHECK_EQUAL(r->status, 202u);
}

BOOST_AUTO_TEST_CASE(head_gets_405_headers_without_a_body) {
  test_connection c{port()};
  BOOST_REQUIRE(c.send(http_request("HEAD", "/jobs") + http_request("GET", "/jobs")));
  // The HEAD answer announces a length but carries no body, so reading it
  // as if it had one swallows the start of the GET answer.
  auto r = c.read_reply();
  BOOST_REQUIRE(r.has_value());
  BOOST_CHECK_EQUAL(r->status, 405u);
  BOOST_CHECK_EQUAL(r->headers["allow"], "GET");
  BOOST_CHECK_MESSAGE(r->body.starts_with("HTTP/1.1 200"), r->body);
}

// Two clients stall mid-request; a third is answered while both stalled
// connections are still open (on a server whose read timeout is far away:
// the order of events, not a time bound, shows that nobody waited for
// them), and on the fixture's server (read timeout 500 ms) the read
// timeout closes stalled connections without running their requests.
BOOST_AUTO_TEST_CASE(stalled_half_request_blocks_neither_others_nor_its_connection) {
  {
    auto patient = fast_options();
    patient.read_timeout = 10min;
    auto slow_server = rest_server::start("127.0.0.1", 0, router, patient);
    test_connection stalled{slow_server->port()};
    BOOST_REQUIRE(stalled.send("GET /jobs HTTP/1.1\r\nHost: x\r\n")); // header never ends
    test_connection half_body{slow_server->port()};
    BOOST_REQUIRE(half_body.send("POST /jobs/" + job_a + "/stop HTTP/1.1\r\nHost: x\r\n"
                                 "Content-Length: 100\r\n\r\n{\"drain\""));
    test_connection other{slow_server->port(), 60s};
    BOOST_REQUIRE(other.send(http_request("GET", "/jobs")));
    auto r = other.read_reply();
    BOOST_REQUIRE(is_json_reply(r));
    BOOST_CHECK_EQUAL(r->status, 200u);
    BOOST_CHECK_MESSAGE(stalled.open_now(), "the stalled header's connection was closed");
    BOOST_CHECK_MESSAGE(half_body.open_now(), "the half body's connection was closed");
  }
  test_connection stalled{port()};
  BOOST_REQUIRE(stalled.send("GET /jobs HTTP/1.1\r\nHost: x\r\n"));
  test_connection half_body{port()};
  BOOST_REQUIRE(half_body.send("POST /jobs/" + job_a + "/stop HTTP/1.1\r\nHost: x\r\n"
                               "Content-Length: 100\r\n\r\n{\"drain\""));
  // The read timeout (500 ms) ends both stalled connections.
  BOOST_CHECK(stalled.closed_by_peer());
  BOOST_CHECK(half_body.closed_by_peer());
  BOOST_CHECK(!backend.last_stop.has_value());
}

BOOST_AUTO_TEST_CASE(bind_conflict_names_the_port_and_address) {
  auto p = port();
  try {
    auto second = rest_server::start("127.0.0.1", p, router);
    BOOST_FAIL("second bind on the same port succeeded");
  } catch (const sluice::exception& e) {
    std::string what = e.what();
    BOOST_CHECK(e.code() == ec::io_error);
    BOOST_CHECK_MESSAGE(what.find("rest.port " + std::to_string(p)) != std::string::npos, what);
    BOOST_CHECK_MESSAGE(what.find("127.0.0.1") != std::string::npos, what);
    BOOST_CHECK_MESSAGE(what.find("in use") != std::string::npos, what);
  }
  BOOST_CHECK_THROW(rest_server::start("not an address!", 0, router), sluice::exception);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rest_server_backend_suite)

BOOST_AUTO_TEST_CASE(backend_that_never_answers_gets_503_not_a_hang) {
  silent_backend backend;
  rest_router router{backend, pinned_options()};
  auto opts = fast_options();
  opts.response_timeout = 200ms;
  auto server = rest_server::start("127.0.0.1", 0, router, opts);
  test_connection c{server->port()};
  BOOST_REQUIRE(c.send(http_request("GET", "/jobs")));
  auto r = c.read_reply();
  BOOST_REQUIRE(is_json_reply(r));
  BOOST_CHECK_EQUAL(r->status, 503u);
  // A completion arriving late, even after the server is gone, is dropped.
  server.reset();
  std::lock_guard<std::mutex> guard{backend.mtx};
  BOOST_REQUIRE_EQUAL(backend.held.size(), 1u);
  backend.held.front()(std::vector<rest_job_overview>{});
}

// Stopping the server neither waits for a request the backend never
// answers nor for an idle connection: both timeouts are 10 min here, so
// waiting for either would hang the test instead of passing slowly.
BOOST_AUTO_TEST_CASE(server_stops_with_connections_and_requests_in_flight) {
  silent_backend backend;
  rest_router router{backend, pinned_options()};
  auto opts = fast_options();
  opts.read_timeout = 10min;
  opts.response_timeout = 10min;
  auto server = rest_server::start("127.0.0.1", 0, router, opts);
  test_connection waiting{server->port(), 60s};
  BOOST_REQUIRE(waiting.send(http_request("GET", "/jobs")));
  test_connection idle{server->port()};
  // Wait until the request reached the backend, then stop the server.
  BOOST_REQUIRE(sluice::testing::poll_until([&] {
    std::lock_guard<std::mutex> guard{backend.mtx};
    return !backend.held.empty();
  }));
  server.reset();
  BOOST_CHECK(waiting.closed_by_peer());
  std::lock_guard<std::mutex> guard{backend.mtx};
  for (auto& f : backend.held)
    f(std::vector<rest_job_overview>{});
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace rest_server_test
