// Every file and directory name sluice writes, built here and nowhere else.
//
// On disk (Flink's layout where Flink has one):
//   <checkpointing.dir>/<job-id>/chk-<n>/_metadata        a checkpoint
//   <checkpointing.dir>/<job-id>/chk-<n>/<uid>-<subtask>.state
//   <checkpointing.dir>/<job-id>/shared/<uid>-<subtask>-a<attempt>-c<n>.state
//   <checkpointing.dir>/<job-id>/taskowned/
//   <savepoint-dir>/savepoint-<job-id:6>-<random:12 hex>/_metadata
//   <state.local-dir>/<job-id>/<uid>-<subtask>-<attempt>/  an lmdb working directory
// An operator uid may hold any character: in names, every character outside
// [A-Za-z0-9._-] is replaced by '_' and, when that changed the uid, a hash
// of the whole uid is appended, so distinct uids get distinct names ("a/b"
// and "a_b" do not share a file or an lmdb directory).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

/// A checkpoint's or savepoint's metadata file inside its directory.
inline constexpr std::string_view metadata_file_name = "_metadata";

/// Shared state of incremental checkpoints, under the job's directory.
inline constexpr std::string_view shared_dir_name = "shared";

/// Flink's task-owned state directory, under the job's directory.
inline constexpr std::string_view task_owned_dir_name = "taskowned";

/// The prefix of checkpoint directories ("chk-").
inline constexpr std::string_view checkpoint_dir_prefix = "chk-";

/// "chk-<id>".
std::string checkpoint_dir_name(uint64_t id);

/// "savepoint-7f3a9c-0123456789ab" for job "7f3a9c..." and `random`.
std::string savepoint_dir_name(std::string_view job_id, uint64_t random);

/// `uid` made safe for a file name: unchanged when it is non-empty, does not
/// start with '.', and has only [A-Za-z0-9._-]; otherwise the others
/// replaced by '_', an 'o' in front of a leading '.', and "-<hash of uid>"
/// appended (8 hex digits).
std::string file_safe_uid(std::string_view uid);

/// The state file of operator `uid`'s subtask: "<file_safe_uid>-<subtask>.state".
std::string state_file_name(std::string_view uid, uint32_t subtask);

/// The shared file of operator `uid`'s incremental keyed state of one
/// subtask attempt and checkpoint:
/// "<file_safe_uid>-<subtask>-a<attempt>-c<checkpoint_id>.state".
std::string shared_state_file_name(std::string_view uid, uint32_t subtask, uint64_t attempt,
                                   uint64_t checkpoint_id);

/// The lmdb working directory of operator `uid` in one subtask attempt:
/// "<file_safe_uid>-<subtask>-<attempt>".
std::string lmdb_working_dir_name(std::string_view uid, uint32_t subtask, uint64_t attempt);

} // namespace sluice
