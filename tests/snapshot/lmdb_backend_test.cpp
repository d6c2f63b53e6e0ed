// The lmdb keyed state backend (lmdb_table.hpp over lmdb_store.hpp): the map
// grows past a small initial reservation without losing a value; a snapshot
// is an MVCC read view (updates committed after it, even while another
// thread encodes it, do not show); the working directory lives exactly as
// long as the backend or its last snapshot; with a cache of 0 or of 1 000 000
// entries, read-modify-write counters over many batches match a reference
// and are really stored in LMDB after every end_batch; writes not yet
// committed by end_batch are in the next snapshot. Inherently lmdb-only.
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/state_codec.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"

#include <cstdint>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace sluice;
namespace fs = std::filesystem;

namespace lmdb_backend_test {

namespace {

state_file_contents write_and_load(const keyed_state_snapshot& snap) {
  return backend_test::write_and_load(snap, snapshot_format::chunk_target_bytes);
}


constexpr uint32_t max_p = 128;
const key_group_range whole{0, max_p - 1};

const value_state_descriptor<int64_t> count_desc{"count"};
const value_state_descriptor<std::string> blob_desc{"blob"};

keyed_backend_options lmdb_options() {
  return backend_test::options(state_backend_kind::lmdb);
}

void select(keyed_state_backend& b, int32_t key) {
  BOOST_REQUIRE(b.set_current_key_of(key));
}

/// The key bytes of an int32_t key (what a state file holds).
std::string key_bytes(int32_t key) {
  std::string out;
  append_key_bytes(out, key);
  return out;
}

/// Entries of state `name`, decoded as T, by key bytes.
template <class T>
std::map<std::string, T> decoded(const state_file_contents& contents, const std::string& name) {
  std::map<std::string, T> result;
  for (const auto& e : contents.keyed)
    if (e.state.name == name)
      BOOST_CHECK(result.emplace(e.key, decode_value<T>(e.value, name)).second);
  return result;
}

/// 10 000 bytes, different for every (key, version).
std::string blob(int key, int version) {
  std::string result(10000, '\0');
  uint32_t x = static_cast<uint32_t>(key) * 2654435761u + static_cast<uint32_t>(version) + 1;
  for (auto& c : result) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return result;
}

} // namespace

BOOST_AUTO_TEST_SUITE(lmdb_backend_suite)

BOOST_AUTO_TEST_CASE(map_grows_past_initial_reservation) {
  auto opts = lmdb_options();
  opts.lmdb.initial_map_size = uint64_t{1} << 20;
  opts.lmdb_cache_entries = 0; // reads below go to LMDB
  keyed_state_backend b{max_p, whole, opts};
  BOOST_REQUIRE(b.store() != nullptr);
  BOOST_CHECK_EQUAL(b.store()->map_size(), uint64_t{1} << 20);
  auto& blobs = b.get_state(blob_desc);
  constexpr int n = 2000; // 2000 x 10 kB = 20 MB, 20 batches
  for (int i = 0; i < n; ++i) {
    select(b, i);
    blobs.update(blob(i, 0));
    if (i % 100 == 99)
      b.end_batch();
  }
  BOOST_CHECK_GT(b.store()->growth_count(), 0u);
  BOOST_CHECK_GE(b.store()->map_size(), uint64_t{20'000'000});
  BOOST_CHECK_EQUAL(blobs.size(), size_t{n});
  size_t wrong = 0;
  for (int i = 0; i < n; ++i) {
    select(b, i);
    wrong += blobs.value() == blob(i, 0) ? 0 : 1;
  }
  BOOST_CHECK_EQUAL(wrong, 0u);
  auto snap = b.snapshot();
  BOOST_CHECK_EQUAL(snap->num_entries(), size_t{n});
  auto contents = write_and_load(*snap);
  auto values = decoded<std::string>(contents, "blob");
  BOOST_CHECK_EQUAL(values.size(), size_t{n});
  wrong = 0;
  for (int i = 0; i < n; ++i) {
    auto it = values.find(key_bytes(i));
    wrong += it != values.end() && it->second == blob(i, 0) ? 0 : 1;
  }
  BOOST_CHECK_EQUAL(wrong, 0u);

  // A restore of the 20 MB into a fresh 1 MiB map (one batch) grows it too.
  auto opts2 = lmdb_options();
  opts2.lmdb.initial_map_size = uint64_t{1} << 20;
  opts2.lmdb_cache_entries = 0;
  keyed_state_backend restored{max_p, whole, opts2};
  backend_test::apply(restored, contents);
  auto& restored_blobs = restored.get_state(blob_desc); // claims the entries
  restored.end_batch();
  BOOST_CHECK_GT(restored.store()->growth_count(), 0u);
  BOOST_CHECK_EQUAL(restored_blobs.size(), size_t{n});
  wrong = 0;
  for (int i = 0; i < n; ++i) {
    select(restored, i);
    wrong += restored_blobs.value() == blob(i, 0) ? 0 : 1;
  }
  BOOST_CHECK_EQUAL(wrong, 0u);
}

// The map is full while a snapshot reads it: the batch waits in memory, reads
// see it, the next checkpoint is declined (io_error) instead of blocking,
// and the batch commits once the snapshot is gone.
BOOST_AUTO_TEST_CASE(map_full_while_a_snapshot_is_open) {
  auto opts = lmdb_options();
  opts.lmdb.initial_map_size = uint64_t{1} << 20;
  opts.lmdb_cache_entries = 0;
  keyed_state_backend b{max_p, whole, opts};
  auto& blobs = b.get_state(blob_desc);
  for (int i = 0; i < 20; ++i) {
    select(b, i);
    blobs.update(blob(i, 0));
  }
  b.end_batch();
  auto old_snap = b.snapshot();
  for (int i = 0; i < 300; ++i) { // 3 MB: more than the map holds
    select(b, i);
    blobs.update(blob(i, 1));
  }
  b.end_batch();
  BOOST_CHECK(b.store()->growth_pending());
  BOOST_CHECK_EQUAL(b.store()->growth_count(), 0u);
  size_t wrong = 0;
  for (int i = 0; i < 300; ++i) {
    select(b, i);
    wrong += blobs.value() == blob(i, 1) ? 0 : 1;
  }
  BOOST_CHECK_EQUAL(wrong, 0u);
  BOOST_CHECK_EXCEPTION(b.snapshot(), exception,
                        [](const exception& e) { return e.code() == ec::io_error; });
  auto old_values = decoded<std::string>(write_and_load(*old_snap), "blob");
  BOOST_CHECK_EQUAL(old_values.size(), 20u);
  wrong = 0;
  for (int i = 0; i < 20; ++i)
    wrong += old_values[key_bytes(i)] == blob(i, 0) ? 0 : 1;
  BOOST_CHECK_EQUAL(wrong, 0u);
  old_snap.reset();
  b.end_batch(); // retried: grows now
  BOOST_CHECK(!b.store()->in_batch());
  BOOST_CHECK_GT(b.store()->growth_count(), 0u);
  auto values = decoded<std::string>(write_and_load(*b.snapshot()), "blob");
  BOOST_CHECK_EQUAL(values.size(), 300u);
  wrong = 0;
  for (int i = 0; i < 300; ++i)
    wrong += values[key_bytes(i)] == blob(i, 1) ? 0 : 1;
  BOOST_CHECK_EQUAL(wrong, 0u);
}

BOOST_AUTO_TEST_CASE(snapshot_is_an_mvcc_view) {
  keyed_state_backend b{max_p, whole, lmdb_options()};
  auto& count = b.get_state(count_desc);
  std::map<std::string, int64_t> old_state;
  for (int i = 0; i < 1000; ++i) {
    select(b, i);
    count.update(i);
    old_state[key_bytes(i)] = i;
  }
  b.end_batch();
  auto snap = b.snapshot();
  // Every key changes and is committed before the snapshot is encoded.
  std::map<std::string, int64_t> new_state;
  for (int i = 0; i < 1000; ++i) {
    select(b, i);
    if (i % 10 == 0) {
      count.clear();
      continue;
    }
    count.update(i + 1'000'000);
    new_state[key_bytes(i)] = i + 1'000'000;
  }
  for (int i = 1000; i < 1100; ++i) {
    select(b, i);
    count.update(i);
    new_state[key_bytes(i)] = i;
  }
  b.end_batch();
  BOOST_CHECK(!b.store()->in_batch());
  BOOST_CHECK(decoded<int64_t>(write_and_load(*snap), "count") == old_state);

  // Encoded on another thread while the actor's thread keeps committing.
  state_file_contents from_thread;
  std::exception_ptr failure;
  std::thread writer{[&] {
    try {
      for (int round = 0; round < 3; ++round)
        from_thread = write_and_load(*snap);
    } catch (...) {
      failure = std::current_exception();
    }
  }};
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 1100; i += 3) {
      select(b, i);
      count.update(-round);
      new_state[key_bytes(i)] = -round;
    }
    b.end_batch();
  }
  writer.join();
  BOOST_REQUIRE(!failure);
  BOOST_CHECK(decoded<int64_t>(from_thread, "count") == old_state);
  snap.reset();
  BOOST_CHECK(decoded<int64_t>(write_and_load(*b.snapshot()), "count") == new_state);
}

