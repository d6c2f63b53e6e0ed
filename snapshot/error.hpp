// sluice's one error vocabulary.
//
// Every failure in sluice carries one of these codes. Inside actors and at
// API boundaries the code travels as a `caf::error` of category "sluice"
// (see actors/contract/error.hpp, which registers the category with CAF). Plain code
// that must not depend on CAF (operators, user functions, state handles)
// throws `sluice::exception`; the subtask actor catches it and turns it into
// a `caf::error` with the same code, so no exception crosses an actor
// boundary.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace sluice {

enum class ec : uint8_t {
  none = 0,
  /// A configuration option has a bad value or an unknown name.
  invalid_option,
  /// A configuration file cannot be read or parsed.
  invalid_config_file,
  /// A command-line argument is malformed or unknown.
  invalid_argument,
  /// The job graph is malformed (no sink, parallelism above max, ...).
  invalid_job_graph,
  /// User code or an operator threw while processing.
  operator_failed,
  /// A subtask actor terminated abnormally (killed, crashed).
  subtask_failed,
  /// A state was registered under a name already used with another type.
  state_type_mismatch,
  /// The job was cancelled by the user.
  job_cancelled,
  /// A file could not be read or written.
  io_error,
  /// A file exists but its content is invalid.
  corrupt_file,
  /// An input file is missing.
  missing_input,
  /// A message cannot be serialized (record batches are local-only so far).
  not_serializable,
  /// Checkpoints failed more often in a row than checkpointing.tolerable-failures allows.
  checkpoint_failure,
  /// Restored state does not fit the job: an operator or source cannot take
  /// it (another parallelism it cannot rescale to, another layout).
  incompatible_state,
};

/// Human-readable name of an error code, e.g. "invalid_option".
const char* to_string(ec code) noexcept;

/// Whether a job failing with `code` fails at once instead of restarting
/// (Flink's SuppressRestartsException): the cause is in the job or in the
/// state it restores, so every attempt would fail the same way. True for
/// invalid_option, invalid_config_file, invalid_argument, invalid_job_graph,
/// state_type_mismatch, not_serializable and incompatible_state; false for
/// failures of a run (operator_failed, subtask_failed, io_error,
/// corrupt_file, missing_input, checkpoint_failure), which a restart from
/// the last checkpoint may cure.
bool restarts_cannot_cure(ec code) noexcept;

/// Thrown by CAF-free code (operators, user functions, state handles).
class exception : public std::runtime_error {
public:
  exception(ec code, const std::string& what)
    : std::runtime_error(what), code_(code) {
  }

  ec code() const noexcept {
    return code_;
  }

private:
  ec code_;
};

} // namespace sluice
