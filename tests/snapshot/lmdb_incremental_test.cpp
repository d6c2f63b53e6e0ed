// Incremental snapshots of the lmdb backend on the backend level (their
// checkpoint files: tests/checkpoint/incremental_*_test.cpp): a delta
// holds only the keys changed since the last confirmed checkpoint, with
// tombstones for removed keys; after 1% of the keys
// changed it is at most 5% of a full snapshot; base + a chain of deltas
// restores exactly (into either backend); changes of an unconfirmed
// checkpoint go into the next delta; every `full_every` deltas a full one.
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace sluice;

namespace lmdb_incremental_test {

namespace {

constexpr uint32_t max_p = 128;
const key_group_range whole{0, max_p - 1};
const value_state_descriptor<std::string> payload_desc{"payload"};
const list_state_descriptor<int64_t> list_desc{"events"};

keyed_backend_options incremental_options(uint32_t full_every = 10) {
  auto o = backend_test::options(state_backend_kind::lmdb);
  o.incremental = true;
  o.full_every = full_every;
  return o;
}

struct file {
  std::string bytes;
  state_file_contents contents;
  bool incremental = false;
};

file write(keyed_state_backend& b, uint64_t id) {
  auto snap = b.snapshot(id);
  auto w = state_file_writer::to_memory("t.state", {"op", 0, max_p, whole}, 1 << 16);
  snap->write_to(w);
  w.finish();
  file f;
  f.bytes = w.take_bytes();
  f.contents = load_state_bytes(f.bytes, "t.state");
  f.incremental = snap->incremental();
  return f;
}

using backend_test::apply;

using reference = std::map<std::string, std::string>;

void put(keyed_state_backend& b, reference& ref, const std::string& key, std::string value) {
  BOOST_REQUIRE(b.set_current_key_of(key));
  b.get_state(payload_desc).update(value);
  ref[key] = std::move(value);
}

void erase(keyed_state_backend& b, reference& ref, const std::string& key) {
  BOOST_REQUIRE(b.set_current_key_of(key));
  b.get_state(payload_desc).clear();
  ref.erase(key);
}

void check(keyed_state_backend& b, const reference& ref, int keys) {
  auto& s = b.get_state(payload_desc);
  BOOST_CHECK_EQUAL(s.size(), ref.size());
  size_t wrong = 0;
  for (int i = 0; i < keys; ++i) {
    auto key = "k" + std::to_string(i);
    BOOST_REQUIRE(b.set_current_key_of(key));
    auto it = ref.find(key);
    auto got = s.value();
    if (it == ref.end() ? got.has_value() : got != it->second)
      ++wrong;
  }
  BOOST_CHECK_EQUAL(wrong, 0u);
}

} // namespace

BOOST_AUTO_TEST_SUITE(lmdb_incremental_suite)

BOOST_AUTO_TEST_CASE(one_percent_changed_is_at_most_five_percent_of_a_full_snapshot) {
  constexpr int keys = 20'000;
  keyed_state_backend b{max_p, whole, incremental_options()};
  reference ref;
  for (int i = 0; i < keys; ++i)
    put(b, ref, "k" + std::to_string(i), std::string(64, static_cast<char>('a' + i % 26)));
  b.end_batch();
  auto full = write(b, 1);
  BOOST_CHECK(!full.incremental);
  b.notify_checkpoint_complete(1);
  for (int i = 0; i < keys / 100; ++i) // 1% of the keys
    put(b, ref, "k" + std::to_string(i * 97 % keys), std::string(64, 'z'));
  b.end_batch();
  auto delta = write(b, 2);
  BOOST_REQUIRE(delta.incremental);
  BOOST_TEST_MESSAGE("full " << full.bytes.size() << " B, delta " << delta.bytes.size() << " B");
  BOOST_CHECK_EQUAL(delta.contents.keyed.size(), static_cast<size_t>(keys / 100));
  BOOST_CHECK_LE(delta.bytes.size() * 20, full.bytes.size());
  // Without a confirmation the next snapshot still builds on checkpoint 1.
  auto again = write(b, 3);
  BOOST_CHECK(again.incremental);
  BOOST_CHECK_EQUAL(again.contents.keyed.size(), static_cast<size_t>(keys / 100));
}

BOOST_DATA_TEST_CASE(a_chain_of_ten_restores_exactly, SLUICE_BACKENDS, restore_kind) {
  constexpr int keys = 3000;
  keyed_state_backend b{max_p, whole, incremental_options(20)};
  reference ref;
  std::mt19937 rng{7};
  for (int i = 0; i < keys; i += 2)
    put(b, ref, "k" + std::to_string(i), "v0-" + std::to_string(i));
  b.end_batch();
  std::vector<file> chain;
  chain.push_back(write(b, 1));
  b.notify_checkpoint_complete(1);
  std::vector<reference> at;
  at.push_back(ref);
  for (uint64_t id = 2; id <= 11; ++id) {
    for (int n = 0; n < 150; ++n) {
      auto key = "k" + std::to_string(rng() % keys);
      if (rng() % 3 == 0)
        erase(b, ref, key);
      else
        put(b, ref, key, "v" + std::to_string(id) + "-" + std::to_string(rng()));
      if (n % 50 == 49)
        b.end_batch(); // several batches between checkpoints
    }
    b.end_batch();
    auto f = write(b, id);
    BOOST_REQUIRE_MESSAGE(f.incremental, "checkpoint " << id);
    bool tombstones = false;
    for (const auto& e : f.contents.keyed)
      tombstones = tombstones || e.deleted;
    BOOST_CHECK_MESSAGE(tombstones, "checkpoint " << id << " has no tombstone");
    chain.push_back(std::move(f));
    b.notify_checkpoint_complete(id);
    at.push_back(ref);
  }
  // Restoring the base and the first k deltas gives the state of checkpoint k + 1.
  for (size_t upto : {size_t{0}, size_t{3}, size_t{10}}) {
    keyed_state_backend r{max_p, whole, backend_test::options(restore_kind)};
    for (size_t i = 0; i <= upto; ++i)
      apply(r, chain[i].contents);
    check(r, at[upto], keys);
  }
}

BOOST_AUTO_TEST_CASE(changes_of_an_unconfirmed_checkpoint_go_into_the_next_delta) {
  keyed_state_backend b{max_p, whole, incremental_options()};
  reference ref;
  for (int i = 0; i < 100; ++i)
    put(b, ref, "k" + std::to_string(i), "a");
  b.end_batch();
  auto base = write(b, 1);
  b.notify_checkpoint_complete(1);
  put(b, ref, "k1", "b");
  erase(b, ref, "k2");
  b.end_batch();
  auto lost = write(b, 2); // never confirmed (aborted)
  BOOST_CHECK_EQUAL(lost.contents.keyed.size(), 2u);
  put(b, ref, "k3", "c");
  b.end_batch();
  auto next = write(b, 3);
  BOOST_REQUIRE(next.incremental);
  BOOST_CHECK_EQUAL(next.contents.keyed.size(), 3u); // k1, k2 (tombstone), k3
  b.notify_checkpoint_complete(3);
  keyed_state_backend r{max_p, whole, backend_test::options(state_backend_kind::lmdb)};
  apply(r, base.contents);
  apply(r, next.contents);
  check(r, ref, 100);
  // Confirmed: the next delta holds only what changed after checkpoint 3.
  put(b, ref, "k4", "d");
  b.end_batch();
  BOOST_CHECK_EQUAL(write(b, 4).contents.keyed.size(), 1u);
}

BOOST_AUTO_TEST_CASE(every_full_every_deltas_a_full_snapshot) {
  keyed_state_backend b{max_p, whole, incremental_options(3)};
  reference ref;
  std::vector<bool> kinds;
  for (uint64_t id = 1; id <= 9; ++id) {
    put(b, ref, "k" + std::to_string(id), "x");
    b.end_batch();
    kinds.push_back(write(b, id).incremental);
    b.notify_checkpoint_complete(id);
  }
  // full, 3 deltas, full, 3 deltas, full
  BOOST_CHECK((kinds == std::vector<bool>{false, true, true, true, false, true, true, true,
                                          false}));
}

BOOST_AUTO_TEST_CASE(list_state_deltas_carry_whole_lists_and_removals) {
  keyed_state_backend b{max_p, whole, incremental_options()};
  auto& l = b.get_state(list_desc);
  for (int i = 0; i < 10; ++i) {
    BOOST_REQUIRE(b.set_current_key_of(i));
    l.add(i);
  }
  b.end_batch();
  auto base = write(b, 1);
  b.notify_checkpoint_complete(1);
  BOOST_REQUIRE(b.set_current_key_of(3));
  l.add(33);
  BOOST_REQUIRE(b.set_current_key_of(4));
  l.clear();
  b.end_batch();
  auto delta = write(b, 2);
  BOOST_REQUIRE(delta.incremental);
  keyed_state_backend r{max_p, whole, backend_test::options(state_backend_kind::hashmap)};
  apply(r, base.contents);
  apply(r, delta.contents);
  auto& rl = r.get_state(list_desc);
  BOOST_REQUIRE(r.set_current_key_of(3));
  BOOST_CHECK((rl.get() == std::vector<int64_t>{3, 33}));
  BOOST_REQUIRE(r.set_current_key_of(4));
  BOOST_CHECK(rl.get().empty());
  BOOST_CHECK_EQUAL(rl.size(), 9u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace lmdb_incremental_test
