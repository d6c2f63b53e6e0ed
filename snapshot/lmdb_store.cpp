#include "snapshot/lmdb_store.hpp"

#include "snapshot/error.hpp"

#include <algorithm>
#include <cassert>
#include <mutex>
#include <set>
#include <system_error>
#include <utility>

#include <lmdb.h>

namespace fs = std::filesystem;

namespace sluice {

namespace {

[[noreturn]] void throw_io(const fs::path& dir, const std::string& what,
                           const std::string& reason) {
  throw exception(ec::io_error, dir.string() + ": " + what + " (" + reason + ")");
}

[[noreturn]] void throw_mdb(const fs::path& dir, const std::string& what, int rc) {
  throw_io(dir, what, mdb_strerror(rc));
}

MDB_val to_val(std::string_view s) noexcept {
  return {s.size(), const_cast<char*>(s.data())};
}

std::string_view to_view(const MDB_val& v) noexcept {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

/// Working directories open in this process (LMDB: never open twice).
std::mutex open_dirs_mutex;
std::set<std::string> open_dirs;

/// Creates `dir`, or empties it when it holds only LMDB files.
void prepare_directory(const fs::path& dir) {
  std::error_code err;
  auto status = fs::status(dir, err);
  if (err && err != std::errc::no_such_file_or_directory)
    throw_io(dir, "cannot stat working directory", err.message());
  if (!fs::exists(status)) {
    if (fs::create_directories(dir, err); err)
      throw_io(dir, "cannot create working directory", err.message());
    return;
  }
  if (!fs::is_directory(status))
    throw_io(dir, "cannot use as working directory", "not a directory");
  std::vector<fs::path> stale;
  for (fs::directory_iterator it{dir, err}, end; !err && it != end; it.increment(err)) {
    auto name = it->path().filename();
    if (name != "data.mdb" && name != "lock.mdb")
      throw_io(dir, "cannot use as working directory",
               "contains " + name.string() + ", not only LMDB files");
    stale.push_back(it->path());
  }
  if (err)
    throw_io(dir, "cannot list working directory", err.message());
  for (auto& p : stale)
    if (!fs::remove(p, err) && err)
      throw_io(p, "cannot remove stale LMDB file", err.message());
}

} // namespace

// --- environment ----------------------------------------------------------------

namespace detail {

/// Shared by the store and its snapshots; the last owner closes LMDB and
/// removes the directory.
struct lmdb_environment {
  fs::path dir;
  std::string registry_key; // non-empty once registered in open_dirs
  bool owns_dir = false;    // prepare_directory succeeded
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;
  std::mutex mutex;          // guards open_snapshots against growth
  size_t open_snapshots = 0; // read transactions held by lmdb_snapshot

