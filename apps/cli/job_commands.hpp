// The `sluice` verbs that operate a running job through its REST endpoint
// (`sluice run APP --rest.port=N`; Flink's `bin/flink list|savepoint|stop|
// cancel|checkpoint`):
//
//   sluice list [--running]                         jobs: start time, id, name, status
//   sluice savepoint JOB [DIR]                      trigger a savepoint, wait for it
//   sluice stop [--savepoint-path DIR] [--drain] JOB
//                                                   stop with a savepoint, wait for it
//   sluice cancel JOB                               cancel the job
//   sluice checkpoint [--full] JOB                  trigger a checkpoint, wait for it
//
// Every verb takes `--rest.address=ADDR` (default 127.0.0.1),
// `--rest.port=N` (default 8081) or `-m HOST:PORT` (Flink's --jobmanager),
// and `--timeout=DURATION` (10ms, 30s, 2min, 1h; default 10min): how long
// to wait for a savepoint, stop or checkpoint to complete. Status is polled
// every 100 ms. A long option's value may follow after '=' or as the next
// argument. JOB is 32 hex digits (as `sluice list` shows them; upper case
// is accepted). A relative DIR is made absolute against the current
// directory before it is sent (the job resolves it, not the CLI).
//
// Results go to `out` (Flink's wording: "Savepoint completed. Path: P",
// "Cancelled job J.", "Checkpoint N for job J completed."), errors to `err`
// as one line, "sluice: <verb>: <message>" (the server's message for an
// unknown job or a refused request; the failure cause of a failed
// savepoint or checkpoint).
//
// Exit codes: 0 done, 1 the operation failed (the endpoint answered with
// an error, the savepoint or checkpoint failed or did not complete within
// --timeout, the endpoint cannot be reached), 2 bad command line.
//
// Called from apps/cli/sluice.cpp's main thread (and tests); blocking network
// I/O through apps/cli/rest_client.hpp.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace sluice::apps {

/// The usage lines of the job verbs (for sluice's usage text).
extern const char* const job_usage;

/// Whether `args` (args[0] the verb) is a job verb: list, stop, cancel,
/// checkpoint, or savepoint without `--dispose` (that one is the offline
/// `savepoint --dispose PATH` of apps/cli/admin_commands.hpp).
bool is_job_command(const std::vector<std::string>& args);

/// Runs `sluice args...`; args[0] is the verb (is_job_command). Returns the
/// exit code.
int run_job_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The verbs; `args` are the arguments after the verb.
int run_list(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_savepoint(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_stop(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_cancel(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_checkpoint(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace sluice::apps
