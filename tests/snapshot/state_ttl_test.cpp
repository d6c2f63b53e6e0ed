// Time-to-live of keyed state (ttl_table.hpp, state_ttl_config) on both
// backends, with an injected clock: an entry written at t is visible until
// t + ttl - 1 and gone (and removed on read) at t + ttl, for every state
// kind; on_read_and_write extends the lifetime on reads, on_create_and_write
// does not; return_expired_if_not_cleaned_up still returns an expired,
// untouched entry; a snapshot leaves out entries expired at its synchronous
// part and keeps the others with their timestamps; restore keeps the
// timestamps (also into the other backend kind); TTL and non-TTL states do
// not restore into each other (ec::state_type_mismatch).
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/state_codec.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace sluice;

namespace {

state_file_contents write_and_load(const keyed_state_snapshot& snap) {
  return backend_test::write_and_load(snap, snapshot_format::chunk_target_bytes);
}


constexpr uint32_t max_p = 128;
const key_group_range whole{0, max_p - 1};

using ttl_cfg = state_ttl_config;
using avg_acc = std::pair<int64_t, int64_t>; // (count, sum)

template <class D>
D with_ttl(D desc, ttl_cfg::update_type update = ttl_cfg::update_type::on_create_and_write,
           ttl_cfg::visibility vis = ttl_cfg::visibility::never_return_expired) {
  desc.enable_time_to_live(ttl_cfg{std::chrono::milliseconds{100}, update, vis});
  return desc;
}

const auto value_desc = with_ttl(value_state_descriptor<int64_t>{"v"});
const auto list_desc = with_ttl(list_state_descriptor<int64_t>{"l"});
const auto map_desc = with_ttl(map_state_descriptor<int32_t, int64_t>{"m"});
const auto sum_desc = with_ttl(reducing_state_descriptor<int64_t>{
  "r", [](const int64_t& a, const int64_t& b) { return a + b; }});
const auto avg_desc = with_ttl(aggregating_state_descriptor<int64_t, avg_acc, int64_t>{
  "a", aggregate_function<int64_t, avg_acc, int64_t>{
         [] { return avg_acc{0, 0}; },
         [](const int64_t& in, avg_acc acc) { return avg_acc{acc.first + 1, acc.second + in}; },
         [](const avg_acc& acc) { return acc.second / acc.first; },
         {}}});

/// A backend of `kind` whose clock reads `*now`.
struct clocked {
  explicit clocked(state_backend_kind kind, int64_t start = 0)
    : now(std::make_shared<int64_t>(start)),
      b(max_p, whole, backend_test::options(kind, [n = now] { return *n; })) {
  }
  std::shared_ptr<int64_t> now;
  keyed_state_backend b;
  void at(int64_t t) {
    *now = t;
  }
  void select(const std::string& key) {
    BOOST_REQUIRE(b.set_current_key_of(key));
  }
};

std::string key_of(int i) {
  return "k" + std::to_string(i);
}

/// Entries of state `name`: key -> (timestamp, value bytes after it).
std::map<std::string, std::pair<int64_t, std::string>>
entries_of(const state_file_contents& contents, const std::string& name) {
  std::map<std::string, std::pair<int64_t, std::string>> result;
  for (const auto& e : contents.keyed) {
    if (e.state.name != name)
      continue;
    BOOST_REQUIRE_GE(e.value.size(), 8u);
    uint64_t stamp = 0;
    for (size_t i = 0; i < 8; ++i) // 8 bytes big-endian, then the value
      stamp = (stamp << 8) | static_cast<uint8_t>(e.value[i]);
    result[e.key] = {static_cast<int64_t>(stamp), e.value.substr(8)};
  }
  return result;
}

bool is_mismatch(const exception& e) {
  return e.code() == ec::state_type_mismatch;
}

} // namespace

BOOST_AUTO_TEST_SUITE(state_ttl_suite)

