// snapshot/state_file_writer + state_file_reader: keyed state of many key
// groups with values of many sizes survives a round trip through several
// chunks; one big key group may span chunks; a reader restoring another key
// group range gets exactly those key groups; operator list state and channel
// state keep their order and sequence numbers; chunks stay near the target.
#include "snapshot/snapshot_file.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include "tests/snapshot/snapshot_test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <tuple>
#include <vector>

using namespace sluice;

namespace state_file_test {

using namespace sluice::snapshot_test;
namespace sf = sluice::snapshot_format;

namespace {

const keyed_state_meta counts{"counts", 0x1111, state_kind::value};
const keyed_state_meta names{"names", 0x2222, state_kind::list};
const keyed_state_meta index_state{"index", 0x3333, state_kind::map};

std::string value_of_size(size_t n, uint32_t seed) {
  std::string v(n, '\0');
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<char>((seed * 131 + i * 7) & 0xFF);
  return v;
}

bool entry_less(const keyed_entry& a, const keyed_entry& b) {
  return std::tie(a.state.name, a.key_group, a.key) < std::tie(b.state.name, b.key_group, b.key);
}

constexpr int entries_per_group = 2;

/// Entries of three states over all 128 key groups, values of 0 B to 100 KB:
/// about 15 MB, so at least three chunks.
std::vector<keyed_entry> many_entries() {
  const size_t sizes[] = {0, 1, 7, 8, 9, 100, 4096, 70000, 100000};
  std::vector<keyed_entry> result;
  uint32_t n = 0;
  for (uint32_t kg = 0; kg < 128; ++kg)
    for (auto* state : {&counts, &names, &index_state})
      for (int i = 0; i < entries_per_group; ++i, ++n) {
        auto size = sizes[(n * 5 + kg) % std::size(sizes)];
        result.push_back({*state, kg, "key-" + std::to_string(kg) + "-" + std::to_string(i),
                          value_of_size(size, n)});
      }
  return result;
}

size_t count_chunks(std::string_view image) {
  return read_snapshot_messages(image, "count", snapshot_file_kind::state,
                                [](capnp::MessageReader&, size_t) {});
}

} // namespace

BOOST_AUTO_TEST_SUITE(state_file)

BOOST_AUTO_TEST_CASE(keyed_round_trip_over_many_key_groups_and_chunks) {
  state_file_info info{"word-count", 3, 128, {0, 127}};
  auto entries = many_entries();
  auto w = state_file_writer::to_memory("mem", info);
  for (auto& e : entries)
    w.add_keyed_entry(e.state, e.key_group, e.key, e.value);
  auto size = w.finish();
  auto image = w.take_bytes();
  BOOST_CHECK_EQUAL(size, image.size());
  BOOST_CHECK_GE(count_chunks(image), 3u);
  // Every message stays near the chunk target (values here are small).
  size_t largest = 0;
  {
    // Walk the framing: sizes of all messages.
    auto body = std::string_view{image}.substr(sf::header_size);
    const auto* words = reinterpret_cast<const uint32_t*>(body.data());
    size_t pos = 0; // in 4-byte units
    while (pos * 4 < body.size()) {
      uint32_t segments = words[pos] + 1;
      size_t table_words = (segments + 2) / 2; // 8-byte words
      size_t total = table_words;
      for (uint32_t s = 0; s < segments; ++s)
        total += words[pos + 1 + s];
      largest = std::max(largest, total * 8);
      pos += total * 2;
    }
  }
  BOOST_CHECK_LT(largest, sf::chunk_target_bytes + 200 * 1024);

  auto back = load_state_bytes(image, "mem");
  BOOST_CHECK(back.info == info);
  BOOST_REQUIRE_EQUAL(back.keyed.size(), entries.size());
  std::sort(entries.begin(), entries.end(), entry_less);
  std::sort(back.keyed.begin(), back.keyed.end(), entry_less);
  BOOST_CHECK(back.keyed == entries);
  BOOST_CHECK(back.operator_lists.empty());
  BOOST_CHECK(back.channel_batches.empty());
}

BOOST_AUTO_TEST_CASE(large_key_group_spans_chunks_in_order) {
  state_file_info info{"op", 0, 4, {0, 3}};
  auto w = state_file_writer::to_memory("mem", info, 1024);
  std::vector<std::string> keys;
  for (int i = 0; i < 500; ++i) {
    keys.push_back("k" + std::to_string(i));
    w.add_keyed_entry(counts, 2, keys.back(), value_of_size(i % 50, i));
  }
  w.finish();
  auto image = w.take_bytes();
  BOOST_CHECK_GE(count_chunks(image), 10u);
  auto back = load_state_bytes(image, "mem");
  BOOST_REQUIRE_EQUAL(back.keyed.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    BOOST_CHECK_EQUAL(back.keyed[i].key, keys[i]);
    BOOST_CHECK_EQUAL(back.keyed[i].key_group, 2u);
    BOOST_CHECK_EQUAL(back.keyed[i].value, value_of_size(i % 50, static_cast<uint32_t>(i)));
  }
}

BOOST_AUTO_TEST_CASE(restore_of_another_range_gets_exactly_its_key_groups) {
  scratch_dir dir;
  state_file_info info{"op", 0, 128, {0, 127}};
  auto entries = many_entries();
  auto w = state_file_writer::to_file(dir / "op-0.state", info, 64 * 1024);
  for (auto& e : entries)
    w.add_keyed_entry(e.state, e.key_group, e.key, e.value);
  w.finish();
  // Rescale 1 -> 4: subtask 1 of 4 owns [32, 63].
  auto range = key_group_range_for_operator(128, 4, 1);
  auto back = load_state_file(dir / "op-0.state", range);
  std::vector<keyed_entry> expected;
  for (auto& e : entries)
    if (range.contains(e.key_group))
      expected.push_back(e);
  std::sort(expected.begin(), expected.end(), entry_less);
  std::sort(back.keyed.begin(), back.keyed.end(), entry_less);
  BOOST_CHECK_EQUAL(back.keyed.size(), 32u * 3u * entries_per_group);
  BOOST_CHECK(back.keyed == expected);
}

BOOST_AUTO_TEST_CASE(operator_list_and_channel_state_sections) {
  state_file_info info{"source", 1, 128, key_group_range::empty_range()};
  auto w = state_file_writer::to_memory("mem", info, 256);
  std::vector<operator_list_item> lists;
  std::vector<channel_batch> batches;
  auto add_item = [&](std::string state, std::string item) {
    w.add_operator_list_item(state, item);
    lists.push_back({state, item});
  };
  auto add_batch = [&](channel_direction d, uint32_t ch, uint64_t seq, std::string bytes) {
    w.add_channel_batch(d, ch, seq, bytes);
    batches.push_back({d, ch, seq, bytes});
  };
  add_item("offsets", "partition-0:4711");
  add_item("offsets", "");
  add_item("pending", std::string(300, 'p')); // larger than a chunk
  for (int i = 0; i < 40; ++i)
    add_item("offsets", "partition-" + std::to_string(i));
  for (uint64_t seq = 10; seq < 30; ++seq)
    add_batch(channel_direction::input, 0, seq, value_of_size(seq * 3, 1));
  add_batch(channel_direction::output, 2, 0, "out-0");
  add_batch(channel_direction::output, 2, 1, "out-1");
  add_batch(channel_direction::input, 1, 5, "gap-5");
  add_batch(channel_direction::input, 1, 7, "gap-7"); // a gap starts a new run
  add_batch(channel_direction::input, 0, 30, "");     // empty batch kept
  w.finish();
  auto image = w.take_bytes();
  BOOST_CHECK_GE(count_chunks(image), 3u);
  auto back = load_state_bytes(image, "mem");
  BOOST_CHECK(back.info == info);
  BOOST_CHECK(back.keyed.empty());
  // Items of one state keep their order, batches of one channel too.
  auto items_of = [](const std::vector<operator_list_item>& v, const std::string& state) {
    std::vector<std::string> r;
    for (auto& i : v)
      if (i.state == state)
        r.push_back(i.item);
    return r;
  };
  BOOST_CHECK(items_of(back.operator_lists, "offsets") == items_of(lists, "offsets"));
  BOOST_CHECK(items_of(back.operator_lists, "pending") == items_of(lists, "pending"));
  BOOST_CHECK_EQUAL(back.operator_lists.size(), lists.size());
  auto batches_of = [](const std::vector<channel_batch>& v, channel_direction d, uint32_t ch) {
    std::vector<channel_batch> r;
    for (auto& b : v)
      if (b.direction == d && b.channel == ch)
        r.push_back(b);
    return r;
  };
  BOOST_CHECK_EQUAL(back.channel_batches.size(), batches.size());
  for (auto [d, ch] : {std::pair{channel_direction::input, 0u},
                       std::pair{channel_direction::input, 1u},
                       std::pair{channel_direction::output, 2u}})
    BOOST_CHECK(batches_of(back.channel_batches, d, ch) == batches_of(batches, d, ch));
}

BOOST_AUTO_TEST_CASE(all_sections_together_and_empty_file) {
  state_file_info info{"op", 2, 16, {8, 11}};
  auto w = state_file_writer::to_memory("mem", info);
  w.add_keyed_entry(counts, 9, "a", "1");
  w.add_operator_list_item("offsets", "o");
  w.add_channel_batch(channel_direction::output, 4, 99, "b");
  w.finish();
  auto image = w.take_bytes();
  BOOST_CHECK_EQUAL(count_chunks(image), 1u);
  auto back = load_state_bytes(image, "mem");
  BOOST_CHECK((back.keyed == std::vector<keyed_entry>{{counts, 9, "a", "1"}}));
  BOOST_CHECK((back.operator_lists == std::vector<operator_list_item>{{"offsets", "o"}}));
  BOOST_CHECK((back.channel_batches
               == std::vector<channel_batch>{{channel_direction::output, 4, 99, "b"}}));

  auto empty = state_file_writer::to_memory("empty", info);
  empty.finish();
  auto empty_image = empty.take_bytes();
  BOOST_CHECK_EQUAL(count_chunks(empty_image), 1u);
  auto empty_back = load_state_bytes(empty_image, "empty");
  BOOST_CHECK(empty_back.info == info);
  BOOST_CHECK(empty_back.keyed.empty());
}

BOOST_AUTO_TEST_CASE(item_over_the_limit_is_refused_with_the_file_name) {
  auto w = state_file_writer::to_memory("big.state", {"op", 0, 8, {0, 7}});
  std::string huge(sf::max_item_bytes + 1, 'x');
  try {
    w.add_operator_list_item("s", huge);
    BOOST_ERROR("no exception");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::io_error);
    BOOST_CHECK(std::string{e.what()}.starts_with("big.state: operator list item of "));
  }
}

