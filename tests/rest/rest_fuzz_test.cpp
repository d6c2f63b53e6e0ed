// Fuzzing the REST endpoint with seeded random and mutated requests
// (std::mt19937, fixed seeds: a failure reproduces). Through the router:
// every request is answered (within 5 s) with a 2xx/4xx status and valid
// JSON, errors in Flink's {"errors": [...]} shape. Through the server over
// a real socket: mutated raw HTTP bytes get only complete JSON responses
// with 2xx/4xx statuses, or a close, never a hang; the server still serves
// afterwards.
#include "actors/rest/rest_server.hpp"

#include <boost/test/unit_test.hpp>

#include <random>
#include <set>

#include "tests/rest/http_test_client.hpp"
#include "tests/rest/rest_test_support.hpp"

using namespace sluice;

namespace rest_fuzz_test {

using namespace sluice::test;

namespace {

const std::string trigger_a = "0123456789abcdef0123456789abcdef";

class request_fuzzer {
public:
  explicit request_fuzzer(uint32_t seed) : rng_(seed) {
  }

  rest_request next() {
    rest_request r;
    r.method = pick({"GET", "GET", "POST", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS",
                     "", "get", bytes(8)});
    r.target = chance(4) ? mutate(target()) : target();
    r.body = body();
    return r;
  }

  /// Raw HTTP/1.1 text of a request, then byte-level mutations.
  std::string next_raw() {
    auto r = next();
    std::string extra;
    if (chance(3))
      extra += "Connection: close\r\n";
    if (chance(5))
      extra += "Expect: 100-continue\r\n";
    if (chance(6))
      extra += "Transfer-Encoding: chunked\r\n";
    // HEAD answers carry no body: the test client could not frame them.
    auto method = r.method.empty() || r.method == "HEAD" ? std::string{"GET"} : r.method;
    auto text = http_request(method, r.target, r.body, extra);
    if (chance(3))
      text += http_request("GET", "/jobs"); // pipelined
    return chance(2) ? mutate(text) : text;
  }

private:
  bool chance(int one_in) {
    return std::uniform_int_distribution<int>{0, one_in - 1}(rng_) == 0;
  }

  size_t below(size_t n) {
    return std::uniform_int_distribution<size_t>{0, n - 1}(rng_);
  }

  std::string pick(std::vector<std::string> xs) {
    return xs[below(xs.size())];
  }

  std::string bytes(size_t max) {
    std::string s(below(max + 1), '\0');
    for (auto& c : s)
      c = static_cast<char>(below(256));
    return s;
  }

  std::string target() {
    std::vector<std::string> segments = {
      "jobs", "jobs", "jobs", job_a, job_a, job_b, job_unknown, "checkpoints", "checkpoints",
      "savepoints", "stop", "config", "details", "1", "2", "99", "-1", "18446744073709551616",
      trigger_a, "ffffffffffffffffffffffffffffffff", "v1", "", "%2F", "..", "A5E0EDD8E66B53F1B89C2041F91B8FD2",
    };
    std::string t = chance(10) ? "" : "/";
    if (chance(2)) { // a well-shaped path with a random tail
      t += pick({"jobs/" + job_a, "jobs/" + job_unknown, "v1/jobs/" + job_b, "jobs"});
      if (chance(2))
        t += pick({"/checkpoints", "/savepoints", "/stop", "/checkpoints/config",
                   "/checkpoints/details/2", "/savepoints/" + trigger_a,
                   "/checkpoints/" + trigger_a});
    } else {
      auto n = below(7);
      for (size_t i = 0; i < n; ++i)
        t += (i ? "/" : "") + (chance(12) ? bytes(6) : pick(segments));
    }
    if (chance(4))
      t += "?" + pick({"mode=cancel", "mode=stop", "mode=", "mode", "x=1&mode=cancel", bytes(5)});
    return t;
  }

  std::string body() {
    static const std::vector<std::string> valid = {
      "",
      R"({"target-directory": "/tmp/sp", "cancel-job": true})",
      R"({"targetDirectory": "/tmp/stop", "drain": false})",
      R"({"checkpointType": "FULL"})",
      R"({"triggerId": "ffffffffffffffffffffffffffffffff"})",
      R"({"formatType": "NATIVE", "target-directory": null})",
      "{}",
      "[]",
      "null",
    };
    switch (below(5)) {
      case 0: return bytes(64);
      case 1: return mutate(valid[below(valid.size())]);
      case 2: return std::string(below(100), '[') + std::string(below(100), '{');
      default: return valid[below(valid.size())];
    }
  }

