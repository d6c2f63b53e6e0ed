#include "operators/socket_source.hpp"

#include <algorithm>
#include <optional>
#include <system_error>
#include <vector>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>

#include "operators/environment.hpp"

namespace sluice {

namespace {

using clock_type = std::chrono::steady_clock;
using asio::ip::tcp;

/// Bytes per read_some.
constexpr size_t socket_chunk_size = 64 * 1024;

/// Reads per step at most (a cancel lands between steps).
constexpr size_t socket_max_chunks_per_step = 16;

std::chrono::microseconds until(clock_type::time_point t) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(t - clock_type::now());
  return std::max(left, std::chrono::microseconds{100});
}

} // namespace

struct socket_source::impl {
  enum class phase { waiting, connecting, connected, done };

  explicit impl(const socket_source_options& o) : opts(o) {
  }

  const socket_source_options& opts;
  // Declared before the socket and resolver: destroyed after them.
  asio::io_context io;
  tcp::socket socket{io};
  tcp::resolver resolver{io};
  phase state = phase::waiting;
  clock_type::time_point next_attempt{};
  clock_type::time_point connect_started{};
  /// Result of the pending connect, set by its completion handler.
  std::optional<std::error_code> connect_result;
  std::error_code last_error;
  uint64_t retries = 0;
  /// Numbers connect attempts: a late handler of an older one is ignored.
  uint64_t attempt = 0;
  uint64_t connections = 0;
  /// The current connection ended; `buf` is being drained.
  bool eof = false;
  std::string buf;
  size_t begin = 0;
  std::vector<char> chunk = std::vector<char>(socket_chunk_size);

  std::string where() const {
    return "socket source " + opts.host + ":" + std::to_string(opts.port);
  }

  void pump() {
    io.restart();
    io.poll();
  }

  void start_connect() {
    state = phase::connecting;
    connect_started = clock_type::now();
    connect_result.reset();
    auto id = ++attempt;
    auto done = [this, id](const std::error_code& e) {
      if (id == attempt)
        connect_result = e;
    };
    std::error_code ec;
    auto addr = asio::ip::make_address(opts.host, ec);
    if (!ec) {
      socket.async_connect(tcp::endpoint{addr, opts.port}, done);
      return;
    }
    resolver.async_resolve(opts.host, std::to_string(opts.port),
                           [this, id, done](const std::error_code& e,
                                            const tcp::resolver::results_type& rs) {
                             if (id != attempt)
                               return;
                             if (e) {
                               done(e);
                               return;
                             }
                             asio::async_connect(socket, rs,
                                                 [done](const std::error_code& e2,
                                                        const tcp::endpoint&) { done(e2); });
                           });
  }

  /// The connection ended or could not be made: retry or finish.
  void lost() {
    std::error_code ignored;
    socket.close(ignored);
    buf.clear();
    begin = 0;
    eof = false;
    if (opts.max_retry < 0 || retries < static_cast<uint64_t>(opts.max_retry)) {
      ++retries;
      state = phase::waiting;
      next_attempt = clock_type::now() + opts.retry_delay;
      return;
    }
    if (connections == 0)
      throw exception(ec::io_error, where() + ": cannot connect after "
                                      + std::to_string(retries + 1)
                                      + " attempt(s): " + last_error.message());
    state = phase::done;
  }

  /// Advances a pending connect; true once connected.
  void check_connect() {
    if (!connect_result) {
      if (clock_type::now() - connect_started < opts.connect_timeout)
        return;
      // Timed out: cancel; the handler runs with operation_aborted.
      std::error_code ignored;
      resolver.cancel();
      socket.close(ignored);
      pump();
      last_error = std::make_error_code(std::errc::timed_out);
      lost();
      return;
    }
    if (*connect_result) {
      last_error = *connect_result;
      lost();
      return;
    }
    std::error_code ec;
    socket.non_blocking(true, ec);
    if (ec) {
      last_error = ec;
      lost();
      return;
    }
    ++connections;
    state = phase::connected;
  }

  void push(std::vector<std::string>& out, size_t end) {
    auto stop = end;
    if (opts.delimiter == "\n" && stop > begin && buf[stop - 1] == '\r')
      --stop;
    out.emplace_back(buf, begin, stop - begin);
  }

  void take_records(std::vector<std::string>& out, size_t max_records) {
    while (out.size() < max_records) {
      auto pos = buf.find(opts.delimiter, begin);
      if (pos == std::string::npos)
        break;
      if (pos - begin > opts.max_line_length)
        too_long(pos - begin);
      push(out, pos);
      begin = pos + opts.delimiter.size();
    }
    if (begin == buf.size()) {
      buf.clear();
      begin = 0;
    }
  }