BOOST_AUTO_TEST_CASE(key_group_outside_the_range_is_refused_on_write) {
  auto w = state_file_writer::to_memory("kg.state", {"op", 0, 128, {0, 31}});
  try {
    w.add_keyed_entry(counts, 32, "k", "v");
    BOOST_ERROR("no exception");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::io_error);
    BOOST_CHECK_EQUAL(std::string{e.what()},
                      "kg.state: key group 32 of state 'counts' outside the subtask's key groups");
  }
}

BOOST_AUTO_TEST_CASE(visitor_sees_info_first_and_may_abort) {
  auto w = state_file_writer::to_memory("mem", {"op", 0, 8, {0, 7}});
  w.add_keyed_entry(counts, 1, "a", "1");
  w.add_keyed_entry(counts, 2, "b", "2");
  w.finish();
  auto image = w.take_bytes();
  struct aborting : state_file_visitor {
    bool saw_info = false;
    void on_file_info(const state_file_info&) override {
      saw_info = true;
    }
    void on_keyed_entry(const keyed_state_meta& s, uint32_t, std::string_view,
                        std::string_view) override {
      BOOST_CHECK(saw_info);
      throw sluice::exception(ec::state_type_mismatch, "state '" + s.name + "' mismatch");
    }
  } v;
  try {
    read_state_bytes(image, "mem", v);
    BOOST_ERROR("no exception");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::state_type_mismatch); // passes through unchanged
  }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace state_file_test
