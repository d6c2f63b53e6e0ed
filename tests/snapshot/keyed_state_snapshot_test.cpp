// keyed_state_backend::snapshot / keyed_state_snapshot::write_to /
// restore_entry: keyed state survives backend -> state file (in memory) ->
// fresh backend at the same and at a smaller key group range (only its key
// groups survive); the snapshot is a copy (later updates do not leak into
// it); restore refuses another value type (ec::state_type_mismatch) and
// keeps entries of states not registered yet.
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace snapshot_test_types {

struct session {
  int64_t clicks = 0;
  std::string last_page;
  friend bool operator==(const session&, const session&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session& x) {
  return f(caf::meta::type_name("session"), x.clicks, x.last_page);
}

/// No inspect(): usable in memory, not snapshottable.
struct opaque {
  int x = 0;
};

} // namespace snapshot_test_types

using namespace sluice;
using snapshot_test_types::opaque;
using snapshot_test_types::session;

namespace {

using backend_test::write_and_load;
using backend_test::restore;

constexpr uint32_t max_p = 128;
const key_group_range whole{0, max_p - 1};

const value_state_descriptor<int64_t> count_desc{"count"};
const value_state_descriptor<session> session_desc{"session"};

void select(keyed_state_backend& b, const std::string& key) {
  BOOST_REQUIRE(b.set_current_key_of(key));
}

/// 500 keys with a count and (every third key) a session.
std::map<std::string, int64_t> fill(keyed_state_backend& b) {
  std::map<std::string, int64_t> expected;
  auto& count = b.get_state(count_desc);
  auto& sess = b.get_state(session_desc);
  for (int i = 0; i < 500; ++i) {
    auto key = "user-" + std::to_string(i);
    select(b, key);
    count.update(i * 10);
    expected[key] = i * 10;
    if (i % 3 == 0)
      sess.update(session{i, "/page/" + std::to_string(i)});
  }
  return expected;
}


/// Checks every key of `expected` whose key group is in b's range.
void check_counts(keyed_state_backend& b, const std::map<std::string, int64_t>& expected) {
  auto& count = b.get_state(count_desc);
  size_t in_range = 0;
  for (const auto& [key, value] : expected) {
    if (!b.set_current_key_of(key))
      continue;
    ++in_range;
    BOOST_CHECK_EQUAL(count.value_or(-1), value);
  }
  BOOST_CHECK_EQUAL(count.size(), in_range);
}

void check_sessions(keyed_state_backend& b) {
  auto& sess = b.get_state(session_desc);
  for (int i = 0; i < 500; ++i) {
    if (!b.set_current_key_of("user-" + std::to_string(i)))
      continue;
    if (i % 3 == 0)
      BOOST_CHECK(sess.value() == (session{i, "/page/" + std::to_string(i)}));
    else
      BOOST_CHECK(!sess.value().has_value());
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(keyed_state_snapshot_suite)

BOOST_DATA_TEST_CASE(round_trip_same_range, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto snap = b.snapshot();
  BOOST_CHECK_EQUAL(snap->num_entries(), 500u + 167u);
  BOOST_CHECK_EQUAL(snap->num_states(), 2u);
  auto contents = write_and_load(*snap);
  BOOST_CHECK_EQUAL(contents.keyed.size(), 500u + 167u);
  for (const auto& e : contents.keyed) {
    BOOST_CHECK(e.state.kind == state_kind::value);
    BOOST_CHECK_EQUAL(e.state.type_fingerprint, e.state.name == "count"
                                                  ? type_fingerprint<int64_t>()
                                                  : type_fingerprint<session>());
  }
  auto restored = restore(contents, whole, kind);
  BOOST_CHECK_EQUAL(restored.unclaimed_restored_states().size(), 2u);
  check_counts(restored, expected);
  check_sessions(restored);
  BOOST_CHECK(restored.unclaimed_restored_states().empty());
}

BOOST_DATA_TEST_CASE(restore_at_smaller_range_keeps_only_its_key_groups, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto contents = write_and_load(*b.snapshot());
  auto range = key_group_range_for_operator(max_p, 3, 1); // about a third
  auto restored = restore(contents, range, kind);
  check_counts(restored, expected);
  check_sessions(restored);
  auto& count = restored.get_state(count_desc);
  BOOST_CHECK(count.size() > 100u && count.size() < 250u);
  // Two restores of disjoint ranges together hold every key once.
  auto other = restore(contents, key_group_range_for_operator(max_p, 3, 0), kind);
  auto rest = restore(contents, key_group_range_for_operator(max_p, 3, 2), kind);
  BOOST_CHECK_EQUAL(count.size() + other.get_state(count_desc).size()
                      + rest.get_state(count_desc).size(),
                    500u);
}

BOOST_DATA_TEST_CASE(snapshot_is_a_copy, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto snap = b.snapshot();
  // The backend keeps changing after the synchronous part.
  auto& count = b.get_state(count_desc);
  for (int i = 0; i < 500; i += 2) {
    select(b, "user-" + std::to_string(i));
    count.update(-1);
  }
  select(b, "user-1");
  count.clear();
  select(b, "newcomer");
  count.update(7);
  b.get_state(value_state_descriptor<int32_t>{"late"}).update(1);
  auto restored = restore(write_and_load(*snap), whole, kind);
  check_counts(restored, expected);
  check_sessions(restored);
  BOOST_CHECK(restored.unclaimed_restored_states().empty());
}

BOOST_DATA_TEST_CASE(fingerprint_mismatch_is_refused, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  fill(b);
  auto contents = write_and_load(*b.snapshot());
  auto restored = restore(contents, whole, kind);
  try {
    restored.get_state(value_state_descriptor<int32_t>{"count"}); // was int64_t
    BOOST_ERROR("registering count as int32_t succeeded");
  } catch (const exception& e) {
    BOOST_CHECK(e.code() == ec::state_type_mismatch);
    std::string what = e.what();
    BOOST_CHECK_MESSAGE(what.find("'count'") != std::string::npos, what);
    char buf[19];
    std::snprintf(buf, sizeof(buf), "0x%016llx",
                  static_cast<unsigned long long>(type_fingerprint<int64_t>()));
    BOOST_CHECK_MESSAGE(what.find(buf) != std::string::npos, what);
    std::snprintf(buf, sizeof(buf), "0x%016llx",
                  static_cast<unsigned long long>(type_fingerprint<int32_t>()));
    BOOST_CHECK_MESSAGE(what.find(buf) != std::string::npos, what);
  }
  // Nothing was registered; the entries wait for the right type.
  BOOST_CHECK_EQUAL(restored.num_states(), 0u);
  BOOST_CHECK_EQUAL(restored.unclaimed_restored_states().size(), 2u);
  BOOST_CHECK_EQUAL(restored.get_state(count_desc).size(), 500u);
}

BOOST_DATA_TEST_CASE(entries_for_a_registered_state_decode_at_once, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto contents = write_and_load(*b.snapshot());
  keyed_state_backend restored{max_p, whole, backend_test::options(kind)};
  auto& count = restored.get_state(count_desc);
  auto& wrong = restored.get_state(value_state_descriptor<std::string>{"session"});
  for (const auto& e : contents.keyed) {
    if (e.state.name == "count") {
      restored.restore_entry(e.state, e.key_group, e.key, e.value);
    } else {
      try {
        restored.restore_entry(e.state, e.key_group, e.key, e.value);
        BOOST_ERROR("a session restored into a string state");
      } catch (const exception& ex) {
        BOOST_CHECK(ex.code() == ec::state_type_mismatch);
      }
    }
  }
  BOOST_CHECK_EQUAL(count.size(), 500u);
  BOOST_CHECK_EQUAL(wrong.size(), 0u);
  check_counts(restored, expected);
}

BOOST_DATA_TEST_CASE(unclaimed_states_survive_the_next_snapshot, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto first = restore(write_and_load(*b.snapshot()), whole, kind);
  first.get_state(count_desc); // the operator registers only "count"
  BOOST_CHECK(first.unclaimed_restored_states() == std::vector<std::string>{"session"});
  auto second = restore(write_and_load(*first.snapshot()), whole, kind);
  check_counts(second, expected);
  check_sessions(second);
}

BOOST_DATA_TEST_CASE(bad_restored_bytes, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  fill(b);
  auto contents = write_and_load(*b.snapshot());
  const auto& e = contents.keyed.front();
  keyed_state_backend restored{max_p, whole, backend_test::options(kind)};
  // A value that does not decode fails when the state claims it.
  auto meta = e.state;
  restored.restore_entry(meta, e.key_group, e.key, e.value + "junk");
  auto claim = [&] {
    if (meta.name == "count")
      restored.get_state(count_desc);
    else
      restored.get_state(session_desc);
  };
  BOOST_CHECK_EXCEPTION(claim(), exception,
                        [](const exception& x) { return x.code() == ec::corrupt_file; });
  // A key stored in the wrong key group.
  BOOST_CHECK_EXCEPTION(restored.restore_entry(meta, (e.key_group + 1) % max_p, e.key, e.value),
                        exception, [](const exception& x) { return x.code() == ec::corrupt_file; });
  // Entries of one name with two fingerprints.
  auto other = meta;
  other.type_fingerprint ^= 1;
  BOOST_CHECK_EXCEPTION(restored.restore_entry(other, e.key_group, e.key, e.value), exception,
                        [](const exception& x) { return x.code() == ec::corrupt_file; });
}

// In memory only: the lmdb backend refuses such a state at registration
// (lmdb_refuses_unserializable_state_at_registration).
BOOST_AUTO_TEST_CASE(unserializable_state_refuses_snapshot) {
  constexpr auto kind = state_backend_kind::hashmap;
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  b.get_state(count_desc);
  b.get_state(value_state_descriptor<opaque>{"opaque"}); // fine in memory
  BOOST_CHECK_EXCEPTION(b.snapshot(), exception, [](const exception& x) {
    return x.code() == ec::not_serializable
           && std::string{x.what()}.find("'opaque'") != std::string::npos;
  });
}

BOOST_DATA_TEST_CASE(empty_backend_and_mismatched_writer, SLUICE_BACKENDS, kind) {
  keyed_state_backend empty{max_p, key_group_range::empty_range(), backend_test::options(kind)};
  auto snap = empty.snapshot();
  BOOST_CHECK_EQUAL(snap->num_entries(), 0u);
  BOOST_CHECK(write_and_load(*snap).keyed.empty());
  keyed_state_backend b{max_p, {0, 63}, backend_test::options(kind)};
  for (int i = 0; !b.set_current_key_of("user-" + std::to_string(i)); ++i) {
  }
  b.get_state(count_desc).update(1);
  auto w = state_file_writer::to_memory("small.state", {"op", 0, max_p, {0, 31}});
  BOOST_CHECK_EXCEPTION(b.snapshot()->write_to(w), exception,
                        [](const exception& x) { return x.code() == ec::io_error; });
}

BOOST_AUTO_TEST_CASE(lmdb_refuses_unserializable_state_at_registration) {
  keyed_state_backend b{max_p, whole, backend_test::options(state_backend_kind::lmdb)};
  BOOST_CHECK_EXCEPTION(b.get_state(value_state_descriptor<opaque>{"opaque"}), exception,
                        [](const exception& x) {
                          std::string what = x.what();
                          return x.code() == ec::not_serializable
                                 && what.find("'opaque'") != std::string::npos
                                 && what.find("state.backend=hashmap") != std::string::npos;
                        });
  BOOST_CHECK_EQUAL(b.num_states(), 0u);
  BOOST_CHECK_NO_THROW(b.get_state(count_desc)); // the backend is still usable
}

BOOST_AUTO_TEST_SUITE_END()