BOOST_DATA_TEST_CASE(value_state_expires_after_ttl, SLUICE_BACKENDS, kind) {
  clocked c{kind};
  auto& v = c.b.get_state(value_desc);
  for (int i = 0; i < 10; ++i) {
    c.select(key_of(i));
    v.update(i);
  }
  c.b.end_batch();
  c.at(99);
  for (int i = 0; i < 10; ++i) {
    c.select(key_of(i));
    BOOST_CHECK(v.value() == std::optional<int64_t>{i});
  }
  BOOST_CHECK_EQUAL(v.size(), 10u);
  c.at(100);
  for (int i = 0; i < 5; ++i) {
    c.select(key_of(i));
    BOOST_CHECK(!v.value().has_value());
  }
  BOOST_CHECK_EQUAL(v.size(), 5u); // the read removed the entries
  c.b.end_batch();
  BOOST_CHECK_EQUAL(v.size(), 5u);
  // A write after expiry starts a new lifetime.
  c.select(key_of(7));
  v.update(70);
  c.at(199);
  BOOST_CHECK(v.value() == std::optional<int64_t>{70});
  c.select(key_of(8));
  BOOST_CHECK_EQUAL(v.value_or(-1), -1);
  c.at(200);
  c.select(key_of(7));
  BOOST_CHECK(!v.value().has_value());
  BOOST_CHECK_EQUAL(v.size(), 3u); // 5, 6, 9 are unread
}

BOOST_DATA_TEST_CASE(list_and_map_states_expire_after_ttl, SLUICE_BACKENDS, kind) {
  clocked c{kind};
  auto& l = c.b.get_state(list_desc);
  auto& m = c.b.get_state(map_desc);
  c.select("a");
  l.add(1);
  l.add(2);
  m.put(1, 10);
  m.put(2, 20);
  c.b.end_batch();
  c.at(99);
  BOOST_CHECK((l.get() == std::vector<int64_t>{1, 2}));
  BOOST_CHECK(m.contains(2));
  BOOST_CHECK_EQUAL(m.count(), 2u);
  c.at(100);
  BOOST_CHECK(l.get().empty());
  BOOST_CHECK(!m.contains(1));
  BOOST_CHECK_EQUAL(l.size(), 0u);
  BOOST_CHECK_EQUAL(m.size(), 0u);
  l.add(3); // a fresh list, not appended to the expired one
  m.put(3, 30);
  BOOST_CHECK((l.get() == std::vector<int64_t>{3}));
  BOOST_CHECK_EQUAL(m.count(), 1u);
  BOOST_CHECK(m.get(1) == nullptr);
  c.b.end_batch();
  c.at(199);
  BOOST_CHECK((l.get() == std::vector<int64_t>{3}));
  BOOST_CHECK(std::as_const(m).get(3) != nullptr && *std::as_const(m).get(3) == 30);
  c.at(200);
  BOOST_CHECK(l.is_empty());
  BOOST_CHECK(m.is_empty());
}

BOOST_DATA_TEST_CASE(reducing_and_aggregating_states_expire_after_ttl, SLUICE_BACKENDS, kind) {
  clocked c{kind};
  auto& r = c.b.get_state(sum_desc);
  auto& a = c.b.get_state(avg_desc);
  c.select("a");
  r.add(5);
  a.add(4);
  c.at(50);
  r.add(7); // a write refreshes the timestamp: 50
  a.add(8);
  c.b.end_batch();
  c.at(149);
  BOOST_CHECK(r.get() == std::optional<int64_t>{12});
  BOOST_CHECK(a.get() == std::optional<int64_t>{6});
  c.at(150);
  BOOST_CHECK(!r.get().has_value());
  BOOST_CHECK(a.accumulator() == nullptr);
  BOOST_CHECK_EQUAL(r.size(), 0u);
  BOOST_CHECK_EQUAL(a.size(), 0u);
  r.add(3); // reduces from scratch
  a.add(9);
  BOOST_CHECK(r.get() == std::optional<int64_t>{3});
  BOOST_CHECK(a.accumulator() != nullptr && *a.accumulator() == (avg_acc{1, 9}));
}

