// The "Format" test of issue 4 (DESIGN.md invariant 6): a small `_metadata`
// and a small state file (three chunks, all three sections), truncated at
// every offset and with every byte changed by several bit patterns, always
// fail with ec::corrupt_file naming the file -- never a crash, a hang, another
// exception or a silent partial read. Then the same changes with the header
// resealed (length and CRCs recomputed), so Cap'n Proto's parser and our
// validation see the damage: they must reject it cleanly or yield data that
// passes validation. Run under ASan/UBSan: see docs/testing.md ("Sanitizers").
#include "snapshot/checkpoint_metadata.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include "tests/snapshot/snapshot_test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

using namespace sluice;

namespace snapshot_corruption_test {

using namespace sluice::snapshot_test;
namespace sf = sluice::snapshot_format;

namespace {

const unsigned char patterns[] = {0x01, 0x80, 0xFF, 0x5A};

std::string small_state_file() {
  auto w = state_file_writer::to_memory("s", {"counts", 1, 16, {4, 7}}, 400);
  keyed_state_meta counts{"counts", 0xABCDEF, state_kind::value};
  for (uint32_t kg = 4; kg <= 7; ++kg)
    w.add_keyed_entry(counts, kg, "key" + std::to_string(kg), std::string(kg, 'v'));
  w.add_operator_list_item("offsets", "p0:42");
  w.add_channel_batch(channel_direction::input, 3, 17, "batch-17");
  w.add_channel_batch(channel_direction::output, 0, 2, "out");
  w.finish();
  return w.take_bytes();
}

std::string small_metadata() {
  checkpoint_metadata md{"job-1", 7, 1'700'000'000'000, false, {}};
  md.operators.push_back({"counts", 2, 16, {{0, {{"counts-0.state", "", 300, {0, 7}}}},
                                            {1, {{"counts-1.state", "", 310, {8, 15}}}}}});
  auto none = key_group_range::empty_range();
  md.operators.push_back({"source", 1, 16, {{0, {{"", "inline!", 7, none}}}}});
  return encode_metadata(md);
}

/// Tallies outcomes; reports the first few wrong ones with what was done.
struct tally {
  size_t corrupt = 0;
  size_t succeeded = 0;
  size_t wrong = 0;

