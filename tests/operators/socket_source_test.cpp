// The at-most-once socket text source (operators/socket_source.hpp) against
// a local test TCP server (Asio acceptor on 127.0.0.1, port 0): records
// arrive exactly, the source retries max_retry times and then finishes, a
// server that never answers fails it, parallelism 2 is refused.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>

#include "operators/environment.hpp"
#include "operators/socket_source.hpp"

using namespace std::chrono_literals;

namespace socket_source_test {

using asio::ip::tcp;
using sluice::socket_source;
using sluice::socket_source_options;
using sluice::source_step;

namespace {

class test_context final : public sluice::operator_context {
public:
  explicit test_context(uint32_t parallelism = 1) {
    info_.operator_name = "socket-source";
    info_.parallelism = parallelism;
  }
  void emit(sluice::batch_ptr b) override {
    auto& xs = sluice::records_of<std::string>(*b);
    lines.insert(lines.end(), xs.begin(), xs.end());
  }
  void emit_watermark(sluice::timestamp) override {
  }
  sluice::keyed_state_backend* keyed_state() noexcept override {
    return nullptr;
  }
  sluice::timestamp current_watermark() const noexcept override {
    return sluice::min_timestamp;
  }
  sluice::timestamp processing_time() const noexcept override {
    return 0;
  }
  void request_processing_time(sluice::timestamp) override {
  }
  sluice::operator_metrics& metrics() noexcept override {
    return metrics_;
  }
  const sluice::subtask_info& info() const noexcept override {
    return info_;
  }

  std::vector<std::string> lines;

private:
  sluice::subtask_info info_;
  sluice::operator_metrics metrics_;
};

/// A TCP server on 127.0.0.1 (ephemeral port) on its own thread: accepts one
/// connection per entry of `script`, writes the entry's parts (pausing
/// between them), closes the connection; then closes the acceptor. Gives up
/// waiting for a connection after 10 s (so a broken source cannot hang it).
class test_server {
public:
  explicit test_server(std::vector<std::vector<std::string>> script)
    : acceptor_(io_, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}) {
    port = acceptor_.local_endpoint().port();
    acceptor_.non_blocking(true);
    thread_ = std::thread{[this, script = std::move(script)] { serve(script); }};
  }
  ~test_server() {
    thread_.join();
  }

  uint16_t port = 0;
  std::atomic<int> accepted{0};

private:
  void serve(const std::vector<std::vector<std::string>>& script) {
    for (auto& parts : script) {
      tcp::socket peer{io_};
      auto deadline = std::chrono::steady_clock::now() + 10s;
      std::error_code ec;
      for (;;) {
        acceptor_.accept(peer, ec);
        if (ec != asio::error::would_block && ec != asio::error::try_again)
          break;
        if (std::chrono::steady_clock::now() > deadline)
          return;
        std::this_thread::sleep_for(1ms);
      }
      if (ec)
        return;
      ++accepted;
      peer.non_blocking(false);
      for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0)
          std::this_thread::sleep_for(30ms); // the source sees a quiet socket
        asio::write(peer, asio::buffer(parts[i]), ec);
      }
      peer.shutdown(tcp::socket::shutdown_send, ec);
      peer.close(ec);
    }
    std::error_code ignored;
    acceptor_.close(ignored);
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

/// Steps the source (sleeping when idle) until it finishes; fails after 10 s.
void drive(socket_source& src, test_context& ctx, size_t max_records = 100) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    auto step = src.emit_next(ctx, max_records);
    if (step.status == source_step::finished)
      return;
    if (step.status == source_step::idle)
      std::this_thread::sleep_for(step.retry_after);
    if (std::chrono::steady_clock::now() > deadline)
      BOOST_FAIL("the socket source did not finish within 10 s");
  }
}

template <class F>
std::pair<sluice::ec, std::string> error_of(F f) {
  try {
    f();
  } catch (const sluice::exception& e) {
    return {e.code(), e.what()};
  }
  return {sluice::ec::none, {}};
}

socket_source_options options(uint16_t port, int64_t max_retry = 0) {
  socket_source_options opts;
  opts.port = port;
  opts.max_retry = max_retry;
  opts.retry_delay = 10ms;
  opts.poll_interval = 1ms;
  return opts;
}

} // namespace

BOOST_AUTO_TEST_SUITE(socket_source_suite)

