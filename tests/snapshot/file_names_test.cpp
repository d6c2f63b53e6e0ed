// snapshot/file_names.hpp: the names on disk stay as they were for ordinary
// uids, and distinct uids never share a file or directory name.
#include "snapshot/file_names.hpp"

#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

using namespace sluice;

namespace file_names_test {

BOOST_AUTO_TEST_SUITE(file_names)

BOOST_AUTO_TEST_CASE(names_on_disk_keep_their_layout) {
  BOOST_CHECK_EQUAL(metadata_file_name, "_metadata");
  BOOST_CHECK_EQUAL(checkpoint_dir_name(7), "chk-7");
  BOOST_CHECK_EQUAL(shared_dir_name, "shared");
  BOOST_CHECK_EQUAL(savepoint_dir_name("7f3a9c00112233", 0xfff0123456789abULL),
                    "savepoint-7f3a9c-0123456789ab");
  BOOST_CHECK_EQUAL(state_file_name("counts", 2), "counts-2.state");
  BOOST_CHECK_EQUAL(shared_state_file_name("counts", 1, 3, 9), "counts-1-a3-c9.state");
  BOOST_CHECK_EQUAL(lmdb_working_dir_name("word-count.sum_1", 0, 4), "word-count.sum_1-0-4");
}

BOOST_AUTO_TEST_CASE(distinct_uids_get_distinct_safe_names) {
  std::set<std::string> names;
  const char* uids[] = {"a/b", "a_b", "a b", "a\\b", ".x", "o.x", "", "o", "..", "a/b/c"};
  for (auto uid : uids) {
    auto name = file_safe_uid(uid);
    BOOST_CHECK_MESSAGE(names.insert(name).second, "'" << uid << "' -> " << name << " twice");
    BOOST_CHECK(!name.empty());
    BOOST_CHECK_NE(name.front(), '.');
    BOOST_CHECK_EQUAL(name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789._-"),
                      std::string::npos);
  }
  BOOST_CHECK_NE(lmdb_working_dir_name("a/b", 0, 1), lmdb_working_dir_name("a_b", 0, 1));
  BOOST_CHECK_NE(state_file_name("a/b", 0), state_file_name("a_b", 0));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace file_names_test
