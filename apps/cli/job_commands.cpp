#include "apps/cli/job_commands.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "apps/cli/job_cli_options.hpp"
#include "apps/cli/rest_client.hpp"

namespace sluice::apps {

const char* const job_usage
  = "running jobs (through the REST endpoint of `sluice run APP --rest.port=N`):\n"
    "  sluice list [--running]                 jobs: start time, id, name, status\n"
    "  sluice savepoint JOB [DIR]              trigger a savepoint and wait for it\n"
    "  sluice stop [--savepoint-path DIR] [--drain] JOB\n"
    "                                          stop the job with a final savepoint\n"
    "  sluice cancel JOB                       cancel the job\n"
    "  sluice checkpoint [--full] JOB          trigger a checkpoint and wait for it\n"
    "  every one takes --rest.address=ADDR (127.0.0.1) --rest.port=N (8081) or\n"
    "  -m HOST:PORT, and --timeout=DURATION (10min) to wait for completion\n";

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

/// The endpoint refused or the operation failed (exit 1).
struct operation_failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The one JOB argument of stop, cancel and checkpoint.
std::string single_job(const job_cli& c) {
  if (c.positional.empty())
    throw usage_error("needs a JOB id (`sluice list` shows them)");
  if (c.positional.size() > 1)
    throw usage_error("unexpected argument '" + c.positional[1] + "'");
  return job_id(c.positional[0]);
}

rest_reply call(const job_cli& c, const std::string& method, const std::string& target,
                const std::string& body = {}) {
  rest_client_options opts;
  opts.read_timeout = std::min<std::chrono::milliseconds>(opts.read_timeout, c.timeout);
  auto r = request(c.host, c.port, method, target, body, opts);
  if (!r.ok())
    throw operation_failed(error_text(r));
  return r;
}

/// The member at `path` of `j`, or null when a step is missing or no object.
const json* at(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (auto key : path) {
    if (!p->is_object())
      return nullptr;
    auto i = p->find(key);
    if (i == p->end())
      return nullptr;
    p = &*i;
  }
  return p;
}

std::string string_at(const json& j, std::initializer_list<const char*> path) {
  auto p = at(j, path);
  return p != nullptr && p->is_string() ? p->get<std::string>() : std::string{};
}

/// The request id of a 202 trigger answer.
std::string trigger_id(const rest_reply& r) {
  auto id = string_at(r.json(), {"request-id"});
  if (id.empty())
    throw operation_failed("unexpected answer (no request-id): " + r.raw);
  return id;
}

/// Polls `target` every 100 ms until its status is COMPLETED; returns the
/// operation, or throws operation_failed with its failure cause.
json wait_for(const job_cli& c, const std::string& target, const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + c.timeout;
  for (;;) {
    auto r = call(c, "GET", target);
    auto status = string_at(r.json(), {"status", "id"});
    if (status == "COMPLETED") {
      auto op = at(r.json(), {"operation"});
      if (op == nullptr || !op->is_object())
        throw operation_failed("unexpected answer (no operation): " + r.raw);
      if (auto cause = at(*op, {"failure-cause"})) {
        auto trace = string_at(*cause, {"stack-trace"});
        throw operation_failed(what + " failed: " + (trace.empty() ? cause->dump() : trace));
      }
      return *op;
    }
    if (status != "IN_PROGRESS")
      throw operation_failed("unexpected answer: " + r.raw);
    if (std::chrono::steady_clock::now() + 100ms > deadline)
      throw operation_failed(what + " did not complete within "
                             + std::to_string(c.timeout.count()) + " ms (--timeout); it may "
                             + "still complete (status: GET " + target + ")");
    std::this_thread::sleep_for(100ms);
  }
}

std::string completed_savepoint(const job_cli& c, const std::string& status_target,
                                const std::string& what) {
  auto op = wait_for(c, status_target, what);
  auto location = string_at(op, {"location"});
  if (location.empty())
    throw operation_failed("unexpected answer (no location): " + op.dump());
  return location;
}

const char* section_of(const std::string& state) {
  if (state == "CREATED" || state == "INITIALIZING")
    return "scheduled";
  if (state == "FINISHED" || state == "FAILED" || state == "CANCELED")
    return "terminated";
  return "running";
}

/// Flink's `dd.MM.yyyy HH:mm:ss`, local time.
std::string format_start(int64_t epoch_ms) {
  if (epoch_ms < 0)
    return "-";
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%d.%m.%Y %H:%M:%S", &tm);
  return buf;
}

int list(const job_cli& c, std::ostream& out) {
  if (!c.positional.empty())
    throw usage_error("unexpected argument '" + c.positional[0] + "'");
  auto reply = call(c, "GET", "/jobs");
  auto jobs = at(reply.json(), {"jobs"});
  if (jobs == nullptr || !jobs->is_array())
    throw operation_failed("unexpected answer to GET /jobs (no jobs array)");
  struct row {
    int64_t start;
    std::string line;
  };
  std::map<std::string, std::vector<row>> sections;
  for (auto& j : *jobs) {
    auto id = string_at(j, {"id"});
    auto details = call(c, "GET", "/jobs/" + id).json();
    auto state = string_at(details, {"state"});
    auto start = at(details, {"start-time"});
    int64_t ms = start != nullptr && start->is_number_integer() ? start->get<int64_t>() : -1;
    sections[section_of(state)].push_back(
      {ms, format_start(ms) + " : " + id + " : " + string_at(details, {"name"}) + " ("
             + state + ")"});
  }
  auto print = [&](const char* key, const char* title, const char* none) {
    auto& rows = sections[key];
    if (rows.empty()) {
      out << none << '\n';
      return;
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const row& a, const row& b) { return a.start < b.start; });
    out << title << '\n';
    for (auto& r : rows)
      out << r.line << '\n';
    out << std::string(62, '-') << '\n';
  };
  print("running", "------------------ Running/Restarting Jobs -------------------",
        "No running jobs.");
  if (!c.has("running")) {
    print("scheduled", "----------------------- Scheduled Jobs -----------------------",
          "No scheduled jobs.");
    print("terminated", "---------------------- Terminated Jobs -----------------------",
          "No terminated jobs.");
  }
  return 0;
}

