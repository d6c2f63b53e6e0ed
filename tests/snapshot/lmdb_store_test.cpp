// snapshot/lmdb_store: batch semantics (put/get/erase/commit/abort, reading
// one's own uncommitted writes), key order across key groups and states,
// MVCC snapshots iterated on another thread while the store writes and
// commits, transparent map growth from a tiny reservation, growth refused
// while a snapshot is open (documented status, nothing lost), removal of the
// working directory, and clear io_errors for unusable paths.
#include "snapshot/error.hpp"
#include "snapshot/lmdb_store.hpp"

#include "tests/snapshot/snapshot_test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace sluice;

namespace lmdb_store_test {

using namespace sluice::snapshot_test;

namespace {

using entry = std::tuple<uint32_t, uint16_t, std::string, std::string>;

std::vector<entry> entries_of(lmdb_snapshot& snap,
                              key_group_range range = {0, upper_bound_max_parallelism - 1}) {
  std::vector<entry> result;
  snap.for_each(range, [&](uint32_t kg, uint16_t state, std::string_view key,
                           std::string_view value) {
    result.emplace_back(kg, state, std::string{key}, std::string{value});
  });
  return result;
}

std::string value_of(size_t i, size_t size) {
  std::string v = "value-" + std::to_string(i) + "-";
  v.resize(size, static_cast<char>('a' + i % 26));
  return v;
}

bool commit_ok(lmdb_store& store) {
  return store.commit() == lmdb_commit_status::ok;
}

/// Runs `f`, expecting sluice::exception(ec::io_error) whose text starts with `prefix`.
template <class F>
void check_io_error(F&& f, const std::string& prefix) {
  try {
    f();
    BOOST_ERROR("no exception");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::io_error);
    BOOST_CHECK_MESSAGE(std::string_view{e.what()}.starts_with(prefix + ": "), e.what());
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(lmdb_store_suite)

BOOST_AUTO_TEST_CASE(composed_keys_round_trip_and_order_by_key_group_then_state) {
  std::string a, b;
  compose_lmdb_key(a, 0x0102, 0x0304, "key");
  BOOST_CHECK_EQUAL(a, std::string("\x01\x02\x03\x04key", 7));
  auto parts = parse_lmdb_key(a);
  BOOST_REQUIRE(parts);
  BOOST_CHECK_EQUAL(parts->key_group, 0x0102u);
  BOOST_CHECK_EQUAL(parts->state_id, 0x0304u);
  BOOST_CHECK_EQUAL(parts->key, "key");
  BOOST_CHECK(!parse_lmdb_key("abc"));
  compose_lmdb_key(a, 255, 9, "zzz");
  compose_lmdb_key(b, 256, 0, "");
  BOOST_CHECK(a < b); // big-endian: key group 255 before 256
}

BOOST_AUTO_TEST_CASE(put_get_erase_commit_and_abort) {
  scratch_dir tmp;
  lmdb_store store{tmp / "job" / "op-0-0"};
  BOOST_CHECK(fs::is_directory(tmp / "job" / "op-0-0"));
  store.begin_write();
  store.put(3, 1, "a", "1");
  store.put(3, 1, "b", "2");
  store.put(3, 2, "a", "other state");
  store.put(4, 1, "a", "other key group");
  store.put(3, 1, "empty", "");
  BOOST_CHECK(commit_ok(store));
  BOOST_CHECK(!store.in_batch());
  BOOST_CHECK_EQUAL(*store.get(3, 1, "a"), "1");
  BOOST_CHECK_EQUAL(*store.get(3, 2, "a"), "other state");
  BOOST_CHECK_EQUAL(*store.get(4, 1, "a"), "other key group");
  BOOST_CHECK_EQUAL(*store.get(3, 1, "empty"), "");
  BOOST_CHECK(!store.get(5, 1, "a"));

  store.begin_write();
  store.put(3, 1, "a", "changed");
  store.erase(3, 1, "b");
  store.erase(3, 1, "never there");
  store.abort();
  BOOST_CHECK(!store.in_batch());
  BOOST_CHECK_EQUAL(*store.get(3, 1, "a"), "1");
  BOOST_CHECK_EQUAL(*store.get(3, 1, "b"), "2");

  store.begin_write();
  store.put(3, 1, "a", "changed");
  store.erase(3, 1, "b");
  BOOST_CHECK(commit_ok(store));
  std::string out = "reused buffer";
  BOOST_CHECK(store.get(3, 1, "a", out));
  BOOST_CHECK_EQUAL(out, "changed");
  BOOST_CHECK(!store.get(3, 1, "b", out));
}

BOOST_AUTO_TEST_CASE(a_batch_reads_its_own_uncommitted_writes) {
  scratch_dir tmp;
  lmdb_store store{tmp / "op-0-0"};
  store.begin_write();
  store.put(1, 1, "k", "v1");
  BOOST_CHECK(commit_ok(store));
  auto before = store.snapshot();
  store.begin_write();
  store.put(1, 1, "k", "v2");
  store.put(1, 1, "new", "n");
  BOOST_CHECK_EQUAL(*store.get(1, 1, "k"), "v2");
  BOOST_CHECK_EQUAL(*store.get(1, 1, "new"), "n");
  store.erase(1, 1, "new");
  BOOST_CHECK(!store.get(1, 1, "new"));
  // The snapshot (another transaction) does not see the open batch.
  auto seen = entries_of(before);
  BOOST_REQUIRE_EQUAL(seen.size(), 1u);
  BOOST_CHECK_EQUAL(std::get<3>(seen[0]), "v1");
  BOOST_CHECK(commit_ok(store));
  BOOST_CHECK_EQUAL(*store.get(1, 1, "k"), "v2");
}

BOOST_AUTO_TEST_CASE(snapshot_iterates_in_order_of_key_group_state_and_key) {
  scratch_dir tmp;
  lmdb_store store{tmp / "op-0-0"};
  std::vector<entry> expected;
  for (uint32_t kg : {300u, 0u, 256u, 255u, 1u, 32767u})
    for (uint16_t state : {2, 0, 258, 1})
      for (std::string key : {"b", "a", "ab", ""})
        expected.emplace_back(kg, state, key, std::to_string(kg) + "/" + key);
  store.begin_write();
  for (auto& [kg, state, key, value] : expected)
    store.put(kg, state, key, value);
  BOOST_CHECK(commit_ok(store));
  std::sort(expected.begin(), expected.end());
  auto snap = store.snapshot();
  BOOST_CHECK(entries_of(snap) == expected);
  // A key group range is a contiguous slice.
  std::vector<entry> slice;
  std::copy_if(expected.begin(), expected.end(), std::back_inserter(slice),
               [](const entry& e) { return std::get<0>(e) >= 2 && std::get<0>(e) <= 256; });
  BOOST_CHECK(entries_of(snap, {2, 256}) == slice);
  BOOST_CHECK(entries_of(snap, {2, 254}).empty());
  BOOST_CHECK(entries_of(snap, key_group_range::empty_range()).empty());
}

BOOST_AUTO_TEST_CASE(snapshot_on_another_thread_sees_old_values_while_the_store_commits) {
  scratch_dir tmp;
  lmdb_store store{tmp / "op-0-0"};
  constexpr size_t n = 2000;
  store.begin_write();
  for (size_t i = 0; i < n; ++i)
    store.put(i % 128, 1, "key-" + std::to_string(i), "old-" + std::to_string(i));
  BOOST_CHECK(commit_ok(store));
  auto snap = store.snapshot();
  std::promise<void> started, committed;
  auto reader = std::async(std::launch::async, [&, s = std::move(snap)]() mutable {
    size_t count = 0, old = 0;
    s.for_each({0, 127}, [&](uint32_t, uint16_t, std::string_view, std::string_view value) {
      if (count++ == 0) {
        started.set_value();
        committed.get_future().wait(); // the store overwrites everything meanwhile
      }
      old += value.starts_with("old-");
    });
    s.close(); // released on this thread
    return std::pair{count, old};
  });
  started.get_future().wait();
  for (size_t round = 0; round < 3; ++round) {
    store.begin_write();
    for (size_t i = 0; i < n; ++i) {
      if (i % 2 == 0)
        store.put(i % 128, 1, "key-" + std::to_string(i), "new-" + std::to_string(round));
      else
        store.erase(i % 128, 1, "key-" + std::to_string(i));
    }
    BOOST_CHECK(commit_ok(store));
  }
  committed.set_value();
  auto [count, old] = reader.get();
  BOOST_CHECK_EQUAL(count, n);
  BOOST_CHECK_EQUAL(old, n);
  BOOST_CHECK_EQUAL(*store.get(0, 1, "key-0"), "new-2");
  BOOST_CHECK(!store.get(1, 1, "key-1"));
}

BOOST_AUTO_TEST_CASE(map_grows_from_64_kib_and_keeps_every_value_of_10_mb) {
  scratch_dir tmp;
  // Small split limit: the big batch below is also committed in parts.
  lmdb_store store{tmp / "op-0-0", {.initial_map_size = 64 << 10, .max_ops_per_txn = 1000}};
  constexpr size_t n = 10000, size = 1000; // 10 MB of values
  for (size_t first = 0; first < n; first += 2500) {
    store.begin_write();
    for (size_t i = first; i < first + 2500; ++i)
      store.put(i % 128, static_cast<uint16_t>(i % 3), std::to_string(i), value_of(i, size));
    BOOST_CHECK(commit_ok(store));
  }
  BOOST_CHECK_GT(store.growth_count(), 0u);
  BOOST_CHECK_GE(store.map_size(), uint64_t{10} << 20);
  size_t wrong = 0;
  for (size_t i = 0; i < n; ++i)
    wrong += store.get(i % 128, static_cast<uint16_t>(i % 3), std::to_string(i))
             != value_of(i, size);
  BOOST_CHECK_EQUAL(wrong, 0u);
  auto snap = store.snapshot();
  BOOST_CHECK_EQUAL(entries_of(snap).size(), n);
}

BOOST_AUTO_TEST_CASE(growth_refused_while_a_snapshot_is_open_then_commit_retries) {
  scratch_dir tmp;
  lmdb_store store{tmp / "op-0-0", {.initial_map_size = 64 << 10}};
  store.begin_write();
  store.put(0, 0, "before", "snapshot");
  BOOST_CHECK(commit_ok(store));
  auto snap = store.snapshot();
  auto size_before = store.map_size();
  constexpr size_t n = 1000, size = 1000; // 1 MB: far beyond 64 KiB
  store.begin_write();
  for (size_t i = 0; i < n; ++i)
    store.put(i % 128, 1, std::to_string(i), value_of(i, size)); // never fails
  store.erase(0, 0, "before");
  BOOST_CHECK(store.growth_pending());
  BOOST_CHECK_EQUAL(*store.get(5, 1, "5"), value_of(5, size)); // pending writes readable
  BOOST_CHECK(!store.get(0, 0, "before"));
  BOOST_CHECK(store.commit() == lmdb_commit_status::map_full_snapshot_open);
  BOOST_CHECK(store.commit() == lmdb_commit_status::map_full_snapshot_open);
  BOOST_CHECK(store.in_batch());
  BOOST_CHECK_EQUAL(store.map_size(), size_before);
  BOOST_CHECK_EQUAL(entries_of(snap).size(), 1u); // snapshot unharmed
  snap.close();
  BOOST_CHECK(commit_ok(store));
  BOOST_CHECK(!store.growth_pending());
  BOOST_CHECK_GT(store.map_size(), size_before);
  size_t wrong = 0;
  for (size_t i = 0; i < n; ++i)
    wrong += store.get(i % 128, 1, std::to_string(i)) != value_of(i, size);
  BOOST_CHECK_EQUAL(wrong, 0u);
  BOOST_CHECK(!store.get(0, 0, "before"));
}

BOOST_AUTO_TEST_CASE(working_dir_is_removed_after_store_and_snapshots_are_gone) {
  scratch_dir tmp;
  auto dir = tmp / "job" / "op-3-1";
  auto store = std::make_unique<lmdb_store>(dir);
  store->begin_write();
  store->put(7, 1, "k", "v");
  BOOST_CHECK(commit_ok(*store));
  auto snap = store->snapshot();
  store.reset();
  BOOST_CHECK(fs::exists(dir / "data.mdb")); // the snapshot still reads it
  BOOST_CHECK_EQUAL(entries_of(snap).size(), 1u);
  snap.close();
  BOOST_CHECK(!fs::exists(dir));
  BOOST_CHECK(fs::is_directory(tmp / "job")); // parents stay
  // Same path again: a new, empty environment.
  lmdb_store again{dir};
  BOOST_CHECK(!again.get(7, 1, "k"));
}

BOOST_AUTO_TEST_CASE(unusable_paths_give_io_errors_naming_them) {
  scratch_dir tmp;
  auto file = tmp / "a-file";
  spit(file, "not a directory");
  check_io_error([&] { lmdb_store store{file}; }, file.string());
  BOOST_CHECK_EQUAL(slurp(file), "not a directory");
  check_io_error([&] { lmdb_store store{file / "below"}; }, (file / "below").string());

  auto foreign = tmp / "foreign";
  fs::create_directories(foreign);
  spit(foreign / "precious.txt", "keep");
  check_io_error([&] { lmdb_store store{foreign}; }, foreign.string());
  BOOST_CHECK(fs::exists(foreign / "precious.txt"));

  lmdb_store first{tmp / "op-0-0"};
  check_io_error([&] { lmdb_store second{tmp / "op-0-0"}; }, (tmp / "op-0-0").string());
  check_io_error([&] { lmdb_store second{tmp / "." / "op-0-0"}; },
                 (tmp / "." / "op-0-0").string());
  first.begin_write();
  auto too_long = std::string(first.max_key_size() - lmdb_key_prefix_size + 1, 'k');
  check_io_error([&] { first.put(0, 0, too_long, "v"); },
                 (tmp / "op-0-0").string());
  first.put(0, 0, std::string(first.max_key_size() - lmdb_key_prefix_size, 'k'), "v");
  BOOST_CHECK(commit_ok(first)); // the refused key left the batch intact
}

BOOST_AUTO_TEST_CASE(stale_lmdb_files_of_a_crashed_attempt_are_wiped) {
  scratch_dir tmp;
  auto dir = tmp / "op-0-0";
  fs::create_directories(dir);
  spit(dir / "data.mdb", "garbage from a crashed process");
  spit(dir / "lock.mdb", "");
  lmdb_store store{dir};
  BOOST_CHECK(!store.get(0, 0, "k"));
  store.begin_write();
  store.put(0, 0, "k", "v");
  BOOST_CHECK(commit_ok(store));
  BOOST_CHECK_EQUAL(*store.get(0, 0, "k"), "v");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace lmdb_store_test
