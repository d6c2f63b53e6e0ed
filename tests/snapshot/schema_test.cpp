// snapshot.capnp, format version 1: a keyed-state chunk survives a round trip
// through a flat array; truncated input is rejected with kj::Exception.
#include "snapshot.capnp.h"

#include <boost/test/unit_test.hpp>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <string>
#include <string_view>

namespace schema_test {

namespace {

kj::ArrayPtr<const kj::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<const kj::byte*>(s.data()), s.size()};
}

std::string_view view_of(capnp::Data::Reader d) {
  return {reinterpret_cast<const char*>(d.begin()), d.size()};
}

capnp::ReaderOptions reader_options() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 8 * 1024 * 1024; // 64 MiB
  options.nestingLimit = 16;
  return options;
}

// A chunk with two sections: "counts" in key groups 3 and 4, "names" empty.
kj::Array<capnp::word> build_chunk() {
  capnp::MallocMessageBuilder message;
  auto chunk = message.initRoot<sluice::schema::KeyedStateChunk>();
  chunk.setOperatorUid("word-count");
  chunk.setSubtask(2);
  chunk.setMaxParallelism(128);
  chunk.setKeyGroupFirst(3);
  chunk.setKeyGroupLast(4);
  auto sections = chunk.initSections(2);
  auto counts = sections[0];
  counts.setName("counts");
  counts.setTypeFingerprint(0x0123456789abcdefull);
  counts.setKind(sluice::schema::StateKind::VALUE);
  auto groups = counts.initKeyGroups(2);
  groups[0].setId(3);
  auto e3 = groups[0].initEntries(2);
  e3[0].setKey(bytes_of("apple"));
  e3[0].setValue(bytes_of(std::string_view{"\x01\0\0\0", 4}));
  e3[1].setKey(bytes_of("pear"));
  e3[1].setValue(bytes_of("\x02"));
  groups[1].setId(4);
  groups[1].initEntries(0);
  sections[1].setName("names");
  return capnp::messageToFlatArray(message);
}

} // namespace

BOOST_AUTO_TEST_SUITE(schema)

BOOST_AUTO_TEST_CASE(format_version_is_one) {
  BOOST_CHECK_EQUAL(sluice::schema::FORMAT_VERSION, 1u);
}

BOOST_AUTO_TEST_CASE(keyed_state_chunk_round_trip) {
  auto words = build_chunk();
  capnp::FlatArrayMessageReader reader(words.asPtr(), reader_options());
  auto chunk = reader.getRoot<sluice::schema::KeyedStateChunk>();
  BOOST_CHECK_EQUAL(std::string_view{chunk.getOperatorUid().cStr()}, "word-count");
  BOOST_CHECK_EQUAL(chunk.getSubtask(), 2u);
  BOOST_CHECK_EQUAL(chunk.getMaxParallelism(), 128u);
  BOOST_CHECK_EQUAL(chunk.getKeyGroupFirst(), 3u);
  BOOST_CHECK_EQUAL(chunk.getKeyGroupLast(), 4u);
  BOOST_REQUIRE_EQUAL(chunk.getSections().size(), 2u);
  auto counts = chunk.getSections()[0];
  BOOST_CHECK_EQUAL(std::string_view{counts.getName().cStr()}, "counts");
  BOOST_CHECK_EQUAL(counts.getTypeFingerprint(), 0x0123456789abcdefull);
  BOOST_CHECK(counts.getKind() == sluice::schema::StateKind::VALUE);
  BOOST_REQUIRE_EQUAL(counts.getKeyGroups().size(), 2u);
  auto g3 = counts.getKeyGroups()[0];
  BOOST_CHECK_EQUAL(g3.getId(), 3u);
  BOOST_REQUIRE_EQUAL(g3.getEntries().size(), 2u);
  BOOST_CHECK_EQUAL(view_of(g3.getEntries()[0].getKey()), "apple");
  BOOST_CHECK_EQUAL(view_of(g3.getEntries()[0].getValue()), std::string_view("\x01\0\0\0", 4));
  BOOST_CHECK_EQUAL(view_of(g3.getEntries()[1].getKey()), "pear");
  BOOST_CHECK_EQUAL(view_of(g3.getEntries()[1].getValue()), "\x02");
  BOOST_CHECK_EQUAL(counts.getKeyGroups()[1].getId(), 4u);
  BOOST_CHECK_EQUAL(counts.getKeyGroups()[1].getEntries().size(), 0u);
  auto names = chunk.getSections()[1];
  BOOST_CHECK_EQUAL(std::string_view{names.getName().cStr()}, "names");
  BOOST_CHECK_EQUAL(names.getKeyGroups().size(), 0u);
}

BOOST_AUTO_TEST_CASE(operator_and_channel_state_round_trip) {
  capnp::MallocMessageBuilder message;
  auto list = message.initRoot<sluice::schema::OperatorListState>();
  list.setName("offsets");
  auto items = list.initItems(3);
  items.set(0, bytes_of("a"));
  items.set(1, bytes_of(""));
  items.set(2, bytes_of("ccc"));
  auto words = capnp::messageToFlatArray(message);
  capnp::FlatArrayMessageReader reader(words.asPtr(), reader_options());
  auto read = reader.getRoot<sluice::schema::OperatorListState>();
  BOOST_CHECK_EQUAL(std::string_view{read.getName().cStr()}, "offsets");
  BOOST_REQUIRE_EQUAL(read.getItems().size(), 3u);
  BOOST_CHECK_EQUAL(view_of(read.getItems()[2]), "ccc");
  BOOST_CHECK_EQUAL(read.getItems()[1].size(), 0u);

  capnp::MallocMessageBuilder m2;
  auto channel = m2.initRoot<sluice::schema::ChannelState>();
  channel.setChannel(7);
  channel.setSeq(1ull << 40);
  channel.initBatches(1).set(0, bytes_of("batch"));
  auto w2 = capnp::messageToFlatArray(m2);
  capnp::FlatArrayMessageReader r2(w2.asPtr(), reader_options());
  auto c = r2.getRoot<sluice::schema::ChannelState>();
  BOOST_CHECK_EQUAL(c.getChannel(), 7u);
  BOOST_CHECK_EQUAL(c.getSeq(), 1ull << 40);
  BOOST_CHECK_EQUAL(view_of(c.getBatches()[0]), "batch");
}

BOOST_AUTO_TEST_CASE(truncated_array_throws) {
  auto words = build_chunk();
  BOOST_REQUIRE_GT(words.size(), 4u);
  int thrown = 0;
  // Cut at several points: inside the segment table, inside the data.
  for (size_t keep : {size_t{0}, size_t{1}, words.size() / 2, words.size() - 1}) {
    try {
      capnp::FlatArrayMessageReader reader(words.slice(0, keep), reader_options());
      auto chunk = reader.getRoot<sluice::schema::KeyedStateChunk>();
      // Touch everything so a lazily detected bound violation throws too.
      for (auto section : chunk.getSections())
        for (auto group : section.getKeyGroups())
          for (auto entry : group.getEntries())
            (void)entry.getKey().size();
      BOOST_ERROR("truncated to " << keep << " words: no exception");
    } catch (const kj::Exception& e) {
      ++thrown;
      BOOST_TEST_MESSAGE("truncated to " << keep << " words: " << e.getDescription().cStr());
    }
  }
  BOOST_CHECK_EQUAL(thrown, 4);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace schema_test