int savepoint(const job_cli& c, std::ostream& out) {
  if (c.positional.empty())
    throw usage_error("needs a JOB id (`sluice list` shows them) and optionally a DIR");
  if (c.positional.size() > 2)
    throw usage_error("unexpected argument '" + c.positional[2] + "'");
  auto job = job_id(c.positional[0]);
  json body = {{"cancel-job", false}};
  if (c.positional.size() == 2)
    body["target-directory"] = target_dir(c.positional[1]);
  out << "Triggering savepoint for job " << job << ".\nWaiting for response..." << std::endl;
  auto base = "/jobs/" + job + "/savepoints";
  auto trigger = trigger_id(call(c, "POST", base, body.dump()));
  auto location = completed_savepoint(c, base + "/" + trigger, "savepoint");
  out << "Savepoint completed. Path: " << location << '\n'
      << "You can resume your program from this savepoint with: sluice run APP "
         "--from-savepoint="
      << location << '\n';
  return 0;
}

int stop(const job_cli& c, std::ostream& out) {
  auto job = single_job(c);
  bool drain = c.has("drain");
  json body = {{"drain", drain}};
  if (c.has("savepoint-path"))
    body["targetDirectory"] = target_dir(c.options.at("savepoint-path"));
  out << (drain ? "Draining job \"" : "Suspending job \"") << job << "\" with a savepoint."
      << std::endl;
  auto trigger = trigger_id(call(c, "POST", "/jobs/" + job + "/stop", body.dump()));
  std::string location;
  try {
    location = completed_savepoint(c, "/jobs/" + job + "/savepoints/" + trigger,
                                   "stop-with-savepoint");
  } catch (const rest_client_error& e) {
    throw operation_failed(std::string{e.what()}
                           + " (the stop was accepted; the job may have ended before "
                             "its savepoint's status could be read)");
  }
  out << "Savepoint completed. Path: " << location << '\n';
  return 0;
}