BOOST_DATA_TEST_CASE(on_read_and_write_extends_lifetime_on_read, SLUICE_BACKENDS, kind) {
  clocked c{kind};
  auto& on_read = c.b.get_state(with_ttl(value_state_descriptor<int64_t>{"read"},
                                         ttl_cfg::update_type::on_read_and_write));
  auto& on_write = c.b.get_state(with_ttl(value_state_descriptor<int64_t>{"write"}));
  auto& list_on_read = c.b.get_state(with_ttl(list_state_descriptor<int64_t>{"lread"},
                                              ttl_cfg::update_type::on_read_and_write));
  c.select("a");
  on_read.update(1);
  on_write.update(2);
  list_on_read.add(3);
  c.b.end_batch();
  c.at(60);
  BOOST_CHECK(on_read.value() == std::optional<int64_t>{1}); // now lives until 159
  BOOST_CHECK(on_write.value() == std::optional<int64_t>{2}); // still until 99
  BOOST_CHECK(!list_on_read.is_empty());
  c.b.end_batch();
  c.at(120);
  BOOST_CHECK(!on_write.value().has_value());
  // The refreshed timestamp is in the snapshot (lmdb: written by end_batch).
  auto contents = write_and_load(*c.b.snapshot());
  auto read = entries_of(contents, "read");
  auto lread = entries_of(contents, "lread");
  BOOST_CHECK(read.count("a") == 1 && read["a"].first == 60);
  BOOST_CHECK(lread.count("a") == 1 && lread["a"].first == 60);
  BOOST_CHECK(entries_of(contents, "write").empty());
  BOOST_CHECK(on_read.value() == std::optional<int64_t>{1}); // now until 219
  c.at(219);
  BOOST_CHECK(on_read.value() == std::optional<int64_t>{1}); // now until 318
  BOOST_CHECK(list_on_read.is_empty());                      // expired at 160
  c.at(319);
  BOOST_CHECK(!on_read.value().has_value());
  BOOST_CHECK_EQUAL(on_read.size(), 0u);
}

BOOST_DATA_TEST_CASE(return_expired_if_not_cleaned_up_returns_untouched_entry, SLUICE_BACKENDS,
                     kind) {
  clocked c{kind};
  auto& v = c.b.get_state(with_ttl(value_state_descriptor<int64_t>{"v"},
                                   ttl_cfg::update_type::on_read_and_write,
                                   ttl_cfg::visibility::return_expired_if_not_cleaned_up));
  auto& l = c.b.get_state(with_ttl(list_state_descriptor<int64_t>{"l"},
                                   ttl_cfg::update_type::on_create_and_write,
                                   ttl_cfg::visibility::return_expired_if_not_cleaned_up));
  c.select("a");
  v.update(5);
  l.add(6);
  c.b.end_batch();
  c.at(150);
  BOOST_CHECK(v.value() == std::optional<int64_t>{5});
  BOOST_CHECK((l.get() == std::vector<int64_t>{6}));
  BOOST_CHECK_EQUAL(v.size(), 1u); // not removed
  BOOST_CHECK_EQUAL(l.size(), 1u);
  c.b.end_batch();
  // Untouched: the read did not refresh it, so the snapshot drops it.
  auto contents = write_and_load(*c.b.snapshot());
  BOOST_CHECK(entries_of(contents, "v").empty());
  BOOST_CHECK(entries_of(contents, "l").empty());
  BOOST_CHECK(v.value() == std::optional<int64_t>{5});
}

