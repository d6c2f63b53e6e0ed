// Who owns the snapshot a job starts from (Flink's restore modes), apart
// from the restore machinery (actors/subtask/subtask_restore.hpp), so that the C++
// API (`environment::restore_from`) names it without pulling that in.
#pragma once

#include <optional>
#include <string_view>

namespace sluice {

/// Who owns the snapshot a job starts from (Flink's restore modes):
///   no_claim  the user: the job never deletes it and its first checkpoint
///             is a full one that references none of its files (default);
///   claim     the job: once `checkpointing.retained` newer checkpoints of
///             the job completed, it is subsumed and deleted like one of the
///             job's own (a savepoint's directory goes too). The user must
///             not start another job from it.
enum class restore_mode { no_claim, claim };

/// "no_claim" / "claim".
const char* to_string(restore_mode mode) noexcept;

/// Parses "no_claim" / "claim" (also Flink's upper-case spelling); nullopt
/// otherwise.
std::optional<restore_mode> parse_restore_mode(std::string_view text) noexcept;

/// A completed checkpoint or savepoint to restore from
/// (actors/subtask/subtask_restore.hpp).
struct restore_point;

} // namespace sluice
