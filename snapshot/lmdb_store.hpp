// Storage layer of the `lmdb` keyed state backend (Flink's RocksDB backend,
// with LMDB in place of RocksDB): one LMDB environment per subtask and
// attempt, keys ordered by key group, write transactions per input batch,
// MVCC snapshots that another thread iterates. Plain class, no CAF.
//
// Environment. The caller passes the full working directory, by convention
// `<local-dir>/<job-id>/<operator-uid>-<subtask>-<attempt>`. The store creates
// it (and missing parents). An existing directory holding nothing but LMDB's
// `data.mdb` / `lock.mdb` (left by a crashed process) is wiped and reused,
// like Flink wipes a stale RocksDB instance directory; anything else in it is
// an error, so a wrong path never loses foreign files. The environment is
// opened with MDB_NOTLS (a read transaction may move to another thread) and
// MDB_NOSYNC | MDB_NOMETASYNC (no fsync per commit: checkpoints carry
// durability; the working directory is never recovered from). Never
// MDB_NOLOCK. A directory may be open once per process (LMDB forbids opening
// an environment twice): a second store on the same path throws.
// Lifetime: the environment is shared by the store and its snapshots; when
// the last of them is gone, the environment is closed and the working
// directory removed (its parents stay: other subtasks share them).
//
// Database and keys. One unnamed database holds every state: a key is
// `key group (2 bytes BE) | state id (2 bytes BE) | key bytes` (see
// compose_lmdb_key), so a cursor walks key groups in order, and a range of key
// groups (what a snapshot or a rescale reads) is one contiguous key range over
// all states. State ids are small integers the caller assigns per registered
// state; map state appends the user key to the key bytes itself. Keys compare
// as bytes (memcmp, shorter prefix first). A composed key may not exceed
// LMDB's limit of 511 bytes (`max_key_size()`): the backend must hash or
// shorten longer keys.
//
// Threads. `begin_write`, `put`, `erase`, `get`, `commit`, `abort` and
// `snapshot` are called from one thread at a time — the hosting actor, and a
// write transaction begins and ends within one message handler (CAF moves
// actors between threads). An `lmdb_snapshot` may be iterated and closed on
// any one thread while the actor keeps writing.
//
// Batches and map growth. The map is a large reservation (`initial_map_size`,
// 1 GiB by default) of address space, not disk: data.mdb grows with the data.
// The store logs the operations of the open write transaction (copies of keys
// and values). On MDB_MAP_FULL it aborts the transaction, doubles the map
// (only when no snapshot is open: mdb_env_set_mapsize needs every transaction
// of the process closed), replays the log and carries on: the caller never
// sees it. If a snapshot is open, the store keeps the log without a
// transaction (`growth_pending()`): `put`/`erase` only append to it (in
// memory, unbounded), `get` scans it backwards first (slow path), and
// `commit()` returns `map_full_snapshot_open` instead of blocking, holding no
// write transaction; the caller closes the snapshot (declines the
// checkpoint) or waits for it and calls `commit()` again (from any later
// message handler), or calls `abort()`. Growth beyond `max_map_size` fails
// with io_error. To bound the log and stay below LMDB's dirty-page limit
// (MDB_TXN_FULL), a batch of more than `max_ops_per_txn` operations or
// `max_bytes_per_txn` bytes is committed in several transactions (on
// MDB_TXN_FULL the limit halves and the log is replayed in smaller
// transactions). Restore therefore needs no special API:
// one batch of any size is loaded in chunks. A split batch is not atomic:
// `abort()` discards only what followed the last internal commit. That is
// harmless here: a snapshot is never taken inside a batch, and a failed batch
// fails the attempt, whose working directory is thrown away.
//
// Errors. Failures throw sluice::exception(ec::io_error,
// "<dir>: <what> (<mdb_strerror or strerror>)"). An exception from `put`,
// `erase` or `commit` aborts the batch, except a too-long key, which is
// refused before anything happens. Calling out of order (put outside a batch,
// snapshot inside one) is a programmer error (assert).
#pragma once

#include "snapshot/key_groups.hpp"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct MDB_txn;

