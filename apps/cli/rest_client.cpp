#include "apps/cli/rest_client.hpp"

#include <optional>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace sluice::apps {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

const char* const hint = " — is the job running? (--rest.address, --rest.port)";

std::string endpoint_name(const std::string& host, uint16_t port) {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

/// Runs `ctx` until the pending operation completed and returns its error.
error_code finish(asio::io_context& ctx, const std::optional<error_code>& result) {
  ctx.restart();
  ctx.run();
  return result.value_or(asio::error::operation_aborted);
}

std::string describe(const error_code& ec, std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout)
    return "no answer within " + std::to_string(timeout.count()) + " ms";
  if (ec == asio::error::connection_refused)
    return "connection refused";
  if (ec == http::error::end_of_stream || ec == asio::error::eof)
    return "the connection was closed before a response arrived";
  return ec.message();
}

} // namespace

rest_reply request(const std::string& host, uint16_t port, const std::string& method,
                   const std::string& target, const std::string& body,
                   const rest_client_options& opts) {
  auto verb = http::string_to_verb(method);
  if (verb == http::verb::unknown)
    throw std::invalid_argument("unknown HTTP method '" + method + "'");
  auto where = endpoint_name(host, port);
  auto unreachable = [&](const std::string& why) {
    return rest_client_error{"cannot reach the sluice REST endpoint at " + where + ": " + why
                             + hint};
  };
  asio::io_context ctx;
  // Resolving is synchronous: an IP literal (the usual case) needs no
  // lookup, and a host name resolves from /etc/hosts or the local resolver.
  tcp::resolver resolver{ctx};
  error_code ec;
  auto endpoints = resolver.resolve(host, std::to_string(port),
                                    tcp::resolver::numeric_service, ec);
  if (ec)
    throw unreachable("cannot resolve '" + host + "' (" + ec.message() + ")");
  beast::tcp_stream stream{ctx};
  std::optional<error_code> result;
  stream.expires_after(opts.connect_timeout);
  stream.async_connect(endpoints, [&](error_code e, const tcp::endpoint&) { result = e; });
  if (auto e = finish(ctx, result))
    throw unreachable(describe(e, opts.connect_timeout));

  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, where);
  req.set(http::field::user_agent, "sluice-cli");
  req.set(http::field::accept, "application/json");
  req.set(http::field::connection, "close");
  if (!body.empty())
    req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  auto failed = [&](const error_code& e) {
    return rest_client_error{"the sluice REST endpoint at " + where + " failed to answer "
                             + method + " " + target + ": "
                             + describe(e, opts.read_timeout)};
  };
  // One deadline for sending and receiving (tcp_stream's timer covers
  // every operation until the next expires_after).
  stream.expires_after(opts.read_timeout);
  result.reset();
  http::async_write(stream, req, [&](error_code e, size_t) { result = e; });
  if (auto e = finish(ctx, result))
    throw failed(e);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  result.reset();
  http::async_read(stream, buffer, parser, [&](error_code e, size_t) { result = e; });
  if (auto e = finish(ctx, result))
    throw failed(e);
  stream.socket().shutdown(tcp::socket::shutdown_both, ec); // best effort

  auto res = parser.release();
  rest_reply r;
  r.status = res.result_int();
  r.raw = std::move(res.body());
  auto parsed = nlohmann::json::parse(r.raw, nullptr, false);
  if (parsed.is_discarded())
    parsed = nullptr;
  r.body = std::make_shared<const nlohmann::json>(std::move(parsed));
  return r;
}

std::string error_text(const rest_reply& r) {
  auto& j = r.json();
  if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
    std::string out;
    for (auto& e : j["errors"]) {
      if (!out.empty())
        out += "; ";
      out += e.is_string() ? e.get<std::string>() : e.dump();
    }
    return out;
  }
  auto raw = r.raw.size() > 200 ? r.raw.substr(0, 200) + "..." : r.raw;
  return "HTTP " + std::to_string(r.status) + (raw.empty() ? "" : ": " + raw);
}

} // namespace sluice::apps
