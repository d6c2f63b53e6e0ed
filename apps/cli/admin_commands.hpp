// The offline verbs of the `sluice` command (no running job needed):
//
//   sluice checkpoints DIR                  list retained checkpoints and savepoints
//   sluice inspect PATH [--dump UID/STATE]  what a checkpoint or savepoint holds
//   sluice savepoint --dispose PATH         delete a savepoint
//
// (`sluice savepoint JOB [DIR]`, triggering one on a running job, is a job
// verb: apps/cli/sluice.cpp hands `savepoint` without --dispose to
// apps/cli/job_commands.hpp; given one here, it exits 2 saying that triggering
// needs a running job endpoint.) Command-line handling only: the
// work is done by apps/cli/checkpoint_listing.hpp, apps/cli/state_inspector.hpp and
// apps/cli/savepoint_disposal.hpp. Results go to `out`, errors to `err` as one
// line each, "sluice: <verb>: <message naming the file and the problem>".
//
// Exit codes: 0 done (also when no checkpoint is found), 1 a file or
// directory is missing, damaged or refused (not a savepoint, state outside
// it, unknown operator or state), 2 bad command line.
//
// Called from apps/cli/sluice.cpp's main thread; blocking file I/O.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::apps {

/// The usage lines of the offline verbs (for sluice's usage text).
extern const char* const admin_usage;

/// Whether `verb` is one of checkpoints, inspect, savepoint.
bool is_admin_command(std::string_view verb);

/// Runs `sluice args...`; args[0] is the verb (is_admin_command). Returns
/// the exit code.
int run_admin_command(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err);

} // namespace sluice::apps
