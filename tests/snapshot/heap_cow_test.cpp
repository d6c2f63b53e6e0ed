// Copy-on-write snapshots of the hashmap backend (heap_table.hpp): the
// synchronous part of a snapshot copies nothing; while a snapshot is alive,
// the first change of an existing entry copies that one entry (counted by
// copied_entries(), once per entry however often it changes), removals and
// new keys copy nothing, reads copy nothing (except map_state's non-const
// get, which hands out a writable pointer); the held snapshot encodes
// exactly the state at its synchronous part while the live state moves on;
// overlapping snapshots each encode their own state; with no snapshot alive
// nothing is ever copied. Inherently hashmap-only (lmdb copies nothing: its
// snapshot is an LMDB read transaction).
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/state_codec.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace sluice;

namespace {

state_file_contents write_and_load(const keyed_state_snapshot& snap) {
  return backend_test::write_and_load(snap, 64 * 1024);
}


constexpr uint32_t max_p = 128;
const key_group_range whole{0, max_p - 1};

const value_state_descriptor<int64_t> count_desc{"count"};
const list_state_descriptor<int64_t> events_desc{"events"};
const map_state_descriptor<int32_t, std::string> attrs_desc{"attrs"};

using list_t = std::vector<int64_t>;
using attrs_t = std::map<int32_t, std::string>;

keyed_state_backend make_backend() {
  return keyed_state_backend{max_p, whole, backend_test::options(state_backend_kind::hashmap)};
}

std::string key_of(int i) {
  return "k" + std::to_string(i);
}

void select(keyed_state_backend& b, const std::string& key) {
  BOOST_REQUIRE(b.set_current_key_of(key));
}

/// The entries of state `name` in `snap`, decoded as `Stored` (the encoded
/// form) and converted to `T`; a key appearing twice fails the test.
template <class Stored, class T = Stored>
std::map<std::string, T> encoded_state(const keyed_state_snapshot& snap, const std::string& name) {
  std::map<std::string, T> result;
  for (const auto& e : write_and_load(snap).keyed) {
    if (e.state.name != name)
      continue;
    auto decoded = decode_value<Stored>(e.value, name);
    bool inserted = result.emplace(e.key, T(decoded.begin(), decoded.end())).second;
    BOOST_CHECK_MESSAGE(inserted, "key " << e.key << " twice in the snapshot of " << name);
  }
  return result;
}

std::map<std::string, int64_t> encoded_counts(const keyed_state_snapshot& snap) {
  std::map<std::string, int64_t> result;
  for (const auto& e : write_and_load(snap).keyed)
    if (e.state.name == "count")
      BOOST_CHECK(result.emplace(e.key, decode_value<int64_t>(e.value, "count")).second);
  return result;
}

/// Every live entry of a state, over all key groups, converted to `T`.
template <class T, class State>
std::map<std::string, T> live_state(State& state) {
  std::map<std::string, T> result;
  for (uint32_t kg = 0; kg < max_p; ++kg)
    state.for_each_in_key_group(kg, [&](std::string_view key, const auto& v) {
      if constexpr (std::is_same_v<T, attrs_t>)
        result.emplace(std::string{key}, T(v.begin(), v.end()));
      else
        result.emplace(std::string{key}, v);
    });
  return result;
}

/// Checks the live value state against `expected`, through per-key reads
/// (value()) and through a full iteration.
void check_live_counts(keyed_state_backend& b, const std::map<std::string, int64_t>& expected) {
  auto& count = b.get_state(count_desc);
  BOOST_CHECK(live_state<int64_t>(count) == expected);
  BOOST_CHECK_EQUAL(count.size(), expected.size());
  size_t wrong = 0;
  for (const auto& [key, value] : expected) {
    select(b, key);
    wrong += count.value() == value ? 0 : 1;
  }
  BOOST_CHECK_EQUAL(wrong, 0u);
}

} // namespace

BOOST_AUTO_TEST_SUITE(heap_cow_suite)

