// Where checkpoints of one job live (Flink's CheckpointStorage):
// `memory` keeps state file images inline in the ack and `_metadata` images
// in a map owned by the job (Flink's JobManagerCheckpointStorage: tests and
// small state); `filesystem` uses Flink's layout
//
//   <dir>/<job-id>/chk-<n>/_metadata      written last, atomically
//   <dir>/<job-id>/chk-<n>/<file>.state   one per operator and subtask
//   <dir>/<job-id>/shared/<file>.state    incremental keyed state, shared
//                                          by the checkpoints whose chains
//                                          list it ("../shared/<file>")
//   <dir>/<job-id>/taskowned/              reserved
//
// A checkpoint directory without `_metadata` holds no checkpoint. Files are
// named job-relative ("chk-3/op-0.state", "shared/op-0-a1-c3.state") where
// the coordinator counts references (completed_store); a shared file is
// removed only through `remove_files`, never by `discard`.
//
// Thread-safe: subtasks write state files from their asynchronous snapshot
// threads while the coordinator finalizes and discards. Every function
// blocks on I/O: never call it on a CAF scheduler thread (the coordinator
// is a detached actor, the asynchronous parts run on their own threads).
// Errors: sluice::exception(ec::io_error / ec::corrupt_file) naming the path.
//
// Test hooks (C++ only): `set_write_delay` delays every state file write
// (slow storage), `fail_writes_of` makes writes of chosen checkpoints throw.
#pragma once

#include "snapshot/checkpoint_metadata.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace sluice {

class checkpoint_storage {
public:
  /// In memory, owned by the job.
  static std::shared_ptr<checkpoint_storage> memory(std::string job_id);

  /// Under `<root>/<job_id>/`; the directories are created on first write.
  static std::shared_ptr<checkpoint_storage> filesystem(std::filesystem::path root,
                                                        std::string job_id);

  ~checkpoint_storage();

  bool is_memory() const noexcept {
    return root_.empty();
  }

  const std::string& job_id() const noexcept {
    return job_id_;
  }

  /// `<root>/<job-id>` (empty for memory storage).
  std::filesystem::path job_dir() const;

  /// Where checkpoint `id` lives: the `chk-<n>` directory, or
  /// "memory://<job-id>/chk-<n>".
  std::string location(uint64_t id) const;

  /// Writes one state file of checkpoint `id` named `file_name`: `fill`
  /// adds the items, then the file is finished (fsynced on disk). Returns
  /// its handle (a path relative to the checkpoint directory, or the inline
  /// image). Throws ec::io_error; a half-written file is removed.
  state_handle write_state(uint64_t id, const std::string& file_name, state_file_info info,
                           const std::function<void(state_file_writer&)>& fill);

  /// Writes a state file of checkpoint `id` into `shared/` (incremental
  /// keyed state that later checkpoints reference too). Like write_state;
  /// the handle's path is "../shared/<file_name>". Memory storage keeps the
  /// image inline, as write_state does.
  state_handle write_shared_state(uint64_t id, const std::string& file_name, state_file_info info,
                                  const std::function<void(state_file_writer&)>& fill);

  /// The job-relative name of the file `h` of checkpoint `id` refers to
  /// ("chk-<id>/<path>", or "shared/<file>" for "../shared/<file>"); empty
  /// for an inline handle. Reference counting uses these names.
  static std::string file_of(uint64_t id, const state_handle& h);

  /// Removes job-relative `files` (from file_of). Never throws; returns how
  /// many could not be removed (missing files count as removed). No-op for
  /// memory storage.
  size_t remove_files(const std::vector<std::string>& files) noexcept;

  /// Makes checkpoint `id` durable: writes `_metadata` last and atomically.
  /// Returns the external path (the `_metadata` file, or the memory location).
  std::string finalize(const checkpoint_metadata& md);

  /// Removes checkpoint `id` (its directory, or its memory image). Never
  /// throws: a failed removal is reported by the return value.
  bool discard(uint64_t id) noexcept;

  /// Removes every checkpoint directory (with or without `_metadata`) whose
  /// id is not in `keep`, every file in `shared/` whose job-relative name is
  /// not in `keep_files`, and `shared/`, `taskowned/` and the job directory
  /// when they end up empty: no orphan files. Never throws.
  void discard_all_but(const std::set<uint64_t>& keep,
                       const std::set<std::string>& keep_files = {}) noexcept;

  /// An asynchronous snapshot part that will write state files started /
  /// ended. Subtasks bracket each with these (see async_writer_guard).
  void begin_writer() noexcept;
  void end_writer() noexcept;

  /// Blocks until no writer runs or `timeout` passed; false on timeout.
  bool wait_for_writers(std::chrono::milliseconds timeout);

  /// The ids of completed checkpoints currently held (with `_metadata`).
  std::set<uint64_t> completed_ids() const;

  /// Reads `_metadata` of checkpoint `id`. Throws when missing or corrupt.
  checkpoint_metadata read_metadata(uint64_t id) const;

  /// Reads one state file of checkpoint `id`.
  state_file_contents read_state(uint64_t id, const state_handle& h,
                                 key_group_range wanted = all_key_groups) const;

  // --- test hooks ----------------------------------------------------------

  void set_write_delay(std::chrono::milliseconds d) noexcept {
    write_delay_ms_ = d.count();
  }

  /// Writes of checkpoints for which `pred(id)` holds throw ec::io_error.
  void fail_writes_of(std::function<bool(uint64_t)> pred);

private:
  checkpoint_storage(std::filesystem::path root, std::string job_id);

  std::filesystem::path checkpoint_dir(uint64_t id) const;
  void check_injected_failure(uint64_t id, const std::string& what) const;
  state_handle write_file(uint64_t id, const std::filesystem::path& dir,
                          const std::string& relative_path, state_file_info info,
                          const std::function<void(state_file_writer&)>& fill);

  std::filesystem::path root_;
  std::string job_id_;
  std::atomic<int64_t> write_delay_ms_{0};
  mutable std::mutex mtx_;
  std::function<bool(uint64_t)> fail_writes_;
  std::condition_variable writers_cv_;
  size_t writers_ = 0;
  /// Memory storage: `_metadata` images by checkpoint id.
  std::map<uint64_t, std::string> images_;
};

using checkpoint_storage_ptr = std::shared_ptr<checkpoint_storage>;

} // namespace sluice
