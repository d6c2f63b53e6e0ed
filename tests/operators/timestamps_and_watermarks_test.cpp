// The timestamp and watermark assigner (operators/timestamps_and_watermarks.hpp)
// on a recording context: a watermark a generator emits while it sees a
// record follows that record (records before it go out first, later ones
// after it); periodic generators leave batches whole.
#include "operators/timestamps_and_watermarks.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

#include "tests/operators/punctuated_watermarks.hpp"

using namespace sluice;

namespace timestamps_and_watermarks_test {

namespace {

/// Logs what the operator hands on: "r:5,10" for a batch (record
/// timestamps), "w:4" for a watermark.
class recording_context final : public operator_context {
public:
  void emit(batch_ptr b) override {
    std::string s = "r:";
    for (auto t : b->timestamps())
      s += std::to_string(t) + ",";
    s.pop_back();
    log.push_back(s);
  }
  void emit_watermark(timestamp wm) override {
    log.push_back("w:" + std::to_string(wm));
  }
  keyed_state_backend* keyed_state() noexcept override {
    return nullptr;
  }
  timestamp current_watermark() const noexcept override {
    return min_timestamp;
  }
  timestamp processing_time() const noexcept override {
    return 0;
  }
  void request_processing_time(timestamp) override {
  }
  operator_metrics& metrics() noexcept override {
    return metrics_;
  }
  const subtask_info& info() const noexcept override {
    return info_;
  }

  std::vector<std::string> log;

private:
  operator_metrics metrics_;
  subtask_info info_;
};

std::vector<std::string> run(watermark_strategy<int64_t> strategy,
                             std::vector<std::vector<int64_t>> batches) {
  recording_context ctx;
  timestamps_and_watermarks_operator<int64_t> op{
    strategy.with_timestamp_assigner([](const int64_t& x) { return x; })};
  op.open(ctx);
  for (auto& b : batches)
    op.process(make_batch(std::move(b)), ctx);
  op.on_processing_time(0, ctx); // a periodic emit
  return ctx.log;
}

} // namespace

BOOST_AUTO_TEST_SUITE(timestamps_and_watermarks)

BOOST_AUTO_TEST_CASE(punctuated_watermarks_follow_their_record) {
  auto log = run(watermark_strategy<int64_t>::for_generator(
                   [] { return std::make_unique<sluice::testing::every_event_watermarks>(); }),
                 {{5, 10, 7, 12}, {3, 4}});
  std::vector<std::string> want{"r:5", "w:4", "r:10", "w:9", "r:7,12", "w:11", "r:3,4"};
  BOOST_CHECK_EQUAL_COLLECTIONS(log.begin(), log.end(), want.begin(), want.end());
}

BOOST_AUTO_TEST_CASE(periodic_watermarks_leave_batches_whole) {
  using namespace std::chrono_literals;
  auto log = run(watermark_strategy<int64_t>::for_bounded_out_of_orderness(2ms),
                 {{5, 10, 7}, {3}});
  std::vector<std::string> want{"r:5,10,7", "r:3", "w:7"}; // 10 - 2 - 1
  BOOST_CHECK_EQUAL_COLLECTIONS(log.begin(), log.end(), want.begin(), want.end());
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace timestamps_and_watermarks_test