BOOST_AUTO_TEST_CASE(working_directory_lives_with_backend_and_snapshots) {
  auto opts = lmdb_options();
  auto dir = opts.lmdb_dir;
  BOOST_CHECK(!fs::exists(dir));
  {
    keyed_state_backend b{max_p, whole, opts};
    BOOST_CHECK(fs::is_directory(dir));
    BOOST_CHECK(fs::exists(dir / "data.mdb"));
  }
  BOOST_CHECK(!fs::exists(dir));

  // A snapshot keeps the environment (and directory) after the backend.
  auto b = std::make_unique<keyed_state_backend>(max_p, whole, opts); // same path: reusable
  BOOST_CHECK(fs::is_directory(dir));
  auto& count = b->get_state(count_desc);
  std::map<std::string, int64_t> state;
  for (int i = 0; i < 50; ++i) {
    select(*b, i);
    count.update(i * i);
    state[key_bytes(i)] = i * i;
  }
  auto released = b->snapshot(); // taken and released while the backend lives
  released.reset();
  BOOST_CHECK(fs::is_directory(dir));
  auto snap = b->snapshot();
  b.reset();
  BOOST_CHECK(fs::is_directory(dir));
  BOOST_CHECK(decoded<int64_t>(write_and_load(*snap), "count") == state);
  BOOST_CHECK(fs::is_directory(dir));
  snap.reset();
  BOOST_CHECK(!fs::exists(dir));
}

