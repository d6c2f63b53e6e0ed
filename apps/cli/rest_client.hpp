// A small synchronous HTTP/1.1 client for the sluice REST endpoint (Flink's
// REST API, actors/rest/rest_router.hpp), used by the CLI's job verbs
// (apps/cli/job_commands.hpp). One request per connection (`Connection:
// close`); JSON bodies in and out.
//
// Every step has a deadline: connecting within `connect_timeout`, sending
// the request and reading the whole response within `read_timeout`. A
// transport failure (host not resolvable, nothing listening, timeout,
// connection dropped, bytes that are no HTTP) throws rest_client_error
// with a message that names the endpoint and the option to fix, e.g.
// "cannot reach the sluice REST endpoint at 127.0.0.1:8081: connection
// refused — is the job running? (--rest.address, --rest.port)". An HTTP
// error status (4xx, 5xx) is no exception: it comes back in rest_reply.
//
// Thread-safety: `request` keeps no state between calls (each call has its
// own io_context); callable from any thread. Blocking.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace sluice::apps {

/// A transport failure (see the file comment); `what()` is one line meant
/// for the user.
class rest_client_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct rest_client_options {
  std::chrono::milliseconds connect_timeout{5'000};
  /// Sending the request plus receiving the whole response.
  std::chrono::milliseconds read_timeout{30'000};
};

/// An HTTP response from the endpoint.
struct rest_reply {
  unsigned status = 0;
  /// The body as received.
  std::string raw;
  /// The body parsed as JSON; never null (points to a JSON null when the
  /// body is empty or no valid JSON).
  std::shared_ptr<const nlohmann::json> body;

  const nlohmann::json& json() const {
    return *body;
  }

  bool ok() const noexcept {
    return status >= 200 && status < 300;
  }
};

/// Sends `method` (GET, POST, PATCH, ...) `target` (origin form, "/jobs")
/// to `host`:`port`; a non-empty `body` goes as `application/json`.
/// Throws rest_client_error on transport failures, std::invalid_argument
/// for an unknown method.
rest_reply request(const std::string& host, uint16_t port, const std::string& method,
                   const std::string& target, const std::string& body = {},
                   const rest_client_options& opts = {});

/// What an unsuccessful reply says: the entries of Flink's `{"errors":
/// [...]}` joined with "; ", else "HTTP <status>: <body>" (body shortened).
std::string error_text(const rest_reply& r);

} // namespace sluice::apps
