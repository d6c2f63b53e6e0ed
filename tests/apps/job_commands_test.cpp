// The job verbs (apps/cli/job_commands.hpp) as an HTTP client of a real REST
// server (port 0) on the fake backend: every verb's output and exit code,
// savepoints and checkpoints polled from IN_PROGRESS to COMPLETED, a failed
// savepoint's cause, an operation that never completes (--timeout), the
// server's message for an unknown job, bad command lines (exit 2, nothing
// sent), nothing listening (connection refused) and a peer that never
// answers (read timeout), plus the command-line parser.
#include "apps/cli/job_commands.hpp"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include "actors/rest/rest_server.hpp"
#include "apps/cli/job_cli_options.hpp"
#include "apps/cli/rest_client.hpp"
#include "tests/rest/rest_test_support.hpp"

using namespace sluice;
using namespace sluice::test;
namespace apps = sluice::apps;

namespace {

using verb_fn = int (*)(const std::vector<std::string>&, std::ostream&, std::ostream&);

struct cli_result {
  int code = -1;
  std::string out;
  std::string err;
};

cli_result run_verb(verb_fn f, const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  cli_result r;
  r.code = f(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

/// A loopback socket that is bound (so no one else gets its port) and
/// either not listening (connects are refused) or listening without ever
/// accepting or answering (connects succeed, reads time out).
class dead_port {
public:
  explicit dead_port(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (listening)
      ::listen(fd_, 4);
  }

  ~dead_port() {
    ::close(fd_);
  }

  std::string arg() const {
    return "--rest.port=" + std::to_string(port_);
  }

  uint16_t port() const {
    return port_;
  }

private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

struct job_cli_fixture {
  fake_rest_backend backend;
  rest_router router{backend, pinned_options()};
  std::unique_ptr<rest_server> server;
  std::string port_arg;

  job_cli_fixture() {
    add_sample_jobs(backend);
    backend.async = true; // completions from other threads, as the bridge's
    server = rest_server::start("127.0.0.1", 0, router);
    port_arg = "--rest.port=" + std::to_string(server->port());
  }

  ~job_cli_fixture() {
    server.reset();
    backend.join();
  }

  /// Runs `f` with `args` plus this server's port.
  cli_result run(verb_fn f, std::vector<std::string> args) {
    args.push_back(port_arg);
    return run_verb(f, args);
  }
};

/// Completes savepoint/stop `trigger` after `delay`, from another thread.
std::thread complete_later(fake_rest_backend& b, std::string location,
                           std::chrono::milliseconds delay) {
  return std::thread{[&b, location, delay] {
    std::this_thread::sleep_for(delay);
    b.finish_savepoint(b.next_trigger, location);
  }};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(job_commands_suite, job_cli_fixture)

BOOST_AUTO_TEST_CASE(list_prints_running_and_terminated_jobs_like_flink) {
  auto r = run(apps::run_list, {});
  BOOST_CHECK_EQUAL(r.code, 0);
  BOOST_CHECK_EQUAL(r.err, "");
  std::regex running{"------------------ Running/Restarting Jobs -------------------\n"
                     "\\d\\d\\.\\d\\d\\.\\d{4} \\d\\d:\\d\\d:\\d\\d : " + job_a
                     + " : word count \\(RUNNING\\)\n-{62}\n"
                       "No scheduled jobs\\.\n"
                       "---------------------- Terminated Jobs -----------------------\n"
                       "\\d\\d\\.\\d\\d\\.\\d{4} \\d\\d:\\d\\d:\\d\\d : "
                     + job_b + " : cancelled job \\(CANCELED\\)\n-{62}\n"};
  BOOST_CHECK_MESSAGE(std::regex_match(r.out, running), r.out);
  auto only_running = run(apps::run_list, {"--running"});
  BOOST_CHECK_EQUAL(only_running.code, 0);
  BOOST_CHECK_MESSAGE(contains(only_running.out, job_a + " : word count (RUNNING)"),
                      only_running.out);
  BOOST_CHECK_MESSAGE(!contains(only_running.out, job_b), only_running.out);
  BOOST_CHECK_MESSAGE(!contains(only_running.out, "Terminated"), only_running.out);
}

BOOST_AUTO_TEST_CASE(list_with_no_jobs_and_through_dash_m) {
  backend.jobs.clear();
  auto r = run_verb(apps::run_list,
                    {"-m", "127.0.0.1:" + std::to_string(server->port()), "-r"});
  BOOST_CHECK_EQUAL(r.code, 0);
  BOOST_CHECK_EQUAL(r.out, "No running jobs.\n");
}

BOOST_AUTO_TEST_CASE(savepoint_polls_until_completed_and_prints_the_path) {
  auto started = std::chrono::steady_clock::now();
  auto completer = complete_later(backend, "/tmp/sp/savepoint-a5e0ed-1", 300ms);
  auto r = run(apps::run_savepoint, {job_a, "/tmp/sp"});
  completer.join();
  auto waited = std::chrono::steady_clock::now() - started;
  BOOST_CHECK_EQUAL(r.code, 0);
  BOOST_CHECK_EQUAL(r.err, "");
  BOOST_CHECK_MESSAGE(contains(r.out, "Triggering savepoint for job " + job_a + ".\n"), r.out);
  BOOST_CHECK_MESSAGE(contains(r.out, "\nSavepoint completed. Path: /tmp/sp/savepoint-a5e0ed-1\n"),
                      r.out);
  BOOST_CHECK(waited >= 300ms); // it waited for COMPLETED, not for the 202
  BOOST_REQUIRE(backend.last_savepoint.has_value());
  BOOST_CHECK(backend.last_savepoint->target_directory == std::optional<std::string>{"/tmp/sp"});
  BOOST_CHECK(!backend.last_savepoint->cancel_job);
}

BOOST_AUTO_TEST_CASE(savepoint_dir_is_optional_and_made_absolute) {
  backend.finish_savepoint(backend.next_trigger, "/default/savepoint-1");
  auto r = run(apps::run_savepoint, {job_a});
  BOOST_CHECK_EQUAL(r.code, 0);
  BOOST_REQUIRE(backend.last_savepoint.has_value());
  BOOST_CHECK(!backend.last_savepoint->target_directory.has_value());
  r = run(apps::run_savepoint, {job_a, "rel/./dir"});
  BOOST_CHECK_EQUAL(r.code, 0);
  auto expected = (std::filesystem::current_path() / "rel/dir").string();
  BOOST_CHECK(backend.last_savepoint->target_directory == std::optional<std::string>{expected});
}

BOOST_AUTO_TEST_CASE(failed_savepoint_exits_1_with_its_cause) {
  backend.finish_savepoint(backend.next_trigger, "", "subtask map (1/2) declined: not ready");
  auto r = run(apps::run_savepoint, {job_a, "/tmp/sp"});
  BOOST_CHECK_EQUAL(r.code, 1);
  BOOST_CHECK_MESSAGE(!contains(r.out, "Savepoint completed"), r.out);
  BOOST_CHECK_EQUAL(r.err, "sluice: savepoint: savepoint failed: subtask map (1/2) declined: "
                           "not ready\n");
}

BOOST_AUTO_TEST_CASE(savepoint_that_never_completes_times_out) {
  auto r = run(apps::run_savepoint, {job_a, "/tmp/sp", "--timeout=300ms"});
  BOOST_CHECK_EQUAL(r.code, 1);
  BOOST_CHECK_MESSAGE(contains(r.err, "savepoint did not complete within 300 ms (--timeout)"),
                      r.err);
}

BOOST_AUTO_TEST_CASE(stop_sends_dir_and_drain_and_waits) {
  auto completer = complete_later(backend, "/tmp/stop/savepoint-1", 150ms);
  auto r = run(apps::run_stop, {"--savepoint-path", "/tmp/stop", "--drain", job_a});
  completer.join();
  BOOST_CHECK_EQUAL(r.code, 0);
  BOOST_CHECK_EQUAL(r.out, "Draining job \"" + job_a + "\" with a savepoint.\n"
                           "Savepoint completed. Path: /tmp/stop/savepoint-1\n");
  BOOST_REQUIRE(backend.last_stop.has_value());
  BOOST_CHECK(backend.last_stop->drain);
  BOOST_CHECK(backend.last_stop->target_directory == std::optional<std::string>{"/tmp/stop"});
  r = run(apps::run_stop, {"-p=/tmp/other", job_a});
  BOOST_CHECK_EQUAL(r.code, 0);
  BOOST_CHECK_MESSAGE(contains(r.out, "Suspending job \"" + job_a + "\" with a savepoint."), r.out);
  BOOST_CHECK(!backend.last_stop->drain);
  BOOST_CHECK(backend.last_stop->target_directory == std::optional<std::string>{"/tmp/other"});
}

BOOST_AUTO_TEST_CASE(cancel_patches_the_job) {
  auto r = run(apps::run_cancel, {job_a});
  BOOST_CHECK_EQUAL(r.code, 0);
  BOOST_CHECK_EQUAL(r.out, "Cancelling job " + job_a + ".\nCancelled job " + job_a + ".\n");
  BOOST_CHECK_EQUAL(backend.cancels.load(), 1);
}

BOOST_AUTO_TEST_CASE(checkpoint_prints_the_completed_checkpoint_id) {
  std::thread completer{[&] {
    std::this_thread::sleep_for(150ms);
    backend.finish_checkpoint(backend.next_trigger, 42);
  }};
  auto r = run(apps::run_checkpoint, {"--full", job_a});
  completer.join();
  BOOST_CHECK_EQUAL(r.code, 0);
  BOOST_CHECK_MESSAGE(contains(r.out, "Triggering full checkpoint for job " + job_a + ".\n"), r.out);
  BOOST_CHECK_MESSAGE(contains(r.out, "\nCheckpoint 42 for job " + job_a + " completed.\n"), r.out);
  BOOST_REQUIRE(backend.last_checkpoint.has_value());
  BOOST_CHECK(backend.last_checkpoint->type == rest_checkpoint_type::full);
}

BOOST_AUTO_TEST_CASE(unknown_job_exits_1_with_the_servers_message) {
  for (auto f : {apps::run_savepoint, apps::run_stop, apps::run_cancel, apps::run_checkpoint}) {
    auto r = run(f, {job_unknown});
    BOOST_CHECK_EQUAL(r.code, 1);
    BOOST_CHECK_MESSAGE(contains(r.err, ": Job " + job_unknown + " not found\n"), r.err);
  }
  BOOST_CHECK_EQUAL(backend.cancels.load(), 0);
}

BOOST_AUTO_TEST_CASE(backend_failure_exits_1) {
  backend.fail_with = rest_error{rest_error::kind::internal, "job master unreachable"};
  auto r = run(apps::run_list, {});
  BOOST_CHECK_EQUAL(r.code, 1);
  BOOST_CHECK_EQUAL(r.err, "sluice: list: job master unreachable\n");
}

BOOST_AUTO_TEST_CASE(bad_command_lines_exit_2_and_send_nothing) {
  struct bad {
    verb_fn f;
    std::vector<std::string> args;
    std::string needle;
  };
  std::vector<bad> cases = {
    {apps::run_cancel, {"my-job"}, "'my-job' is not a job id (32 hex digits"},
    {apps::run_cancel, {job_a + "0"}, "is not a job id"},
    {apps::run_cancel, {"g" + job_a.substr(1)}, "is not a job id"},
    {apps::run_savepoint, {}, "needs a JOB id"},
    {apps::run_savepoint, {job_a, "/a", "/b"}, "unexpected argument '/b'"},
    {apps::run_savepoint, {job_a, ""}, "must not be empty"},
    {apps::run_stop, {}, "needs a JOB id"},
    {apps::run_stop, {job_a, "--savepoint-path"}, "'--savepoint-path' needs a value"},
    {apps::run_stop, {"--drain=yes", job_a}, "takes no value"},
    {apps::run_checkpoint, {job_a, job_b}, "unexpected argument"},
    {apps::run_checkpoint, {"--incremental", job_a}, "unknown option '--incremental'"},
    {apps::run_list, {"extra"}, "unexpected argument 'extra'"},
    {apps::run_list, {"--rest.port=http"}, "'http' is not a port"},
    {apps::run_list, {"--rest.port=0"}, "'0' is not a port"},
    {apps::run_list, {"-m", "localhost"}, "-m takes HOST:PORT"},
    {apps::run_list, {"--timeout=5"}, "--timeout takes a positive duration"},
  };
  for (auto& c : cases) {
    auto r = run_verb(c.f, c.args); // no port: a bad line must fail before any request
    BOOST_TEST_CONTEXT(c.needle) {
      BOOST_CHECK_EQUAL(r.code, 2);
      BOOST_CHECK_MESSAGE(contains(r.err, c.needle), r.err);
      BOOST_CHECK_MESSAGE(contains(r.err, "usage: sluice "), r.err);
      BOOST_CHECK_EQUAL(r.out, "");
    }
  }
  BOOST_CHECK(!backend.last_savepoint && !backend.last_stop && !backend.last_checkpoint);
  BOOST_CHECK_EQUAL(backend.cancels.load(), 0);
}

BOOST_AUTO_TEST_CASE(upper_case_job_ids_are_accepted) {
  std::string upper = job_a;
  for (auto& ch : upper)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  auto r = run(apps::run_cancel, {upper});
  BOOST_CHECK_EQUAL(r.code, 0);
  BOOST_CHECK_EQUAL(backend.cancels.load(), 1);
}

BOOST_AUTO_TEST_CASE(help_exits_0_with_usage) {
  auto r = run_verb(apps::run_stop, {"--help"});
  BOOST_CHECK_EQUAL(r.code, 0);
  BOOST_CHECK_MESSAGE(contains(r.out, "usage: sluice stop [--savepoint-path DIR] [--drain] JOB"),
                      r.out);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(job_commands_transport_suite)

BOOST_AUTO_TEST_CASE(nothing_listening_exits_1_saying_cannot_reach) {
  dead_port refused{false};
  auto r = run_verb(apps::run_list, {refused.arg()});
  BOOST_CHECK_EQUAL(r.code, 1);
  BOOST_CHECK_EQUAL(r.err, "sluice: list: cannot reach the sluice REST endpoint at 127.0.0.1:"
                             + std::to_string(refused.port())
                             + ": connection refused — is the job running? "
                               "(--rest.address, --rest.port)\n");
  r = run_verb(apps::run_savepoint, {job_a, "/tmp/sp", refused.arg()});
  BOOST_CHECK_EQUAL(r.code, 1);
  BOOST_CHECK_MESSAGE(contains(r.err, "cannot reach the sluice REST endpoint"), r.err);
}

BOOST_AUTO_TEST_CASE(a_peer_that_never_answers_times_out) {
  dead_port silent{true};
  // The peer never answers: the verb returns only by its own timeout, which
  // the message names (no wall-clock bound here).
  auto r = run_verb(apps::run_cancel, {job_a, silent.arg(), "--timeout=300ms"});
  BOOST_CHECK_EQUAL(r.code, 1);
  BOOST_CHECK_MESSAGE(contains(r.err, "failed to answer PATCH /jobs/" + job_a
                                        + "?mode=cancel: no answer within 300 ms"),
                      r.err);
}

BOOST_AUTO_TEST_CASE(error_text_reads_flink_errors_or_falls_back_to_the_body) {
  apps::rest_reply r;
  r.status = 404;
  r.body = std::make_shared<const json>(json::parse(R"({"errors": ["a", "b"]})"));
  BOOST_CHECK_EQUAL(apps::error_text(r), "a; b");
  r.status = 502;
  r.raw = "<html>bad gateway</html>";
  r.body = std::make_shared<const json>(nullptr);
  BOOST_CHECK_EQUAL(apps::error_text(r), "HTTP 502: <html>bad gateway</html>");
}

BOOST_AUTO_TEST_CASE(command_line_parser) {
  auto c = apps::parse_job_cli({"-m", "[::1]:9000", "--timeout", "2min", "x"}, {});
  BOOST_CHECK_EQUAL(c.host, "::1");
  BOOST_CHECK_EQUAL(c.port, 9000);
  BOOST_CHECK(c.timeout == std::chrono::minutes{2});
  BOOST_CHECK(c.positional == std::vector<std::string>{"x"});
  c = apps::parse_job_cli({"--rest.address=10.0.0.1", "--rest.port", "8082", "-d"},
                          {{"drain", 'd', false}});
  BOOST_CHECK_EQUAL(c.host, "10.0.0.1");
  BOOST_CHECK_EQUAL(c.port, 8082);
  BOOST_CHECK(c.has("drain"));
  BOOST_CHECK_THROW(apps::parse_job_cli({"--rest.port=70000"}, {}), apps::usage_error);
  BOOST_CHECK_THROW(apps::parse_job_cli({"--timeout=0s"}, {}), apps::usage_error);
  BOOST_CHECK_EQUAL(apps::job_id("A5E0EDD8E66B53F1B89C2041F91B8FD2"), job_a);
}

BOOST_AUTO_TEST_CASE(dispatch_leaves_savepoint_dispose_to_the_offline_verbs) {
  using v = std::vector<std::string>;
  BOOST_CHECK(apps::is_job_command(v{"savepoint", job_a}));
  BOOST_CHECK(apps::is_job_command(v{"savepoint"}));
  BOOST_CHECK(!apps::is_job_command(v{"savepoint", "--dispose", "/x"}));
  BOOST_CHECK(!apps::is_job_command(v{"savepoint", "--dispose=/x"}));
  for (auto verb : {"list", "stop", "cancel", "checkpoint"})
    BOOST_CHECK(apps::is_job_command(v{verb}));
  BOOST_CHECK(!apps::is_job_command(v{"checkpoints", "/x"}));
  BOOST_CHECK(!apps::is_job_command(v{"run", "click-counts"}));
  BOOST_CHECK(!apps::is_job_command(v{}));
}

BOOST_AUTO_TEST_SUITE_END()