int cancel(const job_cli& c, std::ostream& out) {
  auto job = single_job(c);
  out << "Cancelling job " << job << '.' << std::endl;
  call(c, "PATCH", "/jobs/" + job + "?mode=cancel");
  out << "Cancelled job " << job << ".\n";
  return 0;
}

int checkpoint(const job_cli& c, std::ostream& out) {
  auto job = single_job(c);
  bool full = c.has("full");
  json body = json::object();
  if (full)
    body["checkpointType"] = "FULL";
  out << "Triggering " << (full ? "full " : "") << "checkpoint for job " << job
      << ".\nWaiting for response..." << std::endl;
  auto base = "/jobs/" + job + "/checkpoints";
  auto trigger = trigger_id(call(c, "POST", base, body.dump()));
  auto op = wait_for(c, base + "/" + trigger, "checkpoint");
  auto id = at(op, {"checkpointId"});
  if (id == nullptr || !id->is_number_unsigned())
    throw operation_failed("unexpected answer (no checkpointId): " + op.dump());
  out << "Checkpoint " << id->get<uint64_t>() << " for job " << job << " completed.\n";
  return 0;
}

const std::map<std::string, std::string> verb_usage = {
  {"list", "sluice list [--running]"},
  {"savepoint", "sluice savepoint JOB [DIR]"},
  {"stop", "sluice stop [--savepoint-path DIR] [--drain] JOB"},
  {"cancel", "sluice cancel JOB"},
  {"checkpoint", "sluice checkpoint [--full] JOB"},
};

/// Parses `args` with the verb's options and runs `body`, turning errors
/// into a line on `err` and the exit code.
template <class F>
int run_verb(const std::string& verb, const std::vector<std::string>& args,
             std::vector<option_spec> specs, std::ostream& out, std::ostream& err, F body) {
  auto usage = [&] {
    return "usage: " + verb_usage.at(verb)
           + "\n         [--rest.address=ADDR] [--rest.port=N | -m HOST:PORT] "
             "[--timeout=DURATION]\n";
  };
  try {
    auto c = parse_job_cli(args, std::move(specs));
    if (c.help) {
      out << usage() << job_usage;
      return 0;
    }
    return body(c, out);
  } catch (const usage_error& e) {
    err << "sluice: " << verb << ": " << e.what() << '\n' << usage();
    return 2;
  } catch (const std::exception& e) { // operation_failed, rest_client_error
    out.flush();
    err << "sluice: " << verb << ": " << e.what() << '\n';
    return 1;
  }
}

} // namespace

bool is_job_command(const std::vector<std::string>& args) {
  if (args.empty())
    return false;
  auto& verb = args[0];
  if (verb == "savepoint")
    return std::none_of(args.begin() + 1, args.end(), [](const std::string& a) {
      return a == "--dispose" || a.rfind("--dispose=", 0) == 0;
    });
  return verb_usage.count(verb) != 0;
}

int run_job_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> rest(args.begin() + 1, args.end());
  auto& verb = args.at(0);
  if (verb == "list")
    return run_list(rest, out, err);
  if (verb == "savepoint")
    return run_savepoint(rest, out, err);
  if (verb == "stop")
    return run_stop(rest, out, err);
  if (verb == "cancel")
    return run_cancel(rest, out, err);
  return run_checkpoint(rest, out, err);
}

int run_list(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return run_verb("list", args, {{"running", 'r', false}}, out, err, list);
}

int run_savepoint(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return run_verb("savepoint", args, {}, out, err, savepoint);
}

int run_stop(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return run_verb("stop", args, {{"savepoint-path", 'p', true}, {"drain", 'd', false}}, out, err,
                  stop);
}

int run_cancel(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return run_verb("cancel", args, {}, out, err, cancel);
}

int run_checkpoint(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return run_verb("checkpoint", args, {{"full", 0, false}}, out, err, checkpoint);
}

} // namespace sluice::apps