namespace sluice {

// --- keys ---------------------------------------------------------------------

/// Bytes in front of the key bytes: key group and state id, 2 bytes BE each.
inline constexpr size_t lmdb_key_prefix_size = 4;

/// A composed key taken apart. `key` views the composed bytes.
struct lmdb_key_parts {
  uint32_t key_group = 0;
  uint16_t state_id = 0;
  std::string_view key;
};

/// Replaces `out` with `key_group | state_id | key`.
/// Precondition: key_group <= 0xFFFF (key groups are < 32768).
inline void compose_lmdb_key(std::string& out, uint32_t key_group, uint16_t state_id,
                             std::string_view key) {
  assert(key_group <= 0xFFFF);
  out.resize(lmdb_key_prefix_size + key.size());
  out[0] = static_cast<char>(key_group >> 8);
  out[1] = static_cast<char>(key_group & 0xFF);
  out[2] = static_cast<char>(state_id >> 8);
  out[3] = static_cast<char>(state_id & 0xFF);
  std::copy(key.begin(), key.end(), out.begin() + lmdb_key_prefix_size);
}

/// Parses a composed key; nullopt when it is shorter than the prefix.
inline std::optional<lmdb_key_parts> parse_lmdb_key(std::string_view composed) noexcept {
  if (composed.size() < lmdb_key_prefix_size)
    return std::nullopt;
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(composed[i])); };
  return lmdb_key_parts{(byte(0) << 8) | byte(1), static_cast<uint16_t>((byte(2) << 8) | byte(3)),
                        composed.substr(lmdb_key_prefix_size)};
}

// --- store --------------------------------------------------------------------

struct lmdb_store_options {
  /// Initial map size (sparse), a multiple of the OS page size.
  uint64_t initial_map_size = uint64_t{1} << 30;
  /// Growth beyond this size fails with io_error ("map size limit reached").
  uint64_t max_map_size = uint64_t{1} << 40;
  /// A batch is committed in parts after this many operations ...
  size_t max_ops_per_txn = 32768;
  /// ... or this many key and value bytes.
  size_t max_bytes_per_txn = size_t{32} << 20;
};

enum class lmdb_commit_status {
  /// The batch is committed; no batch is open.
  ok,
  /// The map is full and cannot grow while a snapshot is open. Nothing was
  /// lost: the batch stays open (growth_pending()); close the snapshot(s) or
  /// wait, then call commit() again, or abort().
  map_full_snapshot_open,
};

namespace detail {
struct lmdb_environment;
} // namespace detail

/// A consistent read view of the store as of `lmdb_store::snapshot()`. Holds
/// a read transaction (and keeps the environment and its directory alive)
/// until closed or destroyed. Used by one thread at a time, any thread.
/// While open it prevents map growth, and LMDB cannot reuse pages freed
/// since it began: close it as soon as the checkpoint is written.
class lmdb_snapshot {
public:
  /// Called per entry in key order; the views point into the map and are
  /// valid during the call only.
  using entry_callback = std::function<void(uint32_t key_group, uint16_t state_id,
                                            std::string_view key, std::string_view value)>;

  lmdb_snapshot() = default; // closed
  lmdb_snapshot(lmdb_snapshot&& other) noexcept
    : env_(std::move(other.env_)), txn_(std::exchange(other.txn_, nullptr)) {
  }
  lmdb_snapshot& operator=(lmdb_snapshot&& other) noexcept {
    if (this != &other) {
      close();
      env_ = std::move(other.env_);
      txn_ = std::exchange(other.txn_, nullptr);
    }
    return *this;
  }
  ~lmdb_snapshot() {
    close();
  }

  /// Visits every entry whose key group lies in `range`, ordered by
  /// (key group, state id, key bytes). An exception from `f` propagates
  /// (the snapshot stays usable). Precondition: is_open().
  void for_each(key_group_range range, const entry_callback& f) const;

  /// Visits the entries of one state whose key group lies in `range`,
  /// ordered by (key group, key bytes): one cursor seek per key group.
  /// Precondition: is_open().
  void for_each_of_state(key_group_range range, uint16_t state_id,
                         const entry_callback& f) const;

  /// The value of one entry as of the snapshot, into `out`; false when
  /// absent. Precondition: is_open().
  bool get(uint32_t key_group, uint16_t state_id, std::string_view key,
           std::string& out) const;

