// snapshot/state_file_writer + state_file_reader, tombstones (deleted keys of
// an incremental checkpoint's delta file): entries and tombstones of several
// states mixed in one key group survive a round trip through many chunks in
// written order, also through the visitor and the key group filter; a file
// without tombstones reads deleted = false everywhere; a forged tombstone
// that carries a value is refused as a corrupt file naming the file; the
// writer checks tombstones like entries.
#include "snapshot/snapshot_file.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include "snapshot.capnp.h"

#include "tests/snapshot/snapshot_test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <tuple>
#include <vector>

#include <capnp/message.h>

using namespace sluice;

namespace state_file_tombstone_test {

using namespace sluice::snapshot_test;

namespace {

const keyed_state_meta counts{"counts", 0x1111, state_kind::value};
const keyed_state_meta names{"names", 0x2222, state_kind::list};
const keyed_state_meta index_state{"index", 0x3333, state_kind::map};

size_t count_chunks(std::string_view image) {
  return read_snapshot_messages(image, "count", snapshot_file_kind::state,
                                [](capnp::MessageReader&, size_t) {});
}

/// Orders by state and key group only: with a stable sort, the entries of
/// one (state, key group) keep their file order, which the format promises.
bool group_less(const keyed_entry& a, const keyed_entry& b) {
  return std::tie(a.state.name, a.key_group) < std::tie(b.state.name, b.key_group);
}

/// Three states over key groups 0..15: per group and state, six items on
/// four keys, two of them tombstones, so a key is written then deleted, or
/// deleted then written again (the order matters on restore).
std::vector<keyed_entry> mixed_delta() {
  std::vector<keyed_entry> result;
  for (uint32_t kg = 0; kg < 16; ++kg)
    for (auto* state : {&counts, &names, &index_state})
      for (int i = 0; i < 6; ++i) {
        auto key = "k" + std::to_string(kg) + "-" + std::to_string(i % 4);
        bool deleted = (i + kg) % 3 == 1;
        auto value = deleted ? std::string{} : std::string(10 + (i * 37 + kg) % 90, 'a' + i);
        result.push_back({*state, kg, key, value, deleted});
      }
  return result;
}

std::string write_all(const std::vector<keyed_entry>& entries, size_t chunk_target) {
  auto w = state_file_writer::to_memory("delta", {"op", 1, 16, {0, 15}}, chunk_target);
  for (auto& e : entries)
    if (e.deleted)
      w.add_keyed_tombstone(e.state, e.key_group, e.key);
    else
      w.add_keyed_entry(e.state, e.key_group, e.key, e.value);
  w.finish();
  return w.take_bytes();
}

/// A one-chunk state file built by hand: state "counts", key group 3 holds
/// an entry, then a tombstone whose value is `tombstone_value`.
std::string forged_file(std::string_view name, std::string_view tombstone_value) {
  capnp::MallocMessageBuilder message;
  auto keyed = message.initRoot<schema::StateFileChunk>().initKeyed();
  keyed.setOperatorUid("op");
  keyed.setSubtask(0);
  keyed.setMaxParallelism(8);
  keyed.setKeyGroupFirst(0);
  keyed.setKeyGroupLast(7);
  auto section = keyed.initSections(1)[0];
  section.setName("counts");
  section.setTypeFingerprint(0x1111);
  section.setKind(schema::StateKind::VALUE);
  auto group = section.initKeyGroups(1)[0];
  group.setId(3);
  auto entries = group.initEntries(2);
  auto bytes = [](std::string_view s) {
    return capnp::Data::Reader{reinterpret_cast<const kj::byte*>(s.data()), s.size()};
  };
  entries[0].setKey(bytes("alive"));
  entries[0].setValue(bytes("1"));
  entries[1].setKey(bytes("gone"));
  entries[1].setDeleted(true);
  if (!tombstone_value.empty())
    entries[1].setValue(bytes(tombstone_value));
  auto w = snapshot_file_writer::to_memory(std::string{name}, snapshot_file_kind::state);
  w.write_message(message);
  w.finish();
  return w.take_bytes();
}

} // namespace

BOOST_AUTO_TEST_SUITE(state_file)

BOOST_AUTO_TEST_CASE(tombstones_round_trip_mixed_with_entries_across_chunks_and_states) {
  auto entries = mixed_delta();
  auto image = write_all(entries, 512);
  BOOST_CHECK_GE(count_chunks(image), 10u);
  auto back = load_state_bytes(image, "delta");
  BOOST_REQUIRE_EQUAL(back.keyed.size(), entries.size());
  std::stable_sort(entries.begin(), entries.end(), group_less);
  std::stable_sort(back.keyed.begin(), back.keyed.end(), group_less);
  BOOST_CHECK(back.keyed == entries);
  auto tombstones = std::count_if(back.keyed.begin(), back.keyed.end(),
                                  [](const keyed_entry& e) { return e.deleted; });
  BOOST_CHECK_EQUAL(tombstones, 16 * 3 * 2);
  for (auto& e : back.keyed)
    if (e.deleted)
      BOOST_CHECK(e.value.empty());

  // One chunk holding everything reads the same.
  auto whole = load_state_bytes(write_all(entries, 1 << 20), "delta");
  std::stable_sort(whole.keyed.begin(), whole.keyed.end(), group_less);
  BOOST_CHECK(whole.keyed == entries);
}

BOOST_AUTO_TEST_CASE(tombstones_reach_the_visitor_filtered_by_key_group) {
  auto entries = mixed_delta();
  auto image = write_all(entries, 700);
  struct counting : state_file_visitor {
    std::vector<keyed_entry> seen;
    void on_keyed_entry(const keyed_state_meta& s, uint32_t kg, std::string_view key,
                        std::string_view value) override {
      seen.push_back({s, kg, std::string{key}, std::string{value}, false});
    }
    void on_keyed_tombstone(const keyed_state_meta& s, uint32_t kg,
                            std::string_view key) override {
      seen.push_back({s, kg, std::string{key}, std::string{}, true});
    }
  } v;
  key_group_range wanted{4, 7};
  read_state_bytes(image, "delta", v, wanted);
  std::vector<keyed_entry> expected;
  for (auto& e : entries)
    if (wanted.contains(e.key_group))
      expected.push_back(e);
  std::stable_sort(expected.begin(), expected.end(), group_less);
  std::stable_sort(v.seen.begin(), v.seen.end(), group_less);
  BOOST_CHECK_EQUAL(v.seen.size(), 4u * 3u * 6u);
  BOOST_CHECK(v.seen == expected);

  // A visitor that does not override on_keyed_tombstone sees only entries.
  struct entries_only : state_file_visitor {
    size_t n = 0;
    void on_keyed_entry(const keyed_state_meta&, uint32_t, std::string_view,
                        std::string_view) override {
      ++n;
    }
  } e;
  read_state_bytes(image, "delta", e);
  BOOST_CHECK_EQUAL(e.n, 16u * 3u * 4u);
}

BOOST_AUTO_TEST_CASE(file_without_tombstones_reads_not_deleted_everywhere) {
  std::vector<keyed_entry> entries;
  for (uint32_t kg = 0; kg < 16; ++kg)
    for (auto* state : {&counts, &names})
      for (int i = 0; i < 5; ++i) // empty values included: not tombstones
        entries.push_back({*state, kg, "key" + std::to_string(i), std::string(i * 3, 'v')});
  auto image = write_all(entries, 256);
  BOOST_CHECK_GE(count_chunks(image), 5u);
  auto back = load_state_bytes(image, "full");
  BOOST_REQUIRE_EQUAL(back.keyed.size(), entries.size());
  for (auto& e : back.keyed)
    BOOST_CHECK(!e.deleted);
  std::stable_sort(back.keyed.begin(), back.keyed.end(), group_less);
  std::stable_sort(entries.begin(), entries.end(), group_less);
  BOOST_CHECK(back.keyed == entries);

  // A hand-built file whose entries never set `deleted` (as before the
  // field existed) reads the same way; its tombstone is a tombstone.
  auto forged = load_state_bytes(forged_file("ok.state", ""), "ok.state");
  BOOST_CHECK((forged.keyed
               == std::vector<keyed_entry>{{counts, 3, "alive", "1", false},
                                           {counts, 3, "gone", "", true}}));
}

BOOST_AUTO_TEST_CASE(tombstone_with_a_value_is_a_corrupt_file) {
  auto image = forged_file("bad.state", "resurrected");
  std::string detail;
  auto result =
    run_expecting_corrupt([&] { load_state_bytes(image, "chk-4/op-0.state"); },
                          "chk-4/op-0.state", detail);
  BOOST_CHECK_MESSAGE(result == outcome::corrupt_file_named, detail);
  try {
    load_state_bytes(image, "chk-4/op-0.state");
  } catch (const sluice::exception& e) {
    BOOST_CHECK_EQUAL(std::string{e.what()},
                      "chk-4/op-0.state: chunk 0: tombstone of state 'counts' in key group 3 "
                      "has a value of 11 bytes");
  }
  // The same from disk. A restore that filters key group 3 out does not look
  // at its items (as for entries) and reads the rest.
  scratch_dir dir;
  spit(dir / "op-0.state", image);
  auto file = (dir / "op-0.state").string();
  result = run_expecting_corrupt([&] { load_state_file(file); }, file, detail);
  BOOST_CHECK_MESSAGE(result == outcome::corrupt_file_named, detail);
  BOOST_CHECK(load_state_file(file, key_group_range{4, 7}).keyed.empty());
}

BOOST_AUTO_TEST_CASE(tombstone_is_checked_like_an_entry_on_write) {
  auto w = state_file_writer::to_memory("kg.state", {"op", 0, 128, {0, 31}});
  try {
    w.add_keyed_tombstone(counts, 32, "k");
    BOOST_ERROR("no exception");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::io_error);
    BOOST_CHECK_EQUAL(std::string{e.what()},
                      "kg.state: key group 32 of state 'counts' outside the subtask's key groups");
  }
  try {
    w.add_keyed_tombstone(counts, 1, std::string(snapshot_format::max_item_bytes + 1, 'k'));
    BOOST_ERROR("no exception");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::io_error);
    BOOST_CHECK(std::string{e.what()}.starts_with("kg.state: keyed tombstone of "));
  }
  // The writer stays usable.
  w.add_keyed_tombstone(counts, 1, "k");
  w.finish();
  auto back = load_state_bytes(w.take_bytes(), "kg.state");
  BOOST_CHECK((back.keyed == std::vector<keyed_entry>{{counts, 1, "k", "", true}}));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace state_file_tombstone_test