BOOST_DATA_TEST_CASE(snapshot_leaves_out_entries_expired_at_its_time, SLUICE_BACKENDS, kind) {
  clocked c{kind};
  auto& v = c.b.get_state(value_desc);
  auto& l = c.b.get_state(list_desc);
  auto& m = c.b.get_state(map_desc);
  for (int i = 0; i < 100; ++i) {
    c.at(i < 50 ? 0 : 30);
    c.select(key_of(i));
    v.update(i);
    l.add(i);
    m.put(i, i);
  }
  c.b.end_batch();
  c.at(100);
  auto snap = c.b.snapshot();
  c.at(500); // encoded later: the synchronous part's time counts
  auto contents = write_and_load(*snap);
  for (const char* name : {"v", "l", "m"}) {
    auto entries = entries_of(contents, name);
    BOOST_CHECK_EQUAL(entries.size(), 50u);
    for (int i = 50; i < 100; ++i) {
      auto it = entries.find(key_of(i));
      BOOST_REQUIRE_MESSAGE(it != entries.end(), name << " lost " << key_of(i));
      BOOST_CHECK_EQUAL(it->second.first, 30);
    }
  }
  auto values = entries_of(contents, "v");
  BOOST_CHECK_EQUAL(decode_value<int64_t>(values.at(key_of(77)).second, "v"), 77);
  auto lists = entries_of(contents, "l");
  BOOST_CHECK((decode_value<std::vector<int64_t>>(lists.at(key_of(60)).second, "l")
               == std::vector<int64_t>{60}));
  c.at(129);
  BOOST_CHECK_EQUAL(entries_of(write_and_load(*c.b.snapshot()), "m").size(), 50u);
  c.at(130);
  BOOST_CHECK(write_and_load(*c.b.snapshot()).keyed.empty());
}

BOOST_DATA_TEST_CASE(restored_timestamps_are_kept, SLUICE_BACKENDS, kind) {
  clocked c{kind};
  auto& v = c.b.get_state(value_desc);
  c.select("early");
  v.update(1);
  c.at(50);
  c.select("late");
  v.update(2);
  c.at(60);
  auto contents = write_and_load(*c.b.snapshot());
  BOOST_CHECK_EQUAL(entries_of(contents, "v").size(), 2u);
  for (auto to : backend_test::all_kinds) {
    clocked r{to, 120};
    backend_test::apply(r.b, contents);
    auto& rv = r.b.get_state(value_desc);
    BOOST_CHECK_EQUAL(rv.size(), 2u);
    r.select("early"); // written at 0: expired at 100
    BOOST_CHECK(!rv.value().has_value());
    r.select("late"); // written at 50: until 149
    BOOST_CHECK(rv.value() == std::optional<int64_t>{2});
    r.at(149);
    BOOST_CHECK(rv.value() == std::optional<int64_t>{2});
    r.at(150);
    BOOST_CHECK(!rv.value().has_value());
    BOOST_CHECK_EQUAL(rv.size(), 0u);
  }
}

BOOST_DATA_TEST_CASE(ttl_and_plain_states_do_not_restore_into_each_other, SLUICE_BACKENDS, kind) {
  const value_state_descriptor<int64_t> plain_value{"v"};
  const list_state_descriptor<int64_t> plain_list{"l"};
  clocked with{kind};
  with.select("a");
  with.b.get_state(value_desc).update(1);
  with.b.get_state(list_desc).add(1);
  clocked without{kind};
  without.select("a");
  without.b.get_state(plain_value).update(2);
  without.b.get_state(plain_list).add(2);
  auto ttl_contents = write_and_load(*with.b.snapshot());
  auto plain_contents = write_and_load(*without.b.snapshot());

  clocked r1{kind};
  backend_test::apply(r1.b, ttl_contents);
  BOOST_CHECK_EXCEPTION(r1.b.get_state(plain_value), exception, is_mismatch);
  BOOST_CHECK_EXCEPTION(r1.b.get_state(plain_list), exception, is_mismatch);
  BOOST_CHECK_EQUAL(r1.b.num_states(), 0u);
  r1.select("a"); // the entries wait for the right descriptor
  BOOST_CHECK_EQUAL(r1.b.get_state(value_desc).value_or(-1), 1);
  BOOST_CHECK((r1.b.get_state(list_desc).get() == std::vector<int64_t>{1}));

  clocked r2{kind};
  backend_test::apply(r2.b, plain_contents);
  BOOST_CHECK_EXCEPTION(r2.b.get_state(value_desc), exception, is_mismatch);
  BOOST_CHECK_EXCEPTION(r2.b.get_state(list_desc), exception, is_mismatch);
  BOOST_CHECK_EQUAL(r2.b.num_states(), 0u);
  r2.select("a");
  BOOST_CHECK_EQUAL(r2.b.get_state(plain_value).value_or(-1), 2);
  BOOST_CHECK((r2.b.get_state(plain_list).get() == std::vector<int64_t>{2}));
}

