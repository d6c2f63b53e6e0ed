// two_phase_commit_sink: Flink's TwoPhaseCommitSinkFunction algorithm against
// an in-memory "external system" that keeps open, pre-committed and
// committed transactions apart and fails on a commit of a transaction it
// does not know (lost data). Records -> snapshot -> complete -> crash ->
// restore: the committed output must be exactly the records before the
// restored barrier; a second commit must change nothing; transactions begun
// after the checkpoint must be cleaned up; ids never repeat.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>

#include "operators/two_phase_commit_sink.hpp"
#include "tests/operators/sink_test_util.hpp"

using namespace sluice;

namespace two_phase_commit_sink_test {

using namespace sluice::testing;

namespace {

struct mock_txn {
  std::string id;
  friend bool operator==(const mock_txn&, const mock_txn&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mock_txn& x) {
  return f(caf::meta::type_name("mock_txn"), x.id);
}

/// Transactions by id, in three stages; what readers see is `visible()`.
struct external_system {
  std::map<std::string, std::vector<int>> open;
  std::map<std::string, std::vector<int>> pre_committed;
  std::map<std::string, std::vector<int>> committed;
  std::map<std::string, int> commit_calls;
  std::vector<std::string> begun;
  size_t cleaned = 0;

  /// Committed records, transactions in id order.
  std::vector<int> visible() const {
    std::vector<int> out;
    for (auto& [id, xs] : committed)
      out.insert(out.end(), xs.begin(), xs.end());
    return out;
  }
};

class mock_sink final : public two_phase_commit_sink<int, mock_txn> {
public:
  explicit mock_sink(std::shared_ptr<external_system> ext) : ext_(std::move(ext)) {
  }

protected:
  mock_txn begin_transaction(const transaction_context& ctx) override {
    BOOST_REQUIRE_MESSAGE(!ext_->open.count(ctx.id) && !ext_->committed.count(ctx.id),
                          "transaction id reused: " << ctx.id);
    ext_->open[ctx.id];
    ext_->begun.push_back(ctx.id);
    return mock_txn{ctx.id};
  }
  void invoke(mock_txn& txn, const int& x) override {
    ext_->open.at(txn.id).push_back(x);
  }
  void pre_commit(mock_txn& txn) override {
    ext_->pre_committed[txn.id] = ext_->open.at(txn.id);
    ext_->open.erase(txn.id);
  }
  void commit(const mock_txn& txn) override {
    ++ext_->commit_calls[txn.id];
    if (auto i = ext_->pre_committed.find(txn.id); i != ext_->pre_committed.end()) {
      ext_->committed[txn.id] = i->second;
      ext_->pre_committed.erase(i);
    } else if (!ext_->committed.count(txn.id)) {
      throw exception(ec::io_error, "commit of unknown transaction " + txn.id);
    }
  }
  void abort(const mock_txn& txn) override {
    ext_->open.erase(txn.id);
    ext_->pre_committed.erase(txn.id);
  }
  void clean_up_leftovers(const subtask_info& info,
                          const std::vector<uint32_t>& subtasks) override {
    // Like in-progress files: open and pre-committed data of these
    // subtasks that no restored state mentions.
    for (auto j : subtasks) {
      auto prefix = transaction_id_prefix(info, j);
      for (auto* stage : {&ext_->open, &ext_->pre_committed})
        for (auto i = stage->begin(); i != stage->end();)
          if (i->first.rfind(prefix, 0) == 0) {
            i = stage->erase(i);
            ++ext_->cleaned;
          } else {
            ++i;
          }
    }
  }

private:
  std::shared_ptr<external_system> ext_;
};

using hosted_sink = hosted<mock_sink>;

hosted_sink start(std::shared_ptr<external_system> ext, std::vector<list_state_item> items = {},
                  uint64_t restored_id = 0, subtask_info info = sink_info()) {
  return host(std::make_unique<mock_sink>(std::move(ext)), std::move(info), std::move(items),
              restored_id);
}

std::vector<int> range(int first, int last) {
  std::vector<int> xs;
  for (int i = first; i <= last; ++i)
    xs.push_back(i);
  return xs;
}

} // namespace

BOOST_AUTO_TEST_SUITE(two_phase_commit_sink_test)

BOOST_AUTO_TEST_CASE(pre_commit_at_the_barrier_commit_on_completion) {
  auto ext = std::make_shared<external_system>();
  auto s = start(ext);
  BOOST_REQUIRE(s.op->current_transaction());
  BOOST_CHECK_EQUAL(s.op->current_transaction()->id, "job.sink-0-0000000000");
  s.feed(range(1, 3));
  BOOST_CHECK(ext->pre_committed.empty());
  auto items = s.snapshot(1);
  BOOST_CHECK_EQUAL(items.size(), 1u);
  BOOST_CHECK_EQUAL(items.front().state, "2pc-state");
  BOOST_CHECK(ext->pre_committed.at("job.sink-0-0000000000") == range(1, 3));
  BOOST_CHECK(ext->visible().empty()); // invisible until the checkpoint completed
  BOOST_CHECK_EQUAL(s.op->current_transaction()->id, "job.sink-0-0000000001");
  s.complete(1);
  BOOST_CHECK(ext->visible() == range(1, 3));
  BOOST_CHECK(s.op->pending_transactions().empty());
}

BOOST_AUTO_TEST_CASE(a_restore_commits_exactly_the_records_before_the_barrier) {
  auto ext = std::make_shared<external_system>();
  auto s = start(ext);
  s.feed(range(1, 3));
  s.snapshot(1);
  s.complete(1);
  s.feed(range(4, 6));
  auto items2 = s.snapshot(2); // pre-commits 4..6; complete(2) never arrives
  s.feed(range(7, 8));         // in the transaction begun after checkpoint 2
  s.crash();
  BOOST_CHECK(ext->visible() == range(1, 3));
  auto r = start(ext, items2, 2);
  BOOST_CHECK(ext->visible() == range(1, 6));
  BOOST_CHECK(ext->open.count("job.sink-0-0000000002") == 0); // aborted, 7 and 8 gone
  BOOST_CHECK(ext->pre_committed.empty());
  // The new transaction's id is new (begin_transaction checks reuse).
  BOOST_CHECK_EQUAL(r.op->current_transaction()->id, "job.sink-0-0000000003");
  // The replayed 7 and 8 go into it and are committed once.
  r.feed(range(7, 8));
  r.snapshot(3);
  r.complete(3);
  BOOST_CHECK(ext->visible() == range(1, 8));
}

BOOST_AUTO_TEST_CASE(committing_the_same_transaction_twice_is_harmless) {
  auto ext = std::make_shared<external_system>();
  auto s = start(ext);
  s.feed(range(1, 2));
  s.snapshot(1);
  s.feed(range(3, 4));
  auto items2 = s.snapshot(2);
  s.complete(2); // commits 1 and 2 after their state (which lists them) was taken
  s.crash();
  BOOST_CHECK(ext->visible() == range(1, 4));
  // Recover checkpoint 2 twice: both restores commit its pending
  // transactions again, nothing changes.
  start(ext, items2, 2).crash();
  start(ext, items2, 2).crash();
  BOOST_CHECK(ext->visible() == range(1, 4));
  BOOST_CHECK_EQUAL(ext->commit_calls.at("job.sink-0-0000000000"), 3);
  BOOST_CHECK_EQUAL(ext->commit_calls.at("job.sink-0-0000000001"), 3);
}

BOOST_AUTO_TEST_CASE(transactions_begun_after_the_checkpoint_are_cleaned_up) {
  auto ext = std::make_shared<external_system>();
  auto s = start(ext);
  s.feed(range(1, 2));
  auto items1 = s.snapshot(1);
  s.feed(range(3, 4));
  s.snapshot(2); // never completes
  s.feed(range(5, 6));
  s.snapshot(3); // never completes
  s.feed(range(7, 7));
  s.crash();
  // Restoring checkpoint 1: its pending transaction (1, 2) is committed, its
  // current one (3, 4, pre-committed at 2) aborted, and the transactions
  // begun after 2 and 3 appear in no state: cleaned up by their prefix.
  auto r = start(ext, items1, 1);
  BOOST_CHECK(ext->visible() == range(1, 2));
  BOOST_CHECK(ext->pre_committed.empty());
  // Cleaned: the one pre-committed at 3 and the open one begun after 3.
  BOOST_CHECK_EQUAL(ext->cleaned, 2u);
  BOOST_REQUIRE_EQUAL(ext->open.size(), 1u);
  BOOST_CHECK_EQUAL(ext->open.begin()->first, r.op->current_transaction()->id);
  // Sequence numbers continue from the restored state (2 was a leftover,
  // gone now; a sink whose target keeps ids reports first_free_sequence).
  BOOST_CHECK_EQUAL(r.op->current_transaction()->id, "job.sink-0-0000000002");
}

BOOST_AUTO_TEST_CASE(an_aborted_checkpoints_transaction_commits_with_the_next_one) {
  auto ext = std::make_shared<external_system>();
  auto s = start(ext);
  s.feed(range(1, 2));
  s.snapshot(1);
  s.aborted(1);
  BOOST_CHECK_EQUAL(s.op->pending_transactions().size(), 1u);
  s.feed(range(3, 4));
  s.snapshot(2);
  BOOST_CHECK(ext->visible().empty());
  s.complete(2);
  BOOST_CHECK(ext->visible() == range(1, 4));
  BOOST_CHECK(s.op->pending_transactions().empty());
}

BOOST_AUTO_TEST_CASE(the_final_checkpoint_after_end_of_input_commits_everything) {
  auto ext = std::make_shared<external_system>();
  auto s = start(ext);
  s.feed(range(1, 3));
  s.snapshot(1);
  s.feed(range(4, 5));
  s.finish(); // close: no transaction after the next snapshot
  s.snapshot(2);
  BOOST_CHECK(!s.op->current_transaction());
  BOOST_CHECK(ext->open.empty());
  s.complete(2);
  BOOST_CHECK(ext->visible() == range(1, 5));
  BOOST_CHECK_EQUAL(ext->begun.size(), 2u);
}

BOOST_AUTO_TEST_CASE(a_rescale_handles_every_old_subtask_once) {
  auto ext = std::make_shared<external_system>();
  std::vector<hosted_sink> olds;
  for (uint32_t i = 0; i < 3; ++i)
    olds.push_back(start(ext, {}, 0, sink_info(i, 3)));
  std::vector<std::vector<list_state_item>> items(3);
  for (uint32_t i = 0; i < 3; ++i) {
    olds[i].feed(range(10 * i, 10 * i + 2));
    items[i] = olds[i].snapshot(5);
    olds[i].feed(range(10 * i + 5, 10 * i + 5)); // after the barrier
    olds[i].crash();
  }
  auto modes = mock_sink{ext}.list_state_modes();
  // 3 -> 2: new subtask 0 handles old 0 and 2, new subtask 1 old 1.
  std::vector<hosted_sink> news;
  for (uint32_t i = 0; i < 2; ++i)
    news.push_back(start(ext, redistribute(items, 2, i, modes), 5, sink_info(i, 2)));
  std::vector<int> expected;
  for (int i = 0; i < 3; ++i)
    for (int x : range(10 * i, 10 * i + 2))
      expected.push_back(x);
  auto got = ext->visible();
  std::sort(got.begin(), got.end());
  BOOST_CHECK(got == expected);
  for (auto& [id, n] : ext->commit_calls)
    BOOST_CHECK_MESSAGE(n == 1, id << " committed " << n << " times");
  BOOST_CHECK_EQUAL(ext->open.size(), 2u); // just the new current transactions
  // Old subtask 2's sequence numbers go with its prefix: after scaling back
  // to 3, new subtask 2 does not reuse an id (begin_transaction checks).
  std::vector<std::vector<list_state_item>> items2(2);
  for (uint32_t i = 0; i < 2; ++i) {
    items2[i] = news[i].snapshot(6);
    news[i].crash();
  }
  for (uint32_t i = 0; i < 3; ++i)
    start(ext, redistribute(items2, 3, i, modes), 6, sink_info(i, 3)).crash();
  BOOST_CHECK_EQUAL(ext->begun.back(), "job.sink-2-0000000002");
}

BOOST_AUTO_TEST_CASE(ids_name_job_uid_and_subtask) {
  auto info = sink_info(7, 8, "my sink/1");
  info.job_name = "word count";
  BOOST_CHECK_EQUAL(transaction_id(info, 7, 42), "word_count.my_sink_1-7-0000000042");
  BOOST_CHECK_EQUAL(transaction_id_prefix(info, 1), "word_count.my_sink_1-1-");
  BOOST_CHECK(parse_transaction_sequence("word_count.my_sink_1-1-0000000042",
                                         transaction_id_prefix(info, 1))
              == std::optional<uint64_t>{42});
  // Subtask 1's prefix does not match subtask 11's ids.
  BOOST_CHECK(!parse_transaction_sequence("word_count.my_sink_1-11-0000000042",
                                          transaction_id_prefix(info, 1)));
  BOOST_CHECK(!parse_transaction_sequence("word_count.my_sink_1-1-42x",
                                          transaction_id_prefix(info, 1)));
}

BOOST_AUTO_TEST_CASE(corrupt_state_fails_the_restore_with_a_named_error) {
  auto ext = std::make_shared<external_system>();
  std::vector<list_state_item> items{list_state_item{"2pc-state", "garbage"}};
  try {
    start(ext, items, 1);
    BOOST_ERROR("a corrupt state was accepted");
  } catch (const exception& e) {
    BOOST_CHECK(e.code() == ec::corrupt_file);
    BOOST_CHECK_MESSAGE(std::string{e.what()}.find("2pc-state") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace two_phase_commit_sink_test