BOOST_AUTO_TEST_CASE(value_state_copies_each_changed_entry_once) {
  auto b = make_backend();
  auto& count = b.get_state(count_desc);
  std::map<std::string, int64_t> before;
  for (int i = 0; i < 10000; ++i) {
    select(b, key_of(i));
    count.update(i);
    before[key_of(i)] = i;
  }
  BOOST_CHECK_EQUAL(b.copied_entries(), 0u);
  auto snap = b.snapshot();
  BOOST_CHECK_EQUAL(b.copied_entries(), 0u); // the synchronous part copies nothing
  BOOST_CHECK_EQUAL(snap->num_entries(), 10000u);
  auto after = before;
  for (int j = 0; j < 100; ++j) { // 100 distinct existing keys: one copy each
    auto i = j * 37;
    select(b, key_of(i));
    count.update(-i);
    after[key_of(i)] = -i;
  }
  BOOST_CHECK_EQUAL(b.copied_entries(), 100u);
  for (int j = 0; j < 20; ++j) { // changed again: already copied
    auto i = j * 37;
    select(b, key_of(i));
    *count.find() -= 1;
    after[key_of(i)] = -i - 1;
  }
  for (int j = 0; j < 100; ++j) { // reads copy nothing
    select(b, key_of(5000 + j));
    BOOST_CHECK_EQUAL(count.value_or(-1), 5000 + j);
  }
  for (int j = 0; j < 10; ++j) { // removals leave tombstones, no copies
    select(b, key_of(9000 + j));
    count.clear();
    after.erase(key_of(9000 + j));
  }
  for (int j = 0; j < 5; ++j) { // new keys: no copies
    select(b, key_of(10000 + j));
    count.update(77);
    after[key_of(10000 + j)] = 77;
  }
  BOOST_CHECK_EQUAL(b.copied_entries(), 100u);
  BOOST_CHECK(encoded_counts(*snap) == before);
  check_live_counts(b, after);
  BOOST_CHECK_EQUAL(b.copied_entries(), 100u); // check_live_counts only read

  // Released: changes until the next snapshot copy nothing ...
  snap.reset();
  for (int j = 0; j < 50; ++j) {
    auto i = j * 3 + 1;
    select(b, key_of(i));
    count.update(1000 + i);
    after[key_of(i)] = 1000 + i;
  }
  BOOST_CHECK_EQUAL(b.copied_entries(), 100u);
  check_live_counts(b, after);
  // ... and a new snapshot counts only what changes while it lives.
  auto snap2 = b.snapshot();
  auto at_snap2 = after;
  BOOST_CHECK_EQUAL(b.copied_entries(), 100u);
  for (int round = 0; round < 2; ++round)
    for (int j = 0; j < 30; ++j) {
      auto i = j * 11 + 2;
      select(b, key_of(i));
      count.update(round * 100000 + i);
      after[key_of(i)] = round * 100000 + i;
    }
  BOOST_CHECK_EQUAL(b.copied_entries(), 130u);
  BOOST_CHECK(encoded_counts(*snap2) == at_snap2);
  check_live_counts(b, after);
  snap2.reset();
  check_live_counts(b, after); // merged back
}

BOOST_AUTO_TEST_CASE(overlapping_snapshots_encode_their_own_state) {
  auto b = make_backend();
  auto& count = b.get_state(count_desc);
  std::map<std::string, int64_t> ref;
  auto set = [&](int i, int64_t v) {
    select(b, key_of(i));
    count.update(v);
    ref[key_of(i)] = v;
  };
  auto erase = [&](int i) {
    select(b, key_of(i));
    count.clear();
    ref.erase(key_of(i));
  };
  for (int i = 0; i < 1000; ++i)
    set(i, i);
  auto s1 = b.snapshot();
  auto st1 = ref;
  for (int i = 0; i < 100; ++i) // copies 0..99
    set(i, i + 1000);
  for (int i = 100; i < 110; ++i)
    erase(i);
  for (int i = 20000; i < 20005; ++i)
    set(i, 5);
  BOOST_CHECK_EQUAL(b.copied_entries(), 100u);
  auto s2 = b.snapshot(); // s1 still alive
  auto st2 = ref;
  BOOST_CHECK_EQUAL(b.copied_entries(), 100u);
  // 50..99 changed under s1 already: copied again for s2's layer; 100..109
  // were removed: setting them inserts (no copy); 110..149 are copies.
  for (int i = 50; i < 150; ++i)
    set(i, i + 2000);
  for (int i = 500; i < 510; ++i)
    erase(i);
  BOOST_CHECK_EQUAL(b.copied_entries(), 190u);
  BOOST_CHECK(encoded_counts(*s1) == st1);
  BOOST_CHECK(encoded_counts(*s2) == st2);
  check_live_counts(b, ref);
  s1.reset(); // s2 still holds the layers
  for (int i = 0; i < 10; ++i)
    set(i, -i);
  BOOST_CHECK_EQUAL(b.copied_entries(), 200u);
  BOOST_CHECK(encoded_counts(*s2) == st2);
  check_live_counts(b, ref);
  // A third snapshot while s2 lives stacks one more layer.
  auto s3 = b.snapshot();
  auto st3 = ref;
  for (int i = 0; i < 20; ++i)
    set(i, 30000 + i);
  BOOST_CHECK_EQUAL(b.copied_entries(), 220u);
  s2.reset();
  BOOST_CHECK(encoded_counts(*s3) == st3);
  s3.reset();
  for (int i = 0; i < 1000; i += 7)
    set(i, 7);
  BOOST_CHECK_EQUAL(b.copied_entries(), 220u); // merged: changes in place
  check_live_counts(b, ref);
  BOOST_CHECK(encoded_counts(*b.snapshot()) == ref);
}