BOOST_DATA_TEST_CASE(every_kind_keeps_ttl_across_backend_kinds, SLUICE_BACKENDS, kind) {
  clocked c{kind};
  auto& v = c.b.get_state(value_desc);
  auto& l = c.b.get_state(list_desc);
  auto& m = c.b.get_state(map_desc);
  auto& r = c.b.get_state(sum_desc);
  auto& a = c.b.get_state(avg_desc);
  for (int i = 0; i < 200; ++i) {
    c.at(i < 100 ? 0 : 50);
    c.select(key_of(i));
    v.update(i);
    l.add_all({i, i + 1});
    m.put(i, -i);
    r.add(i);
    r.add(1);
    a.add(i);
    a.add(i + 2);
  }
  c.at(60);
  auto contents = write_and_load(*c.b.snapshot());
  BOOST_CHECK_EQUAL(contents.keyed.size(), 5u * 200u);
  auto other = kind == state_backend_kind::hashmap ? state_backend_kind::lmdb
                                                   : state_backend_kind::hashmap;
  clocked t{other, 120};
  backend_test::apply(t.b, contents);
  auto& tv = t.b.get_state(value_desc);
  auto& tl = t.b.get_state(list_desc);
  auto& tm = t.b.get_state(map_desc);
  auto& tr = t.b.get_state(sum_desc);
  auto& ta = t.b.get_state(avg_desc);
  size_t wrong = 0;
  for (int i = 0; i < 200; ++i) {
    t.select(key_of(i));
    bool alive = i >= 100; // written at 50: until 149
    auto* uv = std::as_const(tm).get(i);
    bool ok = alive ? tv.value() == std::optional<int64_t>{i}
                        && tl.get() == std::vector<int64_t>{i, i + 1} && uv != nullptr
                        && *uv == -i && tr.get() == std::optional<int64_t>{i + 1}
                        && ta.get() == std::optional<int64_t>{i + 1}
                    : !tv.value() && tl.is_empty() && uv == nullptr && !tr.get() && !ta.get();
    wrong += ok ? 0 : 1;
  }
  BOOST_CHECK_EQUAL(wrong, 0u);
  for (size_t n : {tv.size(), tl.size(), tm.size(), tr.size(), ta.size()})
    BOOST_CHECK_EQUAL(n, 100u);
  t.at(150);
  auto later = write_and_load(*t.b.snapshot());
  BOOST_CHECK(later.keyed.empty());
}

// The engine's own states register with no_ttl: the same state as without
// the tag (a later plain get_state finds it), and a descriptor with
// time-to-live is refused there.
BOOST_DATA_TEST_CASE(no_ttl_registration_is_plain_and_refuses_ttl, SLUICE_BACKENDS, kind) {
  clocked c{kind};
  const value_state_descriptor<int64_t> plain_value{"engine"};
  const map_state_descriptor<int32_t, int64_t> plain_map{"engine-map"};
  c.select("a");
  auto& v = c.b.get_state(plain_value, no_ttl);
  v.update(5);
  c.b.get_state(plain_map, no_ttl).put(1, 2);
  BOOST_CHECK_EQUAL(&c.b.get_state(plain_value), &v);
  c.at(1000000); // no time-to-live: nothing expires
  BOOST_CHECK_EQUAL(v.value_or(-1), 5);
  auto* got = c.b.get_state(plain_map).get(1);
  BOOST_REQUIRE(got != nullptr);
  BOOST_CHECK_EQUAL(*got, 2);
  auto refused = [](const exception& e) { return e.code() == ec::invalid_argument; };
  BOOST_CHECK_EXCEPTION(c.b.get_state(with_ttl(value_state_descriptor<int64_t>{"x"}), no_ttl),
                        exception, refused);
  BOOST_CHECK_EXCEPTION(c.b.get_state(map_desc, no_ttl), exception, refused);
}

BOOST_AUTO_TEST_SUITE_END()