BOOST_AUTO_TEST_CASE(receives_the_records_exactly_and_finishes_when_the_server_closes) {
  std::vector<std::string> expected;
  std::string first, second;
  for (int i = 0; i < 3000; ++i) {
    expected.push_back("line-" + std::to_string(i));
    (i < 1500 ? first : second) += expected.back() + (i % 7 == 0 ? "\r\n" : "\n");
  }
  // The pause falls inside a record: it must be joined across reads.
  second += "tail-without-newline";
  expected.push_back("line-split-across-reads");
  first += "line-split-";
  second = "across-reads\n" + second;
  expected.push_back("tail-without-newline");
  test_server server{{{first, second}}};
  socket_source src{options(server.port)};
  BOOST_CHECK(!src.replayable());
  test_context ctx;
  src.open(ctx);
  drive(src, ctx, 64);
  // Order: first part, the split line, then the second part.
  std::vector<std::string> want(expected.begin(), expected.begin() + 1500);
  want.push_back("line-split-across-reads");
  want.insert(want.end(), expected.begin() + 1500, expected.begin() + 3000);
  want.push_back("tail-without-newline");
  BOOST_CHECK_EQUAL(ctx.lines.size(), want.size());
  BOOST_CHECK(ctx.lines == want);
  BOOST_CHECK_EQUAL(src.connections(), 1u);
  BOOST_CHECK_EQUAL(server.accepted.load(), 1);
}

BOOST_AUTO_TEST_CASE(reconnects_max_retry_times_then_finishes) {
  test_server server{{{"a\nb\n"}, {"c\n"}, {"d"}, {"never\n"}}};
  socket_source src{options(server.port, 2)};
  test_context ctx;
  src.open(ctx);
  drive(src, ctx);
  BOOST_CHECK((ctx.lines == std::vector<std::string>{"a", "b", "c", "d"}));
  BOOST_CHECK_EQUAL(src.connections(), 3u);
  // Release the server's fourth accept: connect and hang up.
  asio::io_context io;
  tcp::socket s{io};
  s.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), server.port});
}

BOOST_AUTO_TEST_CASE(failed_reconnects_count_as_retries) {
  // One connection, then the acceptor closes: the retries are refused.
  test_server server{{{"x|y|"}}};
  auto opts = options(server.port, 3);
  opts.delimiter = "|";
  opts.host = "localhost"; // through the resolver
  socket_source src{opts};
  test_context ctx;
  src.open(ctx);
  drive(src, ctx);
  BOOST_CHECK((ctx.lines == std::vector<std::string>{"x", "y"}));
  BOOST_CHECK_EQUAL(src.connections(), 1u);
}

BOOST_AUTO_TEST_CASE(a_refused_connection_fails_naming_host_and_port) {
  uint16_t port = 0;
  {
    asio::io_context io;
    tcp::acceptor a{io, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
    port = a.local_endpoint().port();
  } // closed: connects are refused
  socket_source src{options(port, 1)};
  test_context ctx;
  src.open(ctx);
  auto [code, what] = error_of([&] { drive(src, ctx); });
  BOOST_CHECK(code == sluice::ec::io_error);
  BOOST_CHECK_MESSAGE(what.find("127.0.0.1:" + std::to_string(port)) != std::string::npos,
                      what);
  BOOST_CHECK_MESSAGE(what.find("2 attempt") != std::string::npos, what);
}

BOOST_AUTO_TEST_CASE(parallelism_2_is_refused) {
  socket_source src{options(9)};
  test_context ctx{2};
  auto [code, what] = error_of([&] { src.open(ctx); });
  BOOST_CHECK(code == sluice::ec::invalid_argument);
  BOOST_CHECK_MESSAGE(what.find("parallelism 2") != std::string::npos, what);
  // In a job, too.
  sluice::environment env;
  env.set_parallelism(2);
  auto s = sluice::socket_text_stream(env, "127.0.0.1", 9);
  s.parallelism(2);
  s.collect();
  auto result = env.execute("socket-parallel");
  BOOST_CHECK_EQUAL(sluice::to_string(result.status), std::string{"failed"});
  BOOST_CHECK_MESSAGE(result.message.find("parallelism 2") != std::string::npos,
                      result.message);
}

BOOST_AUTO_TEST_CASE(a_job_reads_what_the_server_sends) {
  std::vector<std::string> expected;
  std::string payload;
  for (int i = 0; i < 2000; ++i) {
    expected.push_back("w" + std::to_string(i));
    payload += expected.back() + "\n";
  }
  test_server server{{{payload}}};
  sluice::environment env;
  env.set_parallelism(1).set_batch_size(50);
  auto out = sluice::socket_text_stream(env, "127.0.0.1", server.port).collect();
  auto result = env.execute("socket-job");
  BOOST_REQUIRE_MESSAGE(sluice::to_string(result.status) == std::string{"finished"},
                        result.message);
  BOOST_CHECK(out->values() == expected);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace socket_source_test