BOOST_AUTO_TEST_CASE(list_state_copy_on_write) {
  auto b = make_backend();
  auto& events = b.get_state(events_desc);
  std::map<std::string, list_t> ref;
  for (int i = 0; i < 2000; ++i) {
    select(b, key_of(i));
    for (int j = 0; j <= i % 3; ++j) {
      events.add(i * 10 + j);
      ref[key_of(i)].push_back(i * 10 + j);
    }
  }
  auto snap = b.snapshot();
  auto before = ref;
  BOOST_CHECK_EQUAL(b.copied_entries(), 0u);
  for (int i = 0; i < 100; ++i) { // add: copies; the first 30 twice
    for (int round = 0; round < (i < 30 ? 2 : 1); ++round) {
      select(b, key_of(i));
      events.add(-i - round);
      ref[key_of(i)].push_back(-i - round);
    }
  }
  for (int i = 100; i < 120; ++i) { // update with a non-empty list: copies
    select(b, key_of(i));
    events.update({1, 2});
    ref[key_of(i)] = {1, 2};
  }
  for (int i = 500; i < 600; ++i) { // reads: no copies
    select(b, key_of(i));
    BOOST_CHECK(events.get() == ref[key_of(i)]);
    BOOST_CHECK(!events.is_empty());
  }
  for (int i = 1000; i < 1010; ++i) { // update({}) removes: no copies
    select(b, key_of(i));
    events.update({});
    ref.erase(key_of(i));
  }
  for (int i = 1010; i < 1015; ++i) { // clear: no copies
    select(b, key_of(i));
    events.clear();
    ref.erase(key_of(i));
  }
  for (int i = 5000; i < 5005; ++i) { // new keys: no copies
    select(b, key_of(i));
    events.add(i);
    ref[key_of(i)] = {i};
  }
  BOOST_CHECK_EQUAL(b.copied_entries(), 120u);
  BOOST_CHECK(encoded_state<list_t>(*snap, "events") == before);
  BOOST_CHECK(live_state<list_t>(events) == ref);
  BOOST_CHECK_EQUAL(events.size(), ref.size());
  snap.reset();
  BOOST_CHECK(live_state<list_t>(events) == ref);
  BOOST_CHECK(encoded_state<list_t>(*b.snapshot(), "events") == ref);
}

