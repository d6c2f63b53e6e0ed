// Routing of the REST endpoint (Flink's REST API on `rest.port`): matches
// a request's method and path, validates ids, query and JSON body, calls
// the backend and renders its answer as Flink's JSON. No HTTP here: the
// server (rest_server.hpp) parses the bytes and hands over a rest_request.
//
// Paths (optionally prefixed with Flink's "/v1"; one trailing slash is
// ignored):
//   GET   /jobs                                   200 {"jobs": [...]}
//   GET   /jobs/{jid}                             200 job details
//   PATCH /jobs/{jid}[?mode=cancel]               202 {}
//   GET   /jobs/{jid}/checkpoints                 200 checkpoint statistics
//   POST  /jobs/{jid}/checkpoints                 202 {"request-id"}
//   GET   /jobs/{jid}/checkpoints/config          200 checkpoint config
//   GET   /jobs/{jid}/checkpoints/details/{cid}   200 one history entry
//   GET   /jobs/{jid}/checkpoints/{triggerid}     200 checkpoint trigger status
//   POST  /jobs/{jid}/savepoints                  202 {"request-id"}
//   GET   /jobs/{jid}/savepoints/{triggerid}      200 savepoint / stop status
//   POST  /jobs/{jid}/stop                        202 {"request-id"}
// Errors are Flink's `{"errors": ["..."]}`: 400 bad id, query or body; 404
// unknown path, job, trigger or checkpoint (cid not in the history); 405
// known path, other method (with `allow`); 500 backend failure.
//
// Thread-safety: `handle` may be called from any thread, concurrently; the
// router keeps no per-request state. Lifetime: the backend must outlive
// the router; completions never touch the router (they may run after it is
// gone).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "actors/rest/rest_backend.hpp"

namespace sluice {

/// One HTTP request as the server received it.
struct rest_request {
  /// "GET", "POST", "PATCH", ... (case-sensitive, as HTTP).
  std::string method;
  /// Origin-form target: path plus optional "?query".
  std::string target;
  /// The body (may be empty; POST bodies are optional JSON objects).
  std::string body;
};

/// The answer: status code and a JSON body (always valid JSON).
struct rest_response {
  unsigned status = 200;
  std::string body;
  /// For 405: the methods the path allows ("GET, PATCH"); empty otherwise.
  std::string allow;
};

struct rest_router_options {
  /// `system_clock::now() - steady_clock::now()`, turns the steady time
  /// points of checkpoint statistics into epoch milliseconds.
  std::chrono::nanoseconds steady_to_system
    = std::chrono::system_clock::now().time_since_epoch()
      - std::chrono::steady_clock::now().time_since_epoch();
  /// The clock of `now` in job details (tests pin it).
  std::function<std::chrono::system_clock::time_point()> now
    = [] { return std::chrono::system_clock::now(); };
};

class rest_router {
public:
  /// `backend` must outlive the router.
  explicit rest_router(rest_backend& backend, rest_router_options opts = {});

  /// Answers `req` by calling `done` exactly once: synchronously for
  /// malformed requests, else from whatever thread the backend completes
  /// on. Never throws (a throwing backend yields 500); a second completion
  /// from a misbehaving backend is ignored.
  void handle(const rest_request& req, std::function<void(rest_response)> done);

private:
  rest_backend& backend_;
  rest_router_options opts_;
};

} // namespace sluice
