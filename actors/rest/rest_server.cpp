#include "actors/rest/rest_server.hpp"

// GCC 12 flags Boost 1.74's awaitable frames (operator new(size_t) paired
// with a sized operator delete) as mismatched once inlined: a false
// positive, silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <array>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "actors/rest/rest_json.hpp"
#include "snapshot/error.hpp"

namespace sluice {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

auto with(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

/// Hands router completions (from any thread) to the io_context while the
/// server lives; drops them after `close`.
class completion_gate {
public:
  explicit completion_gate(asio::io_context& ctx) : ctx_(&ctx) {
  }

  template <class F>
  void post(F&& f) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (ctx_ != nullptr)
      asio::post(*ctx_, std::forward<F>(f));
  }

  void close() {
    std::lock_guard<std::mutex> guard{mtx_};
    ctx_ = nullptr;
  }

private:
  std::mutex mtx_;
  asio::io_context* ctx_;
};

/// One request's answer, shared by the waiting coroutine and the posted
/// completion. Touched on the io thread only.
struct pending_reply {
  std::optional<rest_response> response;
  /// The waiting coroutine's timer; null once it stopped waiting.
  asio::steady_timer* wakeup = nullptr;
};

rest_response json_error(unsigned status, std::string_view message) {
  return {status, rest_json::errors(message), {}};
}

} // namespace

struct rest_server::impl {
  impl(rest_router& r, rest_server_options o, std::string a)
    : router(r), opts(o), address(std::move(a)) {
  }

  /// Declared first, destroyed last: frames of suspended coroutines die
  /// with it and only use the members below while running.
  asio::io_context ctx{1};
  rest_router& router;
  rest_server_options opts;
  std::string address;
  uint16_t port = 0;
  std::shared_ptr<completion_gate> gate = std::make_shared<completion_gate>(ctx);
  std::thread thread;

  asio::awaitable<rest_response> call_router(rest_request req);
  asio::awaitable<bool> respond(beast::tcp_stream& stream, rest_response r, unsigned version,
                                bool keep_alive, bool head);
  asio::awaitable<void> linger_close(beast::tcp_stream& stream);
  asio::awaitable<void> session(tcp::socket socket);
  asio::awaitable<void> serve(beast::tcp_stream& stream);
  asio::awaitable<void> accept_loop(tcp::acceptor acceptor);
};

asio::awaitable<rest_response> rest_server::impl::call_router(rest_request req) {
  auto p = std::make_shared<pending_reply>();
  asio::steady_timer timer{co_await asio::this_coro::executor};
  timer.expires_after(opts.response_timeout);
  p->wakeup = &timer;
  router.handle(req, [gate = gate, p](rest_response r) {
    gate->post([p, r = std::move(r)]() mutable {
      if (p->wakeup != nullptr && !p->response) {
        p->response = std::move(r);
        p->wakeup->cancel();
      }
    });
  });
  error_code ec;
  // The completion is always posted, so it cannot have run yet.
  co_await timer.async_wait(with(ec));
  p->wakeup = nullptr;
  if (p->response)
    co_return std::move(*p->response);
  co_return json_error(503, "no answer from the job backend within "
                              + std::to_string(opts.response_timeout.count()) + "ms");
}

asio::awaitable<bool> rest_server::impl::respond(beast::tcp_stream& stream, rest_response r,
                                                 unsigned version, bool keep_alive, bool head) {
  http::response<http::string_body> res;
  res.version(version);
  res.result(r.status);
  res.set(http::field::server, "sluice");
  res.set(http::field::content_type, "application/json");
  if (!r.allow.empty())
    res.set(http::field::allow, r.allow);
  res.keep_alive(keep_alive);
  res.body() = std::move(r.body);
  res.prepare_payload();
  if (head)
    res.body().clear(); // Content-Length stays that of the GET answer
  error_code ec;
  stream.expires_after(opts.read_timeout);
  co_await http::async_write(stream, res, with(ec));
  co_return !ec;
}

asio::awaitable<void> rest_server::impl::linger_close(beast::tcp_stream& stream) {
  // Closing with unread input makes the kernel reset the connection, which
  // can destroy the error response before the client reads it: stop
  // sending, then drain what the client still sends for a little while.
  error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::min(opts.read_timeout, std::chrono::milliseconds{2000}));
  std::array<char, 8192> scratch;
  size_t drained = 0;
  while (!ec && drained < 4 * opts.body_limit + (1 << 20))
    drained += co_await stream.async_read_some(asio::buffer(scratch), with(ec));
  stream.socket().close(ec);
}

