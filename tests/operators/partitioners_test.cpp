// Partitioners (forward, rebalance, hash, broadcast): which subtask receives
// which record, against a reference computed here, at parallelism 1, 2, 4;
// plus the routers on their own (no actors) for exact channel assignment.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include "operators/environment.hpp"

namespace bdata = boost::unit_test::data;

// Named, not anonymous: data test cases are templates (-Wsubobject-linkage).
namespace partitioners_test {

struct rec {
  /// Subtask of the source that emitted it (0 for from_collection).
  uint32_t sender = 0;
  int32_t key = 0;
  /// Per (sender, key): 0, 1, 2, ... in emission order.
  uint32_t seq = 0;
  /// Position in the whole input.
  uint32_t index = 0;
  friend bool operator==(const rec&, const rec&) = default;
  friend bool operator<(const rec& a, const rec& b) {
    return std::tie(a.sender, a.index) < std::tie(b.sender, b.index);
  }
};

/// A record tagged with the subtask that received it.
struct tagged {
  uint32_t subtask = 0;
  rec r;
};

/// Tags each record with the index of the subtask running this operator.
class tag_subtask final : public sluice::stream_operator {
public:
  void process(const sluice::batch_ptr& in, sluice::operator_context& ctx) override {
    auto& xs = sluice::records_of<rec>(*in);
    std::vector<tagged> out;
    out.reserve(xs.size());
    for (auto& x : xs)
      out.push_back({ctx.info().subtask_index, x});
    ctx.emit(sluice::make_batch(std::move(out)));
  }
};

sluice::stream<tagged> tag(const sluice::stream<rec>& s) {
  return s.then<tagged>("tag", [] { return std::make_unique<tag_subtask>(); });
}

/// Records of one sender, keys 0..keys-1 round robin with seq per key.
std::vector<rec> records_of_sender(uint32_t sender, uint32_t n, int32_t keys) {
  std::vector<rec> xs;
  std::map<int32_t, uint32_t> seq;
  for (uint32_t i = 0; i < n; ++i) {
    auto key = static_cast<int32_t>((i * 5 + sender) % static_cast<uint32_t>(keys));
    xs.push_back({sender, key, seq[key]++, i});
  }
  return xs;
}

/// A parallel source: subtask s emits records_of_sender(s, n, keys), in
/// small batches so exchanges interleave senders.
class sender_source final : public sluice::source_operator {
public:
  sender_source(uint32_t n, int32_t keys) : n_(n), keys_(keys) {
  }

  void open(sluice::operator_context& ctx) override {
    xs_ = records_of_sender(ctx.info().subtask_index, n_, keys_);
  }