  [[noreturn]] void too_long(size_t len) const {
    throw exception(ec::io_error, where() + ": record longer than "
                                    + std::to_string(opts.max_line_length) + " bytes ("
                                    + std::to_string(len) + " bytes so far)");
  }

  /// Reads what the socket has now (non-blocking); false when nothing was
  /// there. Sets `eof` when the connection ended.
  bool read_chunk() {
    std::error_code ec;
    auto n = socket.read_some(asio::buffer(chunk), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again
        || ec == asio::error::interrupted)
      return false;
    if (ec) {
      if (ec != asio::error::eof)
        last_error = ec;
      eof = true;
      return true;
    }
    buf.erase(0, begin);
    begin = 0;
    buf.append(chunk.data(), n);
    return true;
  }
};

socket_source::socket_source(socket_source_options opts) : opts_(std::move(opts)) {
}

socket_source::~socket_source() = default;

void socket_source::open(operator_context& ctx) {
  auto bad = [&](const std::string& why) {
    throw exception(ec::invalid_argument, "socket source " + opts_.host + ":"
                                            + std::to_string(opts_.port) + ": " + why);
  };
  if (ctx.info().parallelism != 1)
    bad("parallelism " + std::to_string(ctx.info().parallelism)
        + " refused: a socket source is non-parallel (parallelism 1)");
  if (opts_.port == 0)
    bad("port 0 is not a server port");
  if (opts_.delimiter.empty())
    bad("empty delimiter");
  if (opts_.max_retry < -1)
    bad("max retry must be >= -1, got " + std::to_string(opts_.max_retry));
  if (opts_.max_line_length == 0 || opts_.poll_interval.count() <= 0)
    bad("max line length and poll interval must be > 0");
  impl_ = std::make_unique<impl>(opts_);
}

source_step socket_source::emit_next(operator_context& ctx, size_t max_records) {
  auto& s = *impl_;
  max_records = std::max<size_t>(max_records, 1);
  using ph = impl::phase;
  if (s.state == ph::done)
    return {source_step::finished};
  if (s.state == ph::waiting) {
    if (clock_type::now() < s.next_attempt)
      return {source_step::idle, until(s.next_attempt)};
    s.start_connect();
  }
  if (s.state == ph::connecting) {
    s.pump();
    s.check_connect();
    if (s.state == ph::connecting)
      return {source_step::idle, opts_.poll_interval};
    if (s.state != ph::connected)
      return {source_step::more}; // waiting or done: the next step says
  }
  std::vector<std::string> out;
  s.take_records(out, max_records);
  bool got = false;
  for (size_t i = 0; i < socket_max_chunks_per_step && out.size() < max_records && !s.eof; ++i) {
    if (!s.read_chunk())
      break;
    got = true;
    s.take_records(out, max_records);
    if (out.size() < max_records && s.buf.size() - s.begin > opts_.max_line_length)
      s.too_long(s.buf.size() - s.begin);
  }
  if (s.eof && out.size() < max_records) {
    // No complete record left: the rest is the connection's final record.
    if (s.begin < s.buf.size()) {
      if (s.buf.size() - s.begin > opts_.max_line_length)
        s.too_long(s.buf.size() - s.begin);
      s.push(out, s.buf.size());
      s.begin = s.buf.size();
    }
    s.lost();
  }
  auto emitted = !out.empty();
  if (emitted)
    ctx.emit(make_batch(std::move(out)));
  if (s.state == ph::connected && !emitted && !got)
    return {source_step::idle, opts_.poll_interval};
  return {source_step::more};
}

uint64_t socket_source::connections() const noexcept {
  return impl_ ? impl_->connections : 0;
}

stream<std::string> socket_text_stream(environment& env, socket_source_options opts) {
  auto s = env.add_source<std::string>(
    "socket-source", [opts] { return std::make_unique<socket_source>(opts); }, 1);
  s.uid("socket-source");
  return s;
}

stream<std::string> socket_text_stream(environment& env, std::string host, uint16_t port,
                                       std::string delimiter, int64_t max_retry) {
  socket_source_options opts;
  opts.host = std::move(host);
  opts.port = port;
  opts.delimiter = std::move(delimiter);
  opts.max_retry = max_retry;
  return socket_text_stream(env, std::move(opts));
}

} // namespace sluice