  template <class F>
  void run(F&& f, std::string_view name, const std::string& what_was_done) {
    std::string detail;
    switch (run_expecting_corrupt(f, name, detail)) {
      case outcome::corrupt_file_named: ++corrupt; break;
      case outcome::succeeded: ++succeeded; break;
      case outcome::wrong_error:
        if (++wrong <= 5)
          BOOST_ERROR(what_was_done << ": " << detail);
        break;
    }
  }
};

void read_state(std::string_view image, std::string_view name) {
  auto c = load_state_bytes(image, name);
  // Whatever parses must satisfy the reader's own promises.
  BOOST_REQUIRE(c.info.max_parallelism > 0 && c.info.max_parallelism <= 32768);
  for (auto& e : c.keyed)
    BOOST_REQUIRE(c.info.key_groups.contains(e.key_group));
}

size_t chunks_of(std::string_view image) {
  return read_snapshot_messages(image, "s", snapshot_file_kind::state,
                                [](capnp::MessageReader&, size_t) {});
}

void read_metadata(std::string_view image, std::string_view name) {
  auto md = decode_metadata(image, name);
  BOOST_REQUIRE(!metadata_problem(md));
}

} // namespace

BOOST_AUTO_TEST_SUITE(snapshot_corruption)

BOOST_AUTO_TEST_CASE(samples_are_small_and_valid) {
  auto state = small_state_file();
  auto metadata = small_metadata();
  BOOST_TEST_MESSAGE("state file " << state.size() << " B, _metadata " << metadata.size() << " B");
  BOOST_CHECK_LT(state.size(), 2048u);
  BOOST_CHECK_LT(metadata.size(), 1024u);
  BOOST_CHECK_EQUAL(load_state_bytes(state, "s").keyed.size(), 4u);
  BOOST_CHECK_EQUAL(decode_metadata(metadata, "m").operators.size(), 2u);
  BOOST_CHECK_EQUAL(chunks_of(state), 3u);
}

BOOST_AUTO_TEST_CASE(truncation_at_every_offset_on_disk) {
  scratch_dir dir;
  for (auto [image, file, is_state] :
       {std::tuple{small_state_file(), dir / "counts-1.state", true},
        std::tuple{small_metadata(), dir / "_metadata", false}}) {
    tally t;
    for (size_t keep = 0; keep < image.size(); ++keep) {
      spit(file, std::string_view{image}.substr(0, keep));
      if (is_state)
        t.run([&] { load_state_file(file); }, file.string(),
              "truncated to " + std::to_string(keep));
      else
        t.run([&] { read_metadata_file(file); }, file.string(),
              "truncated to " + std::to_string(keep));
    }
    BOOST_CHECK_EQUAL(t.corrupt, image.size());
    BOOST_CHECK_EQUAL(t.succeeded, 0u);
    BOOST_CHECK_EQUAL(t.wrong, 0u);
  }
}

BOOST_AUTO_TEST_CASE(every_byte_flipped_with_several_patterns) {
  for (auto [image, is_state] : {std::pair{small_state_file(), true},
                                 std::pair{small_metadata(), false}}) {
    std::string name = is_state ? "chk-7/counts-1.state" : "chk-7/_metadata";
    tally t;
    for (size_t i = 0; i < image.size(); ++i)
      for (auto p : patterns) {
        auto bad = image;
        bad[i] = static_cast<char>(bad[i] ^ p);
        auto what = "byte " + std::to_string(i) + " ^ " + std::to_string(p);
        if (is_state)
          t.run([&] { read_state(bad, name); }, name, what);
        else
          t.run([&] { read_metadata(bad, name); }, name, what);
      }
    BOOST_CHECK_EQUAL(t.corrupt, image.size() * std::size(patterns));
    BOOST_CHECK_EQUAL(t.succeeded, 0u);
    BOOST_CHECK_EQUAL(t.wrong, 0u);
  }
}

BOOST_AUTO_TEST_CASE(flipped_bytes_with_resealed_header_never_crash) {
  for (auto [image, is_state] : {std::pair{small_state_file(), true},
                                 std::pair{small_metadata(), false}}) {
    std::string name = is_state ? "resealed.state" : "resealed/_metadata";
    tally t;
    for (size_t i = sf::header_size; i < image.size(); ++i)
      for (auto p : patterns) {
        auto bad = image;
        bad[i] = static_cast<char>(bad[i] ^ p);
        reseal(bad);
        auto what = "resealed, byte " + std::to_string(i) + " ^ " + std::to_string(p);
        if (is_state)
          t.run([&] { read_state(bad, name); }, name, what);
        else
          t.run([&] { read_metadata(bad, name); }, name, what);
      }
    BOOST_TEST_MESSAGE(name << ": " << t.corrupt << " rejected, " << t.succeeded
                            << " parsed to other valid data");
    BOOST_CHECK_EQUAL(t.wrong, 0u);
    BOOST_CHECK_GT(t.corrupt, 0u);
  }
}

BOOST_AUTO_TEST_CASE(truncated_body_with_resealed_header_never_crashes) {
  for (auto [image, is_state] : {std::pair{small_state_file(), true},
                                 std::pair{small_metadata(), false}}) {
    std::string name = is_state ? "cut.state" : "cut/_metadata";
    tally t;
    for (size_t keep = sf::header_size; keep < image.size(); keep += 8) {
      auto bad = image.substr(0, keep);
      reseal(bad);
      auto what = "resealed, truncated to " + std::to_string(keep);
      if (is_state)
        t.run([&] { read_state(bad, name); }, name, what);
      else
        t.run([&] { read_metadata(bad, name); }, name, what);
    }
    BOOST_CHECK_EQUAL(t.wrong, 0u);
    // Only a cut between whole chunks can parse (a resealed file is a
    // different, consistent file); _metadata has one message and never does.
    BOOST_CHECK_EQUAL(t.succeeded, is_state ? chunks_of(image) - 1 : 0u);
  }
}

BOOST_AUTO_TEST_CASE(random_bodies_with_valid_header_never_crash) {
  std::mt19937_64 rng{20240405};
  auto base = small_state_file();
  tally t;
  for (int round = 0; round < 3000; ++round) {
    auto bad = base;
    auto kind = round % 3;
    if (kind == 0) { // random words everywhere
      for (size_t i = sf::header_size; i < bad.size(); ++i)
        bad[i] = static_cast<char>(rng());
    } else { // a few random words with plausible small values (pointers, sizes)
      for (int k = 0; k < 1 + round % 4; ++k) {
        size_t word = sf::header_size / 8 + rng() % ((bad.size() - sf::header_size) / 8);
        uint64_t v = kind == 1 ? rng() : (rng() % 64) << ((rng() % 8) * 8);
        for (int b = 0; b < 8; ++b)
          bad[word * 8 + b] = static_cast<char>(v >> (8 * b));
      }
    }
    reseal(bad);
    t.run([&] { read_state(bad, "fuzz.state"); }, "fuzz.state", "round " + std::to_string(round));
  }
  BOOST_TEST_MESSAGE("fuzz: " << t.corrupt << " rejected, " << t.succeeded << " parsed");
  BOOST_CHECK_EQUAL(t.wrong, 0u);
}

BOOST_AUTO_TEST_CASE(crafted_list_of_a_million_empty_elements_is_refused) {
  // One chunk with one channel state, then the channel list is rewritten into
  // 1,000,000 zero-sized elements: 16 bytes of file that Cap'n Proto would
  // happily iterate. The per-message traversal limit refuses it at once.
  auto w = state_file_writer::to_memory("amp", {"op", 0, 8, key_group_range::empty_range()});
  w.add_channel_batch(channel_direction::input, 1, 0, "b");
  w.finish();
  auto image = w.take_bytes();
  auto word_at = [&](size_t i) {
    uint64_t v = 0;
    for (int b = 7; b >= 0; --b)
      v = (v << 8) | static_cast<unsigned char>(image[sf::header_size + 8 * i + b]);
    return v;
  };
  auto set_word = [&](size_t i, uint64_t v) {
    for (int b = 0; b < 8; ++b)
      image[sf::header_size + 8 * i + b] = static_cast<char>(v >> (8 * b));
  };
  // Word 0: segment table (one segment). Word 1: root pointer.
  BOOST_REQUIRE_EQUAL(word_at(0) & 0xFFFFFFFF, 0u);
  auto root = word_at(1);
  BOOST_REQUIRE_EQUAL(root & 3, 0u); // struct pointer
  size_t root_at = 2 + static_cast<size_t>((root & 0xFFFFFFFF) >> 2);
  BOOST_REQUIRE_EQUAL(root >> 32 & 0xFFFF, 0u); // StateFileChunk: no data words
  size_t list_ptr_at = root_at + 2;             // third pointer: channelStates
  auto list = word_at(list_ptr_at);
  BOOST_REQUIRE_EQUAL(list & 3, 1u);          // list pointer
  BOOST_REQUIRE_EQUAL(list >> 32 & 7, 7u);    // inline composite
  size_t tag_at = list_ptr_at + 1 + static_cast<size_t>((list & 0xFFFFFFFF) >> 2);
  set_word(list_ptr_at, list & 0x7FFFFFFFFull); // word count 0
  set_word(tag_at, uint64_t{1000000} << 2);      // 1e6 elements of 0 data, 0 pointers
  reseal(image);
  std::string detail;
  auto result = run_expecting_corrupt([&] { load_state_bytes(image, "amp.state"); }, "amp.state",
                                      detail);
  BOOST_CHECK_MESSAGE(result == outcome::corrupt_file_named, detail);
  try {
    load_state_bytes(image, "amp.state");
  } catch (const sluice::exception& e) {
    BOOST_TEST_MESSAGE(e.what());
    BOOST_CHECK(std::string{e.what()}.find("traversal limit") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace snapshot_corruption_test