  sluice::source_step emit_next(sluice::operator_context& ctx, size_t max_records) override {
    auto n = std::min<size_t>({max_records, 17, xs_.size() - next_});
    if (n > 0)
      ctx.emit(sluice::make_batch(std::vector<rec>(xs_.begin() + next_,
                                                   xs_.begin() + next_ + n)));
    next_ += n;
    return {next_ < xs_.size() ? sluice::source_step::more : sluice::source_step::finished};
  }

private:
  uint32_t n_;
  int32_t keys_;
  std::vector<rec> xs_;
  size_t next_ = 0;
};

std::vector<rec> collection(uint32_t n) {
  return records_of_sender(0, n, 23);
}

/// Runs the job and returns the tagged records that reached the sink.
template <class Build>
std::vector<tagged> run(uint32_t p, Build build) {
  sluice::environment env;
  env.set_parallelism(p).set_batch_size(32);
  auto out = build(env).collect();
  BOOST_REQUIRE_EQUAL(sluice::to_string(env.execute("partitioners").status), "finished");
  return out->values();
}

/// Records per receiving subtask, in arrival order.
std::map<uint32_t, std::vector<rec>> by_subtask(const std::vector<tagged>& xs) {
  std::map<uint32_t, std::vector<rec>> result;
  for (auto& t : xs)
    result[t.subtask].push_back(t.r);
  return result;
}

const auto parallelisms = bdata::make({1u, 2u, 4u});

/// A channel_sink recording what a router sends, for the router tests.
struct recording_sink final : sluice::channel_sink {
  std::vector<std::vector<rec>> channels;
  explicit recording_sink(size_t n) : channels(n) {
  }
  void send(size_t c, sluice::batch_ptr b) override {
    auto& xs = sluice::records_of<rec>(*b);
    channels.at(c).insert(channels.at(c).end(), xs.begin(), xs.end());
  }
};

BOOST_AUTO_TEST_SUITE(partitioners)

BOOST_DATA_TEST_CASE(rebalance_sends_record_k_to_subtask_k_mod_p, parallelisms, p) {
  const uint32_t n = 3001;
  auto input = collection(n);
  auto got = run(p, [&](sluice::environment& env) {
    return tag(env.from_collection(input).rebalance());
  });
  BOOST_REQUIRE_EQUAL(got.size(), input.size());
  // One sender (parallelism-1 source), starting at channel 0: the k-th
  // record goes to channel k % p, and each subtask sees its records in order.
  std::map<uint32_t, std::vector<rec>> expected;
  for (uint32_t k = 0; k < n; ++k)
    expected[k % p].push_back(input[k]);
  auto actual = by_subtask(got);
  BOOST_CHECK(actual == expected);
  // Evenly spread: counts differ by at most one.
  size_t lo = n, hi = 0;
  for (uint32_t s = 0; s < p; ++s) {
    lo = std::min(lo, actual[s].size());
    hi = std::max(hi, actual[s].size());
  }
  BOOST_CHECK_LE(hi - lo, 1u);
}

BOOST_DATA_TEST_CASE(rebalance_from_parallel_senders_is_even_and_lossless, parallelisms, p) {
  const uint32_t n = 1000; // per sender
  auto got = run(p, [&](sluice::environment& env) {
    return tag(env.add_source<rec>("senders", [] {
                    return std::make_unique<sender_source>(1000, 23);
                  }).rebalance());
  });
  std::vector<rec> expected, actual;
  for (uint32_t s = 0; s < p; ++s) {
    auto xs = records_of_sender(s, n, 23);
    expected.insert(expected.end(), xs.begin(), xs.end());
  }
  std::map<uint32_t, size_t> counts;
  for (auto& t : got) {
    actual.push_back(t.r);
    ++counts[t.subtask];
  }
  std::sort(expected.begin(), expected.end());
  std::sort(actual.begin(), actual.end());
  BOOST_CHECK(actual == expected);
  // Each of the p senders splits its n records within one of even, so the
  // receivers' totals are within p of each other.
  BOOST_REQUIRE_EQUAL(counts.size(), p);
  size_t lo = SIZE_MAX, hi = 0;
  for (auto& [s, c] : counts) {
    lo = std::min(lo, c);
    hi = std::max(hi, c);
  }
  BOOST_CHECK_LE(hi - lo, p);
}

BOOST_DATA_TEST_CASE(forward_keeps_records_on_their_subtask, parallelisms, p) {
  const uint32_t n = 800; // per sender
  auto got = run(p, [&](sluice::environment& env) {
    return tag(env.add_source<rec>("senders", [] {
                    return std::make_unique<sender_source>(800, 23);
                  }).forward());
  });
  // Subtask s of the receiver gets exactly sender s's records, in order.
  std::map<uint32_t, std::vector<rec>> expected;
  for (uint32_t s = 0; s < p; ++s)
    expected[s] = records_of_sender(s, n, 23);
  BOOST_CHECK(by_subtask(got) == expected);
}

BOOST_DATA_TEST_CASE(broadcast_delivers_every_record_to_every_subtask, parallelisms, p) {
  auto input = collection(1500);
  auto got = run(p, [&](sluice::environment& env) {
    return tag(env.from_collection(input).broadcast());
  });
  BOOST_CHECK_EQUAL(got.size(), input.size() * p);
  std::map<uint32_t, std::vector<rec>> expected;
  for (uint32_t s = 0; s < p; ++s)
    expected[s] = input; // one sender: in order on every channel
  BOOST_CHECK(by_subtask(got) == expected);
}

/// Keyed process function tagging records with the receiving subtask.
class tag_keyed final : public sluice::keyed_process_function<int32_t, rec, tagged> {
public:
  void process_element(const rec& x, sluice::keyed_context<int32_t>& ctx,
                       sluice::collector<tagged>& out) override {
    out.collect({ctx.info().subtask_index, x});
  }
};

BOOST_DATA_TEST_CASE(hash_routes_by_key_group_and_keeps_order_per_key, parallelisms, p) {
  const uint32_t n = 1500; // per sender
  const int32_t keys = 37;
  auto got = run(p, [&](sluice::environment& env) {
    return env.add_source<rec>("senders", [] {
                return std::make_unique<sender_source>(1500, 37);
              })
      .key_by([](const rec& r) { return r.key; })
      .process(tag_keyed{});
  });
  const uint32_t max_p = sluice::default_max_parallelism;
  std::map<std::pair<uint32_t, int32_t>, std::vector<uint32_t>> seqs;
  size_t wrong_subtask = 0;
  for (auto& t : got) {
    auto kg = sluice::key_group_of(t.r.key, max_p);
    wrong_subtask += t.subtask != sluice::operator_index_for_key_group(max_p, p, kg);
    seqs[{t.r.sender, t.r.key}].push_back(t.r.seq);
  }
  BOOST_CHECK_EQUAL(got.size(), size_t{n} * p);
  BOOST_CHECK_EQUAL(wrong_subtask, 0u);
  // Per (sender, key): exactly 0, 1, 2, ... in order (strictly increasing,
  // none lost, none duplicated).
  std::map<std::pair<uint32_t, int32_t>, std::vector<uint32_t>> expected;
  for (uint32_t s = 0; s < p; ++s)
    for (auto& r : records_of_sender(s, n, keys))
      expected[{s, r.key}].push_back(r.seq);
  BOOST_CHECK(seqs == expected);
  // With p > 1 every subtask gets some of the 37 keys.
  std::map<uint32_t, size_t> per_subtask;
  for (auto& t : got)
    ++per_subtask[t.subtask];
  BOOST_CHECK_EQUAL(per_subtask.size(), p);
}

BOOST_AUTO_TEST_CASE(rebalance_router_is_round_robin_from_its_start) {
  for (size_t start : {0u, 1u, 2u, 5u}) {
    sluice::rebalance_router<rec> router{3, 4, start};
    recording_sink sink{3};
    auto input = collection(10);
    router.route(sluice::make_batch(input), sink);
    BOOST_CHECK(router.has_buffered());
    router.flush(sink);
    BOOST_CHECK(!router.has_buffered());
    for (size_t k = 0; k < input.size(); ++k) {
      auto& ch = sink.channels[(start + k) % 3];
      BOOST_CHECK(std::find(ch.begin(), ch.end(), input[k]) != ch.end());
    }
  }
}

BOOST_AUTO_TEST_CASE(rebalance_router_factory_is_deterministic) {
  // Two routers made by the same factory route the same input identically
  // (no hidden per-thread or global counter).
  auto factory = sluice::make_router_factory<rec>();
  auto input = collection(50);
  std::vector<std::vector<rec>> first;
  for (int round = 0; round < 3; ++round) {
    auto router = factory(sluice::partitioning::rebalance, 4, 8, 4, 128, 0);
    recording_sink sink{4};
    router->route(sluice::make_batch(input), sink);
    router->flush(sink);
    if (round == 0)
      first = sink.channels;
    else
      BOOST_CHECK(sink.channels == first);
  }
}

BOOST_AUTO_TEST_CASE(rebalance_sender_i_starts_at_channel_i) {
  auto factory = sluice::make_router_factory<rec>();
  auto input = collection(6);
  for (uint32_t sender = 0; sender < 6; ++sender) {
    auto router = factory(sluice::partitioning::rebalance, 4, 8, 4, 128, sender);
    recording_sink sink{4};
    router->route(sluice::make_batch(input), sink);
    router->flush(sink);
    // Records 0..5 go round robin from channel sender % 4.
    for (size_t k = 0; k < input.size(); ++k) {
      auto& ch = sink.channels[(sender + k) % 4];
      BOOST_CHECK(std::find(ch.begin(), ch.end(), input[k]) != ch.end());
    }
  }
}

BOOST_AUTO_TEST_CASE(hash_router_batches_per_channel_and_groups_keys) {
  auto key = [](const rec& r) { return r.key; };
  auto factory = sluice::make_hash_router_factory<rec>(key);
  auto router = factory(sluice::partitioning::hash, 4, 8, 4, 128, 0);
  recording_sink sink{4};
  auto input = collection(400);
  router->route(sluice::make_batch(input), sink);
  router->flush(sink);
  size_t total = 0;
  for (uint32_t c = 0; c < 4; ++c) {
    total += sink.channels[c].size();
    for (auto& r : sink.channels[c])
      BOOST_CHECK_EQUAL(
        c, sluice::operator_index_for_key_group(128, 4, sluice::key_group_of(r.key, 128)));
    // Order within a channel is input order.
    BOOST_CHECK(std::is_sorted(sink.channels[c].begin(), sink.channels[c].end()));
  }
  BOOST_CHECK_EQUAL(total, input.size());
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace partitioners_test