  std::string mutate(std::string s) {
    auto rounds = 1 + below(4);
    for (size_t i = 0; i < rounds; ++i) {
      auto pos = s.empty() ? 0 : below(s.size());
      switch (below(5)) {
        case 0:
          if (!s.empty())
            s[pos] = static_cast<char>(below(256));
          break;
        case 1: s.insert(pos, 1, static_cast<char>(below(256))); break;
        case 2:
          if (!s.empty())
            s.erase(pos, 1 + below(8));
          break;
        case 3: s.insert(pos, s.substr(pos, below(16))); break;
        default: s = s.substr(0, pos); break;
      }
    }
    return s;
  }

  std::mt19937 rng_;
};

const std::set<unsigned> router_statuses = {200, 202, 400, 404, 405};

} // namespace

BOOST_AUTO_TEST_SUITE(rest_fuzz_suite)

BOOST_AUTO_TEST_CASE(random_and_mutated_requests_through_the_router_get_json_answers) {
  fake_rest_backend backend;
  add_sample_jobs(backend);
  rest_router router{backend, pinned_options()};
  request_fuzzer fuzz{20240611};
  std::map<unsigned, int> seen;
  int failures = 0;
  for (int i = 0; i < 5000 && failures < 10; ++i) {
    backend.async = i % 3 == 0;
    auto req = fuzz.next();
    auto r = call(router, req.method, req.target, req.body);
    bool ok = r.answered && router_statuses.count(r.status) == 1 && !r.body.is_null()
              && (r.status >= 400 ? is_error_body(r.body) : r.body.is_object());
    if (!ok) {
      ++failures;
      BOOST_ERROR("request " << i << " " << json(req.method).dump(-1, ' ', true, json::error_handler_t::replace)
                             << " " << json(req.target).dump(-1, ' ', true, json::error_handler_t::replace)
                             << " -> answered " << r.answered << " status " << r.status << " body "
                             << r.raw.substr(0, 200));
    }
    ++seen[r.status];
    if (i % 100 == 0)
      backend.join();
  }
  // The fuzzer reaches the interesting answers, not only 404s.
  for (unsigned s : router_statuses)
    BOOST_CHECK_MESSAGE(seen[s] > 10, "status " << s << " seen " << seen[s] << " times");
}

BOOST_AUTO_TEST_CASE(mutated_raw_http_over_a_socket_gets_json_or_a_close) {
  fake_rest_backend backend;
  add_sample_jobs(backend);
  backend.async = true;
  rest_router router{backend, pinned_options()};
  rest_server_options opts;
  opts.read_timeout = 1s;
  auto server = rest_server::start("127.0.0.1", 0, router, opts);
  request_fuzzer fuzz{7};
  int failures = 0;
  int responses = 0;
  for (int i = 0; i < 1500 && failures < 10; ++i) {
    auto raw = fuzz.next_raw();
    test_connection c{server->port()};
    if (!c.connected()) {
      ++failures;
      BOOST_ERROR("connection " << i << " refused");
      continue;
    }
    c.send(raw); // the server may close early (400): a failed send is fine
    c.shutdown_send();
    while (auto r = c.read_reply()) {
      ++responses;
      bool ok = r->status == 100
                || (r->status >= 200 && r->status < 500 && r->headers["content-type"] == "application/json"
                    && !json::parse(r->body, nullptr, false).is_discarded());
      if (!ok) {
        ++failures;
        BOOST_ERROR("request " << i << ": status " << r->status << " body " << r->body.substr(0, 200));
      }
    }
    if (!c.unread().empty()) {
      ++failures;
      BOOST_ERROR("request " << i << ": partial response " << c.unread().substr(0, 200));
    }
    if (i % 100 == 0)
      backend.join();
  }
  BOOST_CHECK_GT(responses, 1000);
  test_connection after{server->port()};
  BOOST_REQUIRE(after.send(http_request("GET", "/jobs")));
  auto r = after.read_reply();
  BOOST_REQUIRE(r.has_value());
  BOOST_CHECK_EQUAL(r->status, 200u);
  server.reset();
  backend.join();
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace rest_fuzz_test
