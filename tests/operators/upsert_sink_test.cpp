// upsert_file_sink: an idempotent sink. Records replayed after a restore
// rewrite the same values, so the key -> value map equals the failure-free
// one; keys of any bytes map to file names and back.
#include <boost/test/unit_test.hpp>

#include "operators/upsert_sink.hpp"
#include "tests/operators/sink_test_util.hpp"

using namespace sluice;

namespace upsert_sink_test {

using namespace sluice::testing;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(upsert_sink_test)

BOOST_AUTO_TEST_CASE(upserts_replayed_after_a_restore_leave_the_same_map) {
  sink_temp_dir dir;
  using kv = std::pair<std::string, std::string>;
  auto key = [](const kv& x) { return x.first; };
  auto value = [](const kv& x) { return x.second; };
  using sink = upsert_file_sink<kv, decltype(key), decltype(value)>;
  std::vector<kv> first{{"mary", "1"}, {"bob", "1"}, {"mary", "2"}, {"a/b c", "1"}};
  std::vector<kv> second{{"bob", "2"}, {"", "1"}, {".hidden", "1"}};
  {
    auto s = host(std::make_unique<sink>(dir.path / "kv", key, value), sink_info());
    s.feed(first);
    s.feed(second); // then a crash: the restore replays `second`
  }
  auto once = read_upserts(dir.path / "kv");
  auto s = host(std::make_unique<sink>(dir.path / "kv", key, value), sink_info());
  s.feed(second);
  auto replayed = read_upserts(dir.path / "kv");
  std::map<std::string, std::string> expected{
    {"mary", "2"}, {"bob", "2"}, {"a/b c", "1"}, {"", "1"}, {".hidden", "1"}};
  BOOST_CHECK(once == expected);
  BOOST_CHECK(replayed == expected);
  BOOST_CHECK(fs::exists(dir.path / "kv" / "a%2Fb%20c"));
  BOOST_CHECK(unescape_upsert_key(escape_upsert_key("x%y.z")) == std::optional<std::string>{"x%y.z"});
  BOOST_CHECK(!unescape_upsert_key("key.tmp.1.2"));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace upsert_sink_test
