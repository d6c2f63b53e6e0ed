// actors/contract/batch_codec.hpp: batches of int, std::string and an inspectable
// struct survive encode -> decode (the bytes an unaligned checkpoint stores
// as channel state); bad bytes fail with ec::corrupt_file; record types CAF
// cannot serialize get the empty codec.
#include "actors/contract/batch_codec.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

using namespace sluice;

namespace batch_codec_test {

struct reading {
  std::string sensor;
  int64_t timestamp = 0;
  double value = 0;
  friend bool operator==(const reading&, const reading&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reading& x) {
  return f(caf::meta::type_name("reading"), x.sensor, x.timestamp, x.value);
}

/// No inspect(): local records only.
struct local_only {
  int x = 0;
};

namespace {

template <class T>
void check_round_trip(std::vector<T> records) {
  auto codec = make_batch_codec<T>();
  BOOST_REQUIRE(codec);
  BOOST_CHECK_EQUAL(codec.type_fingerprint, type_fingerprint<std::vector<T>>());
  auto original = make_batch(records);
  std::string bytes = "head"; // encode appends
  codec.encode(*original, bytes);
  auto decoded = codec.decode(std::string_view{bytes}.substr(4), "channel 3 batch 7");
  BOOST_REQUIRE(decoded != nullptr);
  BOOST_CHECK(decoded->record_type() == typeid(T));
  BOOST_CHECK_EQUAL(decoded->size(), records.size());
  BOOST_CHECK(records_of<T>(*decoded) == records);
}

bool is_corrupt(const exception& e) {
  return e.code() == ec::corrupt_file
         && std::string{e.what()}.rfind("channel 3 batch 7: ", 0) == 0;
}

} // namespace

BOOST_AUTO_TEST_SUITE(batch_codec_suite)

BOOST_AUTO_TEST_CASE(round_trips) {
  check_round_trip<int>({1, -2, 3, 1 << 30});
  check_round_trip<int>({});
  check_round_trip<std::string>({"", "alice", std::string(1000, 'x'), std::string("a\0b", 3)});
  check_round_trip<reading>({{"s1", 100, 0.5}, {"s2", 101, -1e300}, {}});
  check_round_trip<std::pair<std::string, int64_t>>({{"k", 1}, {"l", 2}});
}

BOOST_AUTO_TEST_CASE(bad_bytes_are_corrupt_file) {
  auto codec = make_batch_codec<reading>();
  std::string bytes;
  codec.encode(*make_batch(std::vector<reading>{{"s1", 100, 0.5}, {"s2", 101, 1.5}}), bytes);
  for (size_t n = 0; n < bytes.size(); ++n)
    BOOST_CHECK_EXCEPTION(codec.decode(std::string_view{bytes}.substr(0, n), "channel 3 batch 7"),
                          exception, is_corrupt);
  BOOST_CHECK_EXCEPTION(codec.decode(bytes + "x", "channel 3 batch 7"), exception, is_corrupt);
  // Bytes of another record type.
  std::string ints;
  make_batch_codec<int64_t>().encode(*make_batch(std::vector<int64_t>{1, 2, 3}), ints);
  BOOST_CHECK_EXCEPTION(codec.decode(ints, "channel 3 batch 7"), exception, is_corrupt);
}

BOOST_AUTO_TEST_CASE(empty_codec_for_unserializable_records) {
  auto local = make_batch_codec<local_only>();
  BOOST_CHECK(!local);
  BOOST_CHECK(local.encode == nullptr);
  BOOST_CHECK(local.decode == nullptr);
  BOOST_CHECK(!make_batch_codec<std::unique_ptr<int>>());
  BOOST_CHECK(!make_batch_codec<int*>());
  BOOST_CHECK(make_batch_codec<int>());
  BOOST_CHECK(make_batch_codec<int>().type_fingerprint
              != make_batch_codec<int64_t>().type_fingerprint);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace batch_codec_test