BOOST_DATA_TEST_CASE(counters_match_reference_with_any_cache_size,
                     boost::unit_test::data::make({size_t{0}, size_t{1'000'000}}), cache) {
  auto opts = lmdb_options();
  opts.lmdb_cache_entries = cache;
  keyed_state_backend b{max_p, whole, opts};
  auto& count = b.get_state(count_desc); // state id 0: the first registered
  std::map<int32_t, int64_t> ref;
  std::mt19937 rng{static_cast<uint32_t>(42 + cache)};
  std::uniform_int_distribution<int32_t> pick_key{0, 299};
  std::uniform_int_distribution<int> pick_op{0, 19};
  size_t wrong_live = 0;
  size_t wrong_stored = 0;
  for (int batch = 0; batch < 20; ++batch) {
    for (int op = 0; op < 500; ++op) {
      auto key = pick_key(rng);
      select(b, key);
      switch (pick_op(rng)) {
        case 0: // remove
          count.clear();
          ref.erase(key);
          break;
        case 1: // in place, through the writable pointer
        case 2:
          if (auto* p = count.find())
            *p += 3;
          else
            count.emplace(3);
          ref[key] += 3;
          break;
        default: // read, modify, write
          count.update(count.value_or(0) + key % 7 + 1);
          ref[key] += key % 7 + 1;
      }
    }
    b.end_batch();
    BOOST_CHECK(!b.store()->in_batch());
    for (int32_t key = 0; key < 300; ++key) {
      select(b, key);
      auto it = ref.find(key);
      std::optional<int64_t> expected;
      if (it != ref.end())
        expected = it->second;
      wrong_live += count.value() == expected ? 0 : 1;
      // What LMDB itself holds (committed): key group | state id 0 | key.
      auto stored = b.store()->get(b.current_key_group(), 0, b.current_key());
      auto stored_value = stored ? std::optional<int64_t>{decode_value<int64_t>(*stored, "count")}
                                 : std::optional<int64_t>{};
      wrong_stored += stored_value == expected ? 0 : 1;
    }
    BOOST_CHECK_EQUAL(count.size(), ref.size());
  }
  BOOST_CHECK_EQUAL(wrong_live, 0u);
  BOOST_CHECK_EQUAL(wrong_stored, 0u);
  BOOST_CHECK_GT(ref.size(), 200u);

  // Writes of an unfinished batch are in the next snapshot.
  for (int32_t key = 0; key < 300; key += 2) {
    select(b, key);
    count.update(key * 1000);
    ref[key] = key * 1000;
  }
  std::map<std::string, int64_t> expected;
  for (const auto& [key, value] : ref)
    expected[key_bytes(key)] = value;
  BOOST_CHECK(decoded<int64_t>(write_and_load(*b.snapshot()), "count") == expected);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace lmdb_backend_test