BOOST_AUTO_TEST_CASE(map_state_copy_on_write) {
  auto b = make_backend();
  auto& attrs = b.get_state(attrs_desc);
  std::map<std::string, attrs_t> ref;
  for (int i = 0; i < 2000; ++i) {
    select(b, key_of(i));
    for (int j = 0; j <= i % 3; ++j) {
      attrs.put(j, "v" + std::to_string(i) + "-" + std::to_string(j));
      ref[key_of(i)][j] = "v" + std::to_string(i) + "-" + std::to_string(j);
    }
  }
  auto snap = b.snapshot();
  auto before = ref;
  for (int i = 0; i < 20; ++i) { // non-const get hands out a writable pointer: copies
    select(b, key_of(i));
    auto* v = attrs.get(0);
    BOOST_REQUIRE(v != nullptr);
    if (i < 10) {
      *v = "changed";
      ref[key_of(i)][0] = "changed";
    }
  }
  BOOST_CHECK_EQUAL(b.copied_entries(), 20u);
  for (int i = 100; i < 150; ++i) { // const reads: no copies
    select(b, key_of(i));
    const auto& const_attrs = attrs;
    BOOST_CHECK(const_attrs.get(0) != nullptr && *const_attrs.get(0) == ref[key_of(i)][0]);
    BOOST_CHECK(attrs.contains(0));
    BOOST_CHECK(!attrs.contains(99));
    BOOST_CHECK_EQUAL(attrs.count(), ref[key_of(i)].size());
    BOOST_CHECK(attrs_t(attrs.entries().begin(), attrs.entries().end()) == ref[key_of(i)]);
  }
  BOOST_CHECK_EQUAL(b.copied_entries(), 20u);
  for (int i = 200; i < 230; ++i) { // put on an existing map: copies (twice: once)
    select(b, key_of(i));
    attrs.put(7, "seven");
    attrs.put(8, "eight");
    ref[key_of(i)][7] = "seven";
    ref[key_of(i)][8] = "eight";
  }
  for (int i = 300; i < 310; ++i) { // removing an absent user key: no copy
    select(b, key_of(i));
    BOOST_CHECK(!attrs.remove(42));
  }
  for (int i = 402; i < 432; i += 3) { // i % 3 == 0: one mapping; removing it copies
    select(b, key_of(i));
    BOOST_CHECK(attrs.remove(0));
    BOOST_CHECK(attrs.is_empty());
    ref.erase(key_of(i));
  }
  for (int i = 500; i < 505; ++i) { // clear: no copies
    select(b, key_of(i));
    attrs.clear();
    ref.erase(key_of(i));
  }
  for (int i = 9000; i < 9005; ++i) { // new keys: no copies
    select(b, key_of(i));
    attrs.put(1, "new");
    ref[key_of(i)][1] = "new";
  }
  BOOST_CHECK_EQUAL(b.copied_entries(), 60u);
  using encoded = std::vector<std::pair<int32_t, std::string>>;
  BOOST_CHECK((encoded_state<encoded, attrs_t>(*snap, "attrs") == before));
  BOOST_CHECK(live_state<attrs_t>(attrs) == ref);
  BOOST_CHECK_EQUAL(attrs.size(), ref.size());
  snap.reset();
  BOOST_CHECK(live_state<attrs_t>(attrs) == ref);
  BOOST_CHECK((encoded_state<encoded, attrs_t>(*b.snapshot(), "attrs") == ref));
}

BOOST_AUTO_TEST_CASE(nothing_is_copied_without_a_live_snapshot) {
  auto b = make_backend();
  auto& count = b.get_state(count_desc);
  auto& events = b.get_state(events_desc);
  auto& attrs = b.get_state(attrs_desc);
  std::map<std::string, int64_t> ref;
  auto churn = [&](int round) {
    for (int i = 0; i < 3000; ++i) {
      select(b, key_of(i));
      if ((i + round) % 5 == 0) {
        count.clear();
        ref.erase(key_of(i));
      } else {
        count.update(i * round);
        ref[key_of(i)] = i * round;
      }
      events.add(i);
      attrs.put(round, "r");
      if (auto* v = attrs.get(round))
        *v = "w";
    }
  };
  churn(1);
  BOOST_CHECK_EQUAL(b.copied_entries(), 0u);
  // A snapshot that is gone before the next change leaves nothing to copy.
  auto snap = b.snapshot();
  BOOST_CHECK_EQUAL(encoded_counts(*snap).size(), ref.size());
  snap.reset();
  churn(2);
  churn(3);
  BOOST_CHECK_EQUAL(b.copied_entries(), 0u);
  check_live_counts(b, ref);
  select(b, key_of(1));
  BOOST_CHECK((events.get() == list_t{1, 1, 1}));
  BOOST_CHECK_EQUAL(attrs.count(), 3u);
  BOOST_CHECK_EQUAL(*std::as_const(attrs).get(2), "w");
}

BOOST_AUTO_TEST_SUITE_END()
