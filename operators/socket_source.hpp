// A source of text records read from a TCP socket (Flink's
// socketTextStream(host, port, delimiter, maxRetry)), for demos and tests
// (`nc -lk 9999` on the other side).
//
// AT-MOST-ONCE. A socket cannot rewind: the source keeps no state (its
// snapshot is empty, `replayable()` is false). Records in flight at a
// failure — read but not yet in a completed checkpoint's downstream state —
// are lost, and after a restart the source simply reconnects and reads what
// the peer sends from then on; nothing is replayed. Use the file source for
// exactly-once input.
//
// Connection. A TCP client of `host:port` on Asio (standalone asio, header
// only, already required by the build). It never blocks the subtask actor:
// it owns a small io_context that `emit_next` only `poll()`s (resolve and
// connect run asynchronously; reads are non-blocking `read_some`); while
// nothing is there it returns `idle` after `poll_interval`. Names other
// than numeric addresses are resolved by Asio's resolver thread.
//
// Records. The byte stream is cut at every `delimiter` (any non-empty
// string; with "\n" a '\r' before it is dropped too, like Flink). When a
// connection ends, the bytes after the last delimiter are emitted as a
// final record (Flink does the same at the very end). A record longer than
// `max_line_length` bytes fails the subtask (ec::io_error), so memory stays
// bounded.
//
// Retries (Flink's maxRetry). When a connection ends (peer closed, read
// error) or a connect attempt fails or times out, the source reconnects
// after `retry_delay`, at most `max_retry` times over its life: 0 ends the
// source at the first disconnect, -1 retries forever. (Flink's loop counts
// the first connection against maxRetry, so it reconnects maxRetry - 1
// times; here `max_retry` counts reconnects.) With the retries used up the
// source finishes — unless it never connected at all: then it fails with
// ec::io_error naming host:port and the last connect error (a wrong port
// should not look like an empty stream).
//
// Parallelism 1 only (Flink's socket source is non-parallel): `open` throws
// sluice::exception(ec::invalid_argument) on a subtask of a parallel
// operator. Other `open` errors (ec::invalid_argument): port 0, an empty
// delimiter, max_retry < -1, a zero max_line_length or poll_interval.
//
// Threading: a plain operator object, driven by one subtask at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/contract/operator.hpp"
#include "operators/stream.hpp"

namespace sluice {

class environment;

/// Options of `socket_source`.
struct socket_source_options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  /// Record delimiter; not empty.
  std::string delimiter = "\n";
  /// Reconnects over the source's life: 0 none, -1 forever.
  int64_t max_retry = 0;
  /// Delay before each reconnect (Flink: 500 ms).
  std::chrono::milliseconds retry_delay{500};
  /// A connect attempt taking longer counts as failed.
  std::chrono::milliseconds connect_timeout{10000};
  /// How long to idle while the socket has nothing to read.
  std::chrono::milliseconds poll_interval{2};
  /// Longest accepted record in bytes (without the delimiter).
  size_t max_line_length = 1024 * 1024;
};

class socket_source final : public source_operator {
public:
  /// Records of a socket source are never replayed (see the top).
  static constexpr bool is_replayable = false;

  explicit socket_source(socket_source_options opts);

  ~socket_source() override;

  socket_source(const socket_source&) = delete;
  socket_source& operator=(const socket_source&) = delete;

  /// Validates the options and the parallelism; the first connect attempt
  /// starts with the first `emit_next`.
  void open(operator_context& ctx) override;

  /// Emits up to `max_records` records as one batch; `idle` while
  /// connecting, waiting to retry or without data; `finished` after the
  /// last allowed connection ended.
  source_step emit_next(operator_context& ctx, size_t max_records) override;

  /// Always false: at-most-once (no state, nothing replayed).
  bool replayable() const noexcept override {
    return is_replayable;
  }

  /// Connections established so far (for tests and diagnostics).
  uint64_t connections() const noexcept;

private:
  struct impl;
  socket_source_options opts_;
  std::unique_ptr<impl> impl_;
};

/// Adds a socket text source (operator name and uid "socket-source",
/// parallelism 1). At-most-once, see above.
stream<std::string> socket_text_stream(environment& env, std::string host, uint16_t port,
                                       std::string delimiter = "\n", int64_t max_retry = 0);

/// Same with all options.
stream<std::string> socket_text_stream(environment& env, socket_source_options opts);

} // namespace sluice
