#include "apps/bench/lmdb_baseline.hpp"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include <lmdb.h>

namespace sluice::bench {

namespace {

void check(int rc, const char* what) {
  if (rc != 0)
    throw std::runtime_error(std::string{"lmdb baseline: "} + what + ": " + mdb_strerror(rc));
}

} // namespace

tally_result lmdb_keyed_count_baseline(uint64_t records, uint64_t keys, uint32_t batch) {
  std::string pattern
    = (std::filesystem::temp_directory_path() / "sluice-bench-lmdb-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("lmdb baseline: mkdtemp failed");
  std::filesystem::path dir{pattern};
  struct cleanup {
    std::filesystem::path dir;
    MDB_env* env = nullptr;
    ~cleanup() {
      if (env != nullptr)
        mdb_env_close(env);
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } guard{dir};
  check(mdb_env_create(&guard.env), "mdb_env_create");
  check(mdb_env_set_mapsize(guard.env, size_t{1} << 34), "mdb_env_set_mapsize");
  check(mdb_env_open(guard.env, dir.c_str(), MDB_NOTLS | MDB_NOSYNC | MDB_NOMETASYNC, 0644),
        "mdb_env_open");
  MDB_dbi dbi = 0;
  {
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(guard.env, nullptr, 0, &txn), "mdb_txn_begin");
    check(mdb_dbi_open(txn, nullptr, 0, &dbi), "mdb_dbi_open");
    check(mdb_txn_commit(txn), "mdb_txn_commit");
  }
  click_source_options opts;
  opts.users = keys;
  tally_result r;
  uint64_t i = 0;
  while (i < records) {
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(guard.env, nullptr, 0, &txn), "mdb_txn_begin");
    auto end = std::min<uint64_t>(records, i + batch);
    for (; i < end; ++i) {
      event e = click_event_at(opts, i);
      MDB_val k{e.user.size(), e.user.data()};
      MDB_val v;
      int64_t count = 0;
      int rc = mdb_get(txn, dbi, &k, &v);
      if (rc == 0)
        std::memcpy(&count, v.mv_data, sizeof count);
      else if (rc != MDB_NOTFOUND)
        check(rc, "mdb_get");
      ++count;
      MDB_val nv{sizeof count, &count};
      check(mdb_put(txn, dbi, &k, &nv, 0), "mdb_put");
      r.sum += static_cast<uint64_t>(count);
    }
    check(mdb_txn_commit(txn), "mdb_txn_commit");
  }
  r.count = records;
  return r;
}

} // namespace sluice::bench
