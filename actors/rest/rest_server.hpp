// The REST endpoint's HTTP/1.1 server (Flink's REST API on `rest.address`
// : `rest.port`, default 127.0.0.1:8081): Boost.Beast over Boost.Asio C++20
// coroutines, on its own io_context and one thread, so no blocking I/O ever
// runs on CAF's scheduler. Hands every request to a rest_router.
//
// Per connection: keep-alive (HTTP/1.1 default, HTTP/1.0 on request);
// `Expect: 100-continue` answered; a body over `body_limit` gets 413 and
// the connection is closed; bytes that are no HTTP get 400 and a close; a
// client that does not deliver a whole request within `read_timeout` (or
// idles that long between requests) is disconnected, without holding up
// other connections. A router that does not answer within
// `response_timeout` yields 503. Every response is JSON
// (`Content-Type: application/json`).
//
// Router completions may arrive from any thread: they are posted to the
// io_context; after `~rest_server`, late completions are dropped.
//
// Lifetime: the router (and the backend behind it) must outlive the
// server. The destructor stops accepting, drops every connection and
// requests in flight, and joins the thread. Backend methods run on the
// server's thread (the router calls them from `handle`): never destroy the
// server from inside one.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/rest/rest_router.hpp"

namespace sluice {

struct rest_server_options {
  /// Largest request body; a larger one is answered 413.
  size_t body_limit = 1 << 20;
  /// Largest request header block; a larger one is answered 431.
  size_t header_limit = 16 << 10;
  /// Time to receive one whole request (or to wait for the next one on a
  /// kept-alive connection), and to send one response.
  std::chrono::milliseconds read_timeout{30'000};
  /// Time the router (the backend behind it) may take to answer.
  std::chrono::milliseconds response_timeout{60'000};
};

class rest_server {
public:
  /// Binds `address`:`port` (an IP literal or a host name, resolved once;
  /// port 0 picks a free port, see `port()`), then serves on a new thread.
  /// Throws sluice::exception: ec::invalid_option ("rest.address foo: not an
  /// IP address or resolvable host name") for a bad address, ec::io_error
  /// ("rest.port 8081: cannot listen on 127.0.0.1: address in use") when
  /// the socket cannot be bound or listen.
  static std::unique_ptr<rest_server> start(const std::string& address, uint16_t port,
                                            rest_router& router, rest_server_options opts = {});

  ~rest_server();

  rest_server(const rest_server&) = delete;
  rest_server& operator=(const rest_server&) = delete;

  /// The port actually bound.
  uint16_t port() const noexcept;

  /// The address bound, as given to `start`.
  const std::string& address() const noexcept;

private:
  struct impl;

  explicit rest_server(std::unique_ptr<impl> p);

  std::unique_ptr<impl> impl_;
};

} // namespace sluice
