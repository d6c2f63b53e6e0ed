#include "apps/bench/state_checkpoint_bench.hpp"
#include "apps/bench/scratch_dir.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include <lmdb.h>

#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/lmdb_store.hpp"
#include "snapshot/state_file_writer.hpp"

namespace sluice::bench {

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

constexpr uint32_t max_p = 128;
const key_group_range whole{0, max_p - 1};
/// Records between two end_batch calls while filling or changing.
constexpr uint64_t batch_records = 4096;
/// Baseline: entries per write transaction (far below MDB_TXN_FULL).
constexpr uint64_t baseline_txn_entries = 100'000;

const value_state_descriptor<std::string> payload_desc{"payload"};

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0; // KiB on Linux
}

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Replaces `out` with `size` pseudo-random bytes of (key, version), so
/// that no layer can compress the state away.
void make_value(std::string& out, uint64_t key, uint64_t version, uint32_t size) {
  out.resize(size);
  uint64_t seed = key * 0x100000001b3ULL + version;
  for (uint32_t i = 0; i < size; i += 8) {
    uint64_t r = splitmix64(seed);
    auto n = std::min<uint32_t>(8, size - i);
    for (uint32_t j = 0; j < n; ++j)
      out[i + j] = static_cast<char>(r >> (8 * j));
  }
}

/// Writes `version` values to the keys `first, first + stride, ...` (`count`
/// of them); returns seconds.
double write_keys(keyed_state_backend& b, uint64_t first, uint64_t stride, uint64_t count,
                  uint64_t version, uint32_t value_bytes) {
  auto start = clock_type::now();
  auto& state = b.get_state(payload_desc);
  std::string value;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t key = first + i * stride;
    if (!b.set_current_key_of(key))
      throw std::logic_error("checkpoint-size: key outside the backend's key groups");
    make_value(value, key, version, value_bytes);
    state.update(value);
    if ((i + 1) % batch_records == 0)
      b.end_batch();
  }
  b.end_batch();
  return ms_since(start) / 1000.0;
}

struct checkpoint_result {
  double sync_ms = 0;
  double async_ms = 0;
  uint64_t bytes = 0;
  size_t entries = 0;
  bool incremental = false;
};

/// Checkpoint `id` of `b` into the state file `file` (removed afterwards).
checkpoint_result take_checkpoint(keyed_state_backend& b, uint64_t id, const fs::path& file) {
  checkpoint_result r;
  auto start = clock_type::now();
  auto snap = b.snapshot(id);
  r.sync_ms = ms_since(start);
  start = clock_type::now();
  auto w = state_file_writer::to_file(file, {"checkpoint-size", 0, max_p, whole});
  snap->write_to(w);
  r.bytes = w.finish();
  r.async_ms = ms_since(start);
  r.entries = snap->num_entries();
  r.incremental = snap->incremental();
  snap.reset();
  fs::remove(file);
  return r;
}

// --- baseline: a raw LMDB environment copied without the engine -------------

void check_mdb(int rc, const char* what) {
  if (rc != 0)
    throw std::runtime_error(std::string{"checkpoint-size baseline: "} + what + ": "
                             + mdb_strerror(rc));
}

struct baseline_result {
  double copy_ms = 0;
  uint64_t bytes = 0;
};