  ~lmdb_environment() {
    if (env != nullptr)
      mdb_env_close(env);
    if (owns_dir) {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
    if (!registry_key.empty()) {
      std::lock_guard lock{open_dirs_mutex};
      open_dirs.erase(registry_key);
    }
  }
};

} // namespace detail

// --- snapshot -------------------------------------------------------------------

void lmdb_snapshot::close() noexcept {
  if (txn_ != nullptr) {
    std::lock_guard lock{env_->mutex};
    mdb_txn_abort(std::exchange(txn_, nullptr));
    --env_->open_snapshots;
  }
  env_.reset(); // outside the lock: this may destroy the mutex
}

namespace {

using cursor_ptr = std::unique_ptr<MDB_cursor, void (*)(MDB_cursor*)>;

cursor_ptr open_cursor(MDB_txn* txn, const detail::lmdb_environment& env) {
  MDB_cursor* cursor = nullptr;
  if (int rc = mdb_cursor_open(txn, env.dbi, &cursor))
    throw_mdb(env.dir, "cannot open cursor", rc);
  return cursor_ptr{cursor, mdb_cursor_close};
}

} // namespace

void lmdb_snapshot::for_each(key_group_range range, const entry_callback& f) const {
  assert(is_open());
  if (range.empty() || range.first > 0xFFFF)
    return;
  auto guard = open_cursor(txn_, *env_);
  auto* cursor = guard.get();
  char start[2] = {static_cast<char>(range.first >> 8), static_cast<char>(range.first & 0xFF)};
  MDB_val k{sizeof(start), start};
  MDB_val v;
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  for (; rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    auto parts = parse_lmdb_key(to_view(k));
    assert(parts); // every key was composed by record()
    if (parts->key_group > range.last)
      return;
    f(parts->key_group, parts->state_id, parts->key, to_view(v));
  }
  if (rc != MDB_NOTFOUND)
    throw_mdb(env_->dir, "cannot iterate snapshot", rc);
}

void lmdb_snapshot::for_each_of_state(key_group_range range, uint16_t state_id,
                                      const entry_callback& f) const {
  assert(is_open());
  if (range.empty() || range.first > 0xFFFF)
    return;
  auto guard = open_cursor(txn_, *env_);
  auto* cursor = guard.get();
  std::string prefix;
  for (uint32_t kg = range.first; kg <= range.last && kg <= 0xFFFF; ++kg) {
    compose_lmdb_key(prefix, kg, state_id, {});
    MDB_val k{prefix.size(), prefix.data()};
    MDB_val v;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    for (; rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      auto key = to_view(k);
      if (key.size() < lmdb_key_prefix_size || key.substr(0, lmdb_key_prefix_size) != prefix)
        break;
      f(kg, state_id, key.substr(lmdb_key_prefix_size), to_view(v));
    }
    if (rc != 0 && rc != MDB_NOTFOUND)
      throw_mdb(env_->dir, "cannot iterate snapshot", rc);
  }
}

bool lmdb_snapshot::get(uint32_t key_group, uint16_t state_id, std::string_view key,
                        std::string& out) const {
  assert(is_open());
  std::string composed;
  compose_lmdb_key(composed, key_group, state_id, key);
  MDB_val k{composed.size(), composed.data()};
  MDB_val v;
  int rc = mdb_get(txn_, env_->dbi, &k, &v);
  if (rc == 0)
    out.assign(to_view(v));
  else if (rc != MDB_NOTFOUND)
    throw_mdb(env_->dir, "cannot read snapshot", rc);
  return rc == 0;
}

// --- store: opening -------------------------------------------------------------

lmdb_store::lmdb_store(fs::path dir, lmdb_store_options options)
  : env_(std::make_shared<detail::lmdb_environment>()), options_(options) {
  assert(options_.initial_map_size > 0 && options_.max_ops_per_txn > 0);
  auto& e = *env_;
  e.dir = std::move(dir);
  auto key = fs::absolute(e.dir).lexically_normal().string();
  {
    std::lock_guard lock{open_dirs_mutex};
    if (!open_dirs.insert(key).second)
      throw_io(e.dir, "cannot open LMDB environment", "already open in this process");
  }
  e.registry_key = std::move(key);
  prepare_directory(e.dir);
  e.owns_dir = true;
  auto check = [&e](int rc, const char* what) {
    if (rc != 0)
      throw_mdb(e.dir, what, rc);
  };
  check(mdb_env_create(&e.env), "cannot create LMDB environment");
  check(mdb_env_set_mapsize(e.env, options_.initial_map_size), "cannot set map size");
  check(mdb_env_open(e.env, e.dir.c_str(), MDB_NOTLS | MDB_NOSYNC | MDB_NOMETASYNC, 0640),
        "cannot open LMDB environment");
  map_size_ = options_.initial_map_size;
  max_key_size_ = static_cast<size_t>(mdb_env_get_maxkeysize(e.env));
  // The unnamed database exists from the start; opening it needs a transaction.
  MDB_txn* txn = nullptr;
  check(mdb_txn_begin(e.env, nullptr, 0, &txn), "cannot begin transaction");
  int rc = mdb_dbi_open(txn, nullptr, 0, &e.dbi);
  if (rc != 0)
    mdb_txn_abort(txn);
  else
    rc = mdb_txn_commit(txn);
  check(rc, "cannot open database");
}

const fs::path& lmdb_store::dir() const noexcept {
  return env_->dir;
}

// --- store: batches -------------------------------------------------------------

void lmdb_store::record(uint32_t key_group, uint16_t state_id, std::string_view key,
                        std::string_view value, bool erase) {
  assert(in_batch_);
  if (auto size = lmdb_key_prefix_size + key.size(); size > max_key_size_)
    throw exception(ec::io_error, env_->dir.string() + ": key of " + std::to_string(size)
                                    + " bytes exceeds LMDB's limit of "
                                    + std::to_string(max_key_size_));
  auto& op = log_.emplace_back();
  compose_lmdb_key(op.key, key_group, state_id, key);
  op.value.assign(value);
  op.erase = erase;
  log_bytes_ += op.key.size() + op.value.size();
  if (txn_ == nullptr) // growth pending: applied by commit()
    return;
  if (int rc = apply(op))
    return recover(rc);
  if (log_.size() < options_.max_ops_per_txn && log_bytes_ < options_.max_bytes_per_txn)
    return;
  // Split the batch: commit what we have, go on in a new transaction.
  int rc = mdb_txn_commit(std::exchange(txn_, nullptr));
  if (rc != 0)
    return recover(rc);
  log_.clear();
  log_bytes_ = 0;
  begin_txn();
}

int lmdb_store::apply(const logged_op& op) {
  MDB_val k = to_val(op.key);
  if (op.erase) {
    int rc = mdb_del(txn_, env_->dbi, &k, nullptr);
    return rc == MDB_NOTFOUND ? 0 : rc;
  }
  MDB_val v = to_val(op.value);
  return mdb_put(txn_, env_->dbi, &k, &v, 0);
}

lmdb_commit_status lmdb_store::commit() {
  assert(in_batch_);
  if (txn_ == nullptr) { // growth pending
    recover(MDB_MAP_FULL);
    if (txn_ == nullptr)
      return lmdb_commit_status::map_full_snapshot_open;
  }
  while (int rc = mdb_txn_commit(std::exchange(txn_, nullptr))) {
    recover(rc);
    if (txn_ == nullptr)
      return lmdb_commit_status::map_full_snapshot_open;
  }
  end_batch();
  return lmdb_commit_status::ok;
}

void lmdb_store::end_batch() noexcept {
  abort_txn();
  in_batch_ = false;
  log_.clear();
  log_bytes_ = 0;
}

void lmdb_store::fail_batch(const char* what, int rc) {
  end_batch();
  throw_mdb(env_->dir, what, rc);
}

void lmdb_store::begin_txn() {
  if (int rc = mdb_txn_begin(env_->env, nullptr, 0, &txn_)) {
    txn_ = nullptr;
    fail_batch("cannot begin write transaction", rc);
  }
}

void lmdb_store::abort_txn() noexcept {
  if (txn_ != nullptr)
    mdb_txn_abort(std::exchange(txn_, nullptr));
}

// --- store: growth and replay -----------------------------------------------------

// Called with the failed operation already in the log. Returns with a
// transaction holding every logged operation, or with none (growth pending).
void lmdb_store::recover(int rc) {
  for (;;) {
    abort_txn();
    if (rc == MDB_MAP_FULL) {
      if (!grow())
        return;
    } else if (rc == MDB_TXN_FULL && log_.size() > 1) {
      options_.max_ops_per_txn = std::max<size_t>(1, log_.size() / 2);
    } else {
      fail_batch("write failed", rc);
    }
    rc = replay();
    if (rc == 0)
      return;
  }
}

// Applies the log in a new transaction, committing every max_ops_per_txn
// operations; committed operations leave the log.
int lmdb_store::replay() {
  begin_txn();
  size_t done = 0;
  int rc = 0;
  for (size_t i = 0; i < log_.size() && rc == 0; ++i) {
    rc = apply(log_[i]);
    if (rc == 0 && i + 1 - done >= options_.max_ops_per_txn && i + 1 < log_.size()) {
      rc = mdb_txn_commit(std::exchange(txn_, nullptr));
      if (rc == 0) {
        done = i + 1;
        begin_txn();
      }
    }
  }
  log_.erase(log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(done));
  log_bytes_ = 0;
  for (auto& op : log_)
    log_bytes_ += op.key.size() + op.value.size();
  return rc;
}

bool lmdb_store::grow() {
  std::lock_guard lock{env_->mutex};
  if (env_->open_snapshots > 0)
    return false;
  auto size = map_size_ * 2;
  if (size > options_.max_map_size) {
    end_batch();
    throw_io(env_->dir, "cannot grow map to " + std::to_string(size) + " bytes",
             "map size limit " + std::to_string(options_.max_map_size) + " reached");
  }
  // No transaction of this process is open: ours was aborted, get() closes
  // its read transactions, snapshots are counted under this lock.
  if (int rc = mdb_env_set_mapsize(env_->env, size))
    fail_batch("cannot grow map", rc);
  map_size_ = size;
  ++growth_count_;
  return true;
}

// --- store: reads ------------------------------------------------------------------

std::optional<std::string> lmdb_store::get(uint32_t key_group, uint16_t state_id,
                                           std::string_view key) {
  std::string out;
  return get(key_group, state_id, key, out) ? std::optional{std::move(out)} : std::nullopt;
}

bool lmdb_store::get(uint32_t key_group, uint16_t state_id, std::string_view key,
                     std::string& out) {
  compose_lmdb_key(scratch_, key_group, state_id, key);
  if (growth_pending()) { // the batch lives in the log only
    for (auto it = log_.rbegin(); it != log_.rend(); ++it)
      if (it->key == scratch_) {
        if (it->erase)
          return false;
        out = it->value;
        return true;
      }
  }
  MDB_txn* txn = txn_;
  if (txn == nullptr)
    if (int rc = mdb_txn_begin(env_->env, nullptr, MDB_RDONLY, &txn))
      throw_mdb(env_->dir, "cannot begin read transaction", rc);
  MDB_val k = to_val(scratch_);
  MDB_val v;
  int rc = mdb_get(txn, env_->dbi, &k, &v);
  if (rc == 0)
    out.assign(to_view(v));
  if (txn != txn_)
    mdb_txn_abort(txn);
  if (rc != 0 && rc != MDB_NOTFOUND)
    throw_mdb(env_->dir, "cannot read", rc);
  return rc == 0;
}

lmdb_snapshot lmdb_store::snapshot() {
  assert(!in_batch_);
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(env_->env, nullptr, MDB_RDONLY, &txn))
    throw_mdb(env_->dir, "cannot begin snapshot", rc);
  {
    std::lock_guard lock{env_->mutex};
    ++env_->open_snapshots;
  }
  return lmdb_snapshot{env_, txn};
}

} // namespace sluice
