// The command line of the job verbs (apps/cli/job_commands.hpp): the endpoint
// options every verb takes (`--rest.address=ADDR`, `--rest.port=N`, `-m
// HOST:PORT`, `--timeout=DURATION`, `--help`), the verb's own options, and
// the checks of JOB ids and savepoint directories. Pure functions, no I/O
// (target_dir reads the current directory).
//
// Syntax: `--name=VALUE` or `--name VALUE`, `-x VALUE` or `-xVALUE`,
// flags without a value; anything not starting with '-' is positional.
// Every problem throws usage_error (the verbs exit 2).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::apps {

/// A bad command line; `what()` says what is wrong, in one line.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One option of a verb.
struct option_spec {
  /// Long name, without "--".
  std::string name;
  /// Short name ('p' for -p), 0 for none.
  char short_name = 0;
  bool takes_value = false;
};

/// A verb's parsed command line.
struct job_cli {
  std::string host = "127.0.0.1";
  uint16_t port = 8081;
  /// How long to wait for an operation to complete (and at most for one
  /// HTTP answer).
  std::chrono::milliseconds timeout{10 * 60 * 1000};
  std::vector<std::string> positional;
  /// The verb's own options by long name; a flag's value is empty.
  std::map<std::string, std::string> options;
  bool help = false;

  bool has(const std::string& name) const {
    return options.count(name) != 0;
  }
};

/// Parses the arguments after the verb; `verb_options` are the verb's own.
job_cli parse_job_cli(const std::vector<std::string>& args,
                      std::vector<option_spec> verb_options);

/// JOB as the endpoint spells it: 32 hex digits, lower case (upper case is
/// accepted here).
std::string job_id(const std::string& arg);

/// `dir` made absolute against the current directory, normalized; a URI
/// ("s3://...") as is.
std::string target_dir(const std::string& dir);

} // namespace sluice::apps