/// Copies every entry of `view` into a raw environment in `env_dir`, then
/// times mdb_env_copyfd2 of it into the file `copy` + fsync. Removes both.
baseline_result copy_baseline(const lmdb_snapshot& view, uint64_t expected_bytes,
                              const fs::path& env_dir, const fs::path& copy) {
  fs::create_directories(env_dir);
  struct guard_t {
    fs::path dir, copy;
    MDB_env* env = nullptr;
    MDB_txn* txn = nullptr;
    int fd = -1;
    ~guard_t() {
      if (txn != nullptr)
        mdb_txn_abort(txn);
      if (env != nullptr)
        mdb_env_close(env);
      if (fd >= 0)
        ::close(fd);
      std::error_code ignored;
      fs::remove_all(dir, ignored);
      fs::remove(copy, ignored);
    }
  } g{env_dir, copy};
  check_mdb(mdb_env_create(&g.env), "mdb_env_create");
  auto map_size = std::max<uint64_t>(uint64_t{1} << 34, 4 * expected_bytes);
  check_mdb(mdb_env_set_mapsize(g.env, map_size), "mdb_env_set_mapsize");
  check_mdb(mdb_env_open(g.env, env_dir.c_str(), MDB_NOTLS | MDB_NOSYNC | MDB_NOMETASYNC, 0644),
            "mdb_env_open");
  MDB_dbi dbi = 0;
  check_mdb(mdb_txn_begin(g.env, nullptr, 0, &g.txn), "mdb_txn_begin");
  check_mdb(mdb_dbi_open(g.txn, nullptr, 0, &dbi), "mdb_dbi_open");
  uint64_t in_txn = 0;
  std::string composed;
  view.for_each(whole, [&](uint32_t key_group, uint16_t state_id, std::string_view key,
                           std::string_view value) {
    compose_lmdb_key(composed, key_group, state_id, key);
    MDB_val k{composed.size(), composed.data()};
    MDB_val v{value.size(), const_cast<char*>(value.data())};
    check_mdb(mdb_put(g.txn, dbi, &k, &v, MDB_APPEND), "mdb_put");
    if (++in_txn == baseline_txn_entries) {
      auto rc = mdb_txn_commit(g.txn);
      g.txn = nullptr;
      check_mdb(rc, "mdb_txn_commit");
      check_mdb(mdb_txn_begin(g.env, nullptr, 0, &g.txn), "mdb_txn_begin");
      in_txn = 0;
    }
  });
  auto rc = mdb_txn_commit(g.txn);
  g.txn = nullptr;
  check_mdb(rc, "mdb_txn_commit");

  baseline_result r;
  auto start = clock_type::now();
  g.fd = ::open(copy.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (g.fd < 0)
    throw std::system_error(errno, std::generic_category(),
                            "checkpoint-size baseline: open " + copy.string());
  check_mdb(mdb_env_copyfd2(g.env, g.fd, 0), "mdb_env_copyfd2");
  if (::fsync(g.fd) != 0)
    throw std::system_error(errno, std::generic_category(),
                            "checkpoint-size baseline: fsync " + copy.string());
  r.copy_ms = ms_since(start);
  struct stat st{};
  if (::fstat(g.fd, &st) == 0)
    r.bytes = static_cast<uint64_t>(st.st_size);
  return r;
}

// --- one state size -----------------------------------------------------------

struct size_result {
  uint64_t keys = 0;
  uint64_t changed = 0;
  double lmdb_fill_s = 0;
  checkpoint_result lmdb_full, lmdb_incr, hashmap_full;
  uint64_t lmdb_env_bytes = 0;
  double hashmap_fill_s = 0;
  baseline_result baseline;
};

/// Checks the kind and entry count of checkpoint `what`; false after
/// printing why.
bool expect(const checkpoint_result& r, bool incremental, uint64_t entries, const char* what) {
  if (r.incremental == incremental && r.entries == entries)
    return true;
  std::cerr << "sluice-bench: checkpoint-size: the " << what << " checkpoint is "
            << (r.incremental ? "incremental" : "full") << " with " << r.entries
            << " entries; expected " << (incremental ? "incremental" : "full") << " with "
            << entries << "\n";
  return false;
}

int run_size(uint64_t state_mb, const state_checkpoint_options& o, const fs::path& scratch,
             std::ostream& out) {
  size_result s;
  s.keys = state_mb * 1'000'000 / o.value_bytes;
  s.changed = s.keys * o.changed_percent / 100;
  uint64_t stride = s.changed > 0 ? s.keys / s.changed : 1;
  {
    keyed_backend_options opts;
    opts.kind = state_backend_kind::lmdb;
    opts.lmdb_dir = scratch / "lmdb-backend";
    opts.incremental = true;
    keyed_state_backend b{max_p, whole, opts};
    s.lmdb_fill_s = write_keys(b, 0, 1, s.keys, 1, o.value_bytes);
    s.lmdb_full = take_checkpoint(b, 1, scratch / "lmdb-1.state");
    b.notify_checkpoint_complete(1);
    write_keys(b, 0, stride, s.changed, 2, o.value_bytes);
    s.lmdb_incr = take_checkpoint(b, 2, scratch / "lmdb-2.state");
    if (!expect(s.lmdb_full, false, s.keys, "first lmdb")
        || !expect(s.lmdb_incr, true, s.changed, "second lmdb"))
      return 1;
    std::error_code ec;
    auto env_bytes = fs::file_size(b.store()->dir() / "data.mdb", ec);
    s.lmdb_env_bytes = ec ? 0 : env_bytes;
    auto view = b.store()->snapshot();
    s.baseline = copy_baseline(view, s.lmdb_env_bytes, scratch / "baseline-env",
                               scratch / "baseline-copy.mdb");
  }
  {
    keyed_state_backend b{max_p, whole, keyed_backend_options{}};
    s.hashmap_fill_s = write_keys(b, 0, 1, s.keys, 1, o.value_bytes);
    s.hashmap_full = take_checkpoint(b, 1, scratch / "hashmap-1.state");
    if (!expect(s.hashmap_full, false, s.keys, "hashmap"))
      return 1;
  }
  auto total = [](const checkpoint_result& r) { return r.sync_ms + r.async_ms; };
  auto vs_baseline = [&](const checkpoint_result& r) {
    return total(r) / std::max(s.baseline.copy_ms, 1e-6);
  };
  std::ostringstream json;
  json << "{\"workload\":\"checkpoint-size\",\"state_mb\":" << state_mb << ",\"keys\":" << s.keys
       << ",\"value_bytes\":" << o.value_bytes << ",\"changed_percent\":" << o.changed_percent
       << ",\"changed_keys\":" << s.changed << std::fixed << std::setprecision(2)
       << ",\"lmdb_fill_s\":" << s.lmdb_fill_s << std::setprecision(3)
       << ",\"lmdb_full_sync_ms\":" << s.lmdb_full.sync_ms
       << ",\"lmdb_full_async_ms\":" << s.lmdb_full.async_ms
       << ",\"lmdb_full_bytes\":" << s.lmdb_full.bytes
       << ",\"lmdb_env_bytes\":" << s.lmdb_env_bytes
       << ",\"lmdb_incr_sync_ms\":" << s.lmdb_incr.sync_ms
       << ",\"lmdb_incr_async_ms\":" << s.lmdb_incr.async_ms
       << ",\"lmdb_incr_bytes\":" << s.lmdb_incr.bytes
       << ",\"lmdb_incr_entries\":" << s.lmdb_incr.entries << std::setprecision(4)
       << ",\"incr_ratio\":"
       << static_cast<double>(s.lmdb_incr.bytes)
            / static_cast<double>(std::max<uint64_t>(s.lmdb_full.bytes, 1))
       << std::setprecision(2) << ",\"hashmap_fill_s\":" << s.hashmap_fill_s
       << std::setprecision(3) << ",\"hashmap_full_sync_ms\":" << s.hashmap_full.sync_ms
       << ",\"hashmap_full_async_ms\":" << s.hashmap_full.async_ms
       << ",\"hashmap_full_bytes\":" << s.hashmap_full.bytes
       << ",\"baseline_copy_ms\":" << s.baseline.copy_ms
       << ",\"baseline_bytes\":" << s.baseline.bytes
       << ",\"full_vs_baseline\":" << vs_baseline(s.lmdb_full)
       << ",\"hashmap_vs_baseline\":" << vs_baseline(s.hashmap_full) << std::setprecision(1)
       << ",\"peak_rss_mb\":" << peak_rss_mb() << "}\n";
  out << json.str() << std::flush;
  return 0;
}

} // namespace

int bench_checkpoint_size(const state_checkpoint_options& o, std::ostream& out) {
  scratch_dir scratch{o.dir, "checkpoint-size"};
  for (auto mb : o.state_mb)
    if (auto rc = run_size(mb, o, scratch.path(), out); rc != 0)
      return rc;
  return 0;
}

} // namespace sluice::bench