  /// Releases the read transaction (and this handle's share of the
  /// environment). Idempotent.
  void close() noexcept;

  bool is_open() const noexcept {
    return txn_ != nullptr;
  }

private:
  friend class lmdb_store;
  lmdb_snapshot(std::shared_ptr<detail::lmdb_environment> env, MDB_txn* txn) noexcept
    : env_(std::move(env)), txn_(txn) {
  }

  std::shared_ptr<detail::lmdb_environment> env_;
  MDB_txn* txn_ = nullptr;
};

/// The LMDB storage of one keyed operator in one subtask attempt. Neither
/// copyable nor movable (hold it in a unique_ptr).
class lmdb_store {
public:
  /// Creates (or wipes, see above) `dir` and opens the environment there.
  /// Throws io_error naming `dir` when it cannot.
  explicit lmdb_store(std::filesystem::path dir, lmdb_store_options options = {});
  /// Aborts an open batch; the directory goes when the last snapshot closes.
  ~lmdb_store() {
    end_batch();
  }
  lmdb_store(const lmdb_store&) = delete;
  lmdb_store& operator=(const lmdb_store&) = delete;

  const std::filesystem::path& dir() const noexcept;

  /// Opens a batch (write transaction). Precondition: no batch is open.
  void begin_write() {
    assert(!in_batch_);
    begin_txn();
    in_batch_ = true;
  }

  /// Inserts or overwrites. Precondition: a batch is open. Throws io_error
  /// when the composed key exceeds max_key_size() (the batch stays as it was).
  void put(uint32_t key_group, uint16_t state_id, std::string_view key,
           std::string_view value) {
    record(key_group, state_id, key, value, false);
  }

  /// Removes the entry if present. Precondition: a batch is open.
  void erase(uint32_t key_group, uint16_t state_id, std::string_view key) {
    record(key_group, state_id, key, {}, true);
  }

  /// The value, seeing the open batch's writes; outside a batch, the last
  /// committed value (through a short read transaction). Returns a copy.
  std::optional<std::string> get(uint32_t key_group, uint16_t state_id,
                                 std::string_view key);

  /// Like get(), into `out` (reusing its capacity); false when absent.
  bool get(uint32_t key_group, uint16_t state_id, std::string_view key, std::string& out);

  /// Commits the batch; see lmdb_commit_status. Precondition: a batch is open.
  [[nodiscard]] lmdb_commit_status commit();

  /// Discards the batch's operations since the last internal commit (all of
  /// them for a batch below the split limits). No-op without a batch.
  void abort() noexcept {
    end_batch();
  }

  bool in_batch() const noexcept {
    return in_batch_;
  }

  /// True while the map is full and a snapshot prevents growth: the batch's
  /// operations wait in memory for commit().
  bool growth_pending() const noexcept {
    return in_batch_ && txn_ == nullptr;
  }

  /// A read view of everything committed so far. Precondition: no batch is
  /// open. Throws io_error (e.g. all reader slots taken).
  lmdb_snapshot snapshot();

  /// Current map size in bytes, and how often it grew.
  uint64_t map_size() const noexcept {
    return map_size_;
  }
  size_t growth_count() const noexcept {
    return growth_count_;
  }

  /// Longest composed key LMDB accepts (511 with Debian's build).
  size_t max_key_size() const noexcept {
    return max_key_size_;
  }

private:
  struct logged_op {
    std::string key; // composed
    std::string value;
    bool erase = false;
  };

  void record(uint32_t key_group, uint16_t state_id, std::string_view key,
              std::string_view value, bool erase);
  int apply(const logged_op& op);
  void begin_txn();
  void abort_txn() noexcept;
  void recover(int rc);
  int replay();
  bool grow();
  void end_batch() noexcept;
  [[noreturn]] void fail_batch(const char* what, int rc);

  std::shared_ptr<detail::lmdb_environment> env_;
  lmdb_store_options options_;
  MDB_txn* txn_ = nullptr;
  bool in_batch_ = false;
  std::vector<logged_op> log_; // operations since the last commit
  size_t log_bytes_ = 0;
  std::string scratch_;        // composed key of get()
  uint64_t map_size_ = 0;
  size_t growth_count_ = 0;
  size_t max_key_size_ = 0;
};

} // namespace sluice
