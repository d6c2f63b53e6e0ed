// snapshot/crc32c: the standard check value and RFC 3720 vectors prove the
// polynomial, reflection and XORs are CRC32C's; incremental use equals
// one-shot use at every split point.
#include "snapshot/crc32c.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

namespace crc32c_test {

using sluice::crc32c;
using sluice::crc32c_hasher;

BOOST_AUTO_TEST_SUITE(crc32c_checksum)

BOOST_AUTO_TEST_CASE(standard_check_value) {
  BOOST_CHECK_EQUAL(crc32c("123456789"), 0xE3069283u);
}

BOOST_AUTO_TEST_CASE(rfc3720_vectors) {
  BOOST_CHECK_EQUAL(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  BOOST_CHECK_EQUAL(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i)
    ascending += static_cast<char>(i);
  BOOST_CHECK_EQUAL(crc32c(ascending), 0x46DD794Eu);
}

BOOST_AUTO_TEST_CASE(empty_input_is_zero) {
  BOOST_CHECK_EQUAL(crc32c(nullptr, 0), 0u);
  BOOST_CHECK_EQUAL(crc32c_hasher{}.value(), 0u);
}

BOOST_AUTO_TEST_CASE(incremental_equals_one_shot) {
  std::string data;
  for (int i = 0; i < 257; ++i)
    data += static_cast<char>(i * 37 + 11);
  auto whole = crc32c(data);
  for (size_t split = 0; split <= data.size(); ++split) {
    crc32c_hasher h;
    h.update(std::string_view{data}.substr(0, split));
    h.update(std::string_view{data}.substr(split));
    BOOST_REQUIRE_EQUAL(h.value(), whole);
  }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace crc32c_test