asio::awaitable<void> rest_server::impl::serve(beast::tcp_stream& stream) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(opts.header_limit));
    parser.body_limit(opts.body_limit);
    error_code ec;
    stream.expires_after(opts.read_timeout);
    co_await http::async_read_header(stream, buffer, parser, with(ec));
    if (!ec && beast::iequals(parser.get()[http::field::expect], "100-continue")
        && !parser.is_done()) {
      http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
      co_await http::async_write(stream, cont, with(ec));
    }
    if (!ec)
      co_await http::async_read(stream, buffer, parser, with(ec));
    if (ec) {
      std::optional<rest_response> answer;
      if (ec == http::error::body_limit)
        answer = json_error(413, "request body larger than " + std::to_string(opts.body_limit)
                                   + " bytes");
      else if (ec == http::error::header_limit)
        answer = json_error(431, "request header larger than "
                                   + std::to_string(opts.header_limit) + " bytes");
      else if (ec.category() == http::make_error_code(http::error::bad_target).category()
               && ec != http::error::end_of_stream && ec != http::error::partial_message)
        answer = json_error(400, "malformed HTTP request: " + ec.message());
      // Anything else (client closed, reset, timeout): just close.
      if (answer)
        co_await respond(stream, std::move(*answer), 11, false, false);
      co_await linger_close(stream);
      co_return;
    }
    auto msg = parser.release();
    bool keep_alive = msg.keep_alive();
    unsigned version = msg.version();
    bool head = msg.method() == http::verb::head;
    rest_request req{std::string{msg.method_string()}, std::string{msg.target()},
                     std::move(msg.body())};
    auto res = co_await call_router(std::move(req));
    if (!co_await respond(stream, std::move(res), version, keep_alive, head))
      co_return;
    if (!keep_alive)
      break;
  }
  co_await linger_close(stream); // pipelined requests after a close
}

asio::awaitable<void> rest_server::impl::session(tcp::socket socket) {
  beast::tcp_stream stream{std::move(socket)};
  try {
    co_await serve(stream);
  } catch (...) {
    // A failed allocation or a bug must not take the server down: drop
    // this connection only.
  }
}

asio::awaitable<void> rest_server::impl::accept_loop(tcp::acceptor acceptor) {
  asio::steady_timer backoff{acceptor.get_executor()};
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(with(ec));
    if (ec == asio::error::operation_aborted)
      co_return;
    if (ec) {
      // Out of descriptors and the like: retry shortly instead of spinning.
      backoff.expires_after(std::chrono::milliseconds{100});
      co_await backoff.async_wait(with(ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec); // small answers: no Nagle delay
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket)), asio::detached);
  }
}

rest_server::rest_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

std::unique_ptr<rest_server> rest_server::start(const std::string& address, uint16_t port,
                                                rest_router& router, rest_server_options opts) {
  auto p = std::make_unique<impl>(router, opts, address);
  auto where = "rest.port " + std::to_string(port) + ": ";
  error_code ec;
  tcp::endpoint endpoint;
  auto ip = asio::ip::make_address(address, ec);
  if (!ec) {
    endpoint = tcp::endpoint{ip, port};
  } else {
    tcp::resolver resolver{p->ctx};
    auto found = resolver.resolve(address, std::to_string(port), ec);
    if (ec || found.empty())
      throw exception(ec::invalid_option, "rest.address " + address
                                            + ": not an IP address or resolvable host name");
    endpoint = found.begin()->endpoint();
  }
  tcp::acceptor acceptor{p->ctx};
  if (acceptor.open(endpoint.protocol(), ec); ec)
    throw exception(ec::io_error, where + "cannot open a socket: " + ec.message());
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec) {
    auto why = ec == asio::error::address_in_use ? std::string{"address in use"} : ec.message();
    throw exception(ec::io_error, where + "cannot listen on " + address + ": " + why);
  }
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
    throw exception(ec::io_error, where + "cannot listen on " + address + ": " + ec.message());
  p->port = acceptor.local_endpoint().port();
  asio::co_spawn(p->ctx, p->accept_loop(std::move(acceptor)), asio::detached);
  auto* raw = p.get();
  p->thread = std::thread{[raw] {
    for (;;) {
      try {
        raw->ctx.run();
        return;
      } catch (...) {
        // A handler threw: keep serving the other connections.
      }
    }
  }};
  return std::unique_ptr<rest_server>{new rest_server{std::move(p)}};
}

rest_server::~rest_server() {
  impl_->gate->close();
  impl_->ctx.stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

uint16_t rest_server::port() const noexcept {
  return impl_->port;
}

const std::string& rest_server::address() const noexcept {
  return impl_->address;
}

} // namespace sluice
