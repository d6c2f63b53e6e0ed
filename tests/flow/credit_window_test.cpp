// The flow-control queues as plain classes: the sender's credit window and
// the receiver's input queues.
#include <boost/test/unit_test.hpp>

#include <utility>
#include <vector>

#include "actors/subtask/credit_window.hpp"
#include "actors/subtask/input_queues.hpp"

using namespace sluice;

namespace credit_window_test {

namespace {

/// Records what the window sends, as (channel, kind, first record).
struct recorder {
  std::vector<std::pair<size_t, channel_item::kind>> sent;
  void operator()(size_t ch, channel_item x) {
    sent.emplace_back(ch, x.what);
  }
  size_t data_on(size_t ch) const {
    size_t n = 0;
    for (auto& [c, k] : sent)
      n += c == ch && k == channel_item::kind::data;
    return n;
  }
};

channel_item some_data() {
  return channel_item::data(make_batch(std::vector<int>{1, 2, 3}));
}

} // namespace

BOOST_AUTO_TEST_SUITE(credit_window_suite)

BOOST_AUTO_TEST_CASE(data_beyond_the_credits_waits_in_the_output_queue) {
  credit_window w{2, 3};
  recorder out;
  for (int i = 0; i < 5; ++i)
    w.push(0, some_data(), out);
  BOOST_CHECK_EQUAL(out.data_on(0), 3u);
  BOOST_CHECK_EQUAL(w.queued(0), 2u);
  BOOST_CHECK_EQUAL(w.credits(0), 0u);
  BOOST_CHECK(w.blocked());
  // The other channel is unaffected.
  w.push(1, some_data(), out);
  BOOST_CHECK_EQUAL(out.data_on(1), 1u);
}

BOOST_AUTO_TEST_CASE(granted_credit_releases_queued_data_in_order) {
  credit_window w{1, 1};
  recorder out;
  for (int i = 0; i < 4; ++i)
    w.push(0, some_data(), out);
  w.grant(0, 2, out);
  BOOST_CHECK_EQUAL(out.data_on(0), 3u);
  BOOST_CHECK_EQUAL(w.queued(0), 1u);
  w.grant(0, 5, out);
  BOOST_CHECK_EQUAL(out.data_on(0), 4u);
  BOOST_CHECK(!w.blocked());
  BOOST_CHECK_EQUAL(w.credits(0), 4u);
  BOOST_CHECK_EQUAL(w.peak_queued(), 3u);
}

BOOST_AUTO_TEST_CASE(control_items_need_no_credit_but_never_overtake_data) {
  credit_window w{1, 1};
  recorder out;
  w.push(0, channel_item::watermark(5), out); // no data queued: goes at once
  BOOST_REQUIRE_EQUAL(out.sent.size(), 1u);
  w.push(0, some_data(), out);               // uses the only credit
  w.push(0, some_data(), out);               // queued
  w.push(0, channel_item::barrier(1, 0), out); // behind the queued data
  BOOST_CHECK_EQUAL(out.sent.size(), 2u);
  w.grant(0, 1, out);
  BOOST_REQUIRE_EQUAL(out.sent.size(), 4u);
  BOOST_CHECK(out.sent[2].second == channel_item::kind::data);
  BOOST_CHECK(out.sent[3].second == channel_item::kind::barrier);
  // With no credit left, a control item at the head still goes out.
  w.push(0, channel_item::end_of_stream(), out);
  BOOST_CHECK_EQUAL(out.sent.size(), 5u);
  BOOST_CHECK(!w.blocked());
}

BOOST_AUTO_TEST_CASE(disabled_window_sends_everything_at_once) {
  credit_window w{1, 1, false};
  recorder out;
  for (int i = 0; i < 100; ++i)
    w.push(0, some_data(), out);
  BOOST_CHECK_EQUAL(out.data_on(0), 100u);
  BOOST_CHECK(!w.blocked());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(input_queues_suite)

BOOST_AUTO_TEST_CASE(items_of_a_channel_come_out_in_order_channels_take_turns) {
  input_queues q{2};
  q.push(0, channel_item::data(make_batch(std::vector<int>{1})));
  q.push(0, channel_item::watermark(7));
  q.push(1, channel_item::data(make_batch(std::vector<int>{2})));
  q.push(1, channel_item::end_of_stream());
  std::vector<std::pair<uint32_t, channel_item::kind>> order;
  while (auto x = q.pop())
    order.emplace_back(x->first, x->second.what);
  using k = channel_item::kind;
  std::vector<std::pair<uint32_t, channel_item::kind>> expected{
    {0, k::data}, {1, k::data}, {0, k::watermark}, {1, k::end_of_stream}};
  BOOST_CHECK(order == expected);
  BOOST_CHECK_EQUAL(q.size(), 0u);
}

BOOST_AUTO_TEST_CASE(blocked_channel_is_skipped_until_unblocked) {
  input_queues q{2};
  q.push(0, channel_item::data(make_batch(std::vector<int>{1})));
  q.push(1, channel_item::data(make_batch(std::vector<int>{2})));
  q.block(0);
  auto x = q.pop();
  BOOST_REQUIRE(x);
  BOOST_CHECK_EQUAL(x->first, 1u);
  BOOST_CHECK(!q.pop());
  BOOST_CHECK(!q.ready());
  BOOST_CHECK_EQUAL(q.size(), 1u);
  q.unblock(0);
  BOOST_CHECK(q.ready());
  BOOST_CHECK_EQUAL(q.pop()->first, 0u);
}

BOOST_AUTO_TEST_CASE(peak_counts_data_items_per_channel_not_control_items) {
  input_queues q{2};
  for (int i = 0; i < 3; ++i)
    q.push(0, channel_item::data(make_batch(std::vector<int>{i})));
  q.push(0, channel_item::watermark(1));
  q.push(1, channel_item::data(make_batch(std::vector<int>{9})));
  BOOST_CHECK_EQUAL(q.data(0), 3u);
  BOOST_CHECK_EQUAL(q.peak_data(), 3u);
  q.pop();
  q.pop();
  BOOST_CHECK_EQUAL(q.data(0), 2u);
  BOOST_CHECK_EQUAL(q.peak_data(), 3u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace credit_window_test
