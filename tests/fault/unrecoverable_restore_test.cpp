// Failures no restart can cure fail the job at once (Flink's
// SuppressRestartsException), without spending restart attempts: restored
// state of another type than the operator registers, a source that cannot
// take the new parallelism. Each job has a generous restart strategy
// (fixed-delay, 100 attempts); before the fix each of them looped through
// every attempt and ended with 100 restarts.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "operators/environment.hpp"
#include "operators/sources.hpp"
#include "tests/checkpoint/coordinator_test_util.hpp"

using namespace sluice;
using namespace sluice::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// Keeps a per-key total in keyed value state "total" of type T.
template <class T>
class keep_total final : public keyed_process_function<int64_t, int64_t, int64_t> {
public:
  void open(keyed_context<int64_t>& ctx) override {
    total_ = &ctx.state(value_state_descriptor<T>{"total"});
  }

  void process_element(const int64_t& x, keyed_context<int64_t>&,
                       collector<int64_t>& out) override {
    if constexpr (std::is_same_v<T, int64_t>)
      total_->update(total_->value_or(0) + x);
    else
      total_->update(std::to_string(x));
    out.collect(x);
  }

private:
  value_state<T>* total_ = nullptr;
};

std::vector<int64_t> numbers(int64_t n) {
  std::vector<int64_t> xs;
  for (int64_t i = 1; i <= n; ++i)
    xs.push_back(i);
  return xs;
}

/// A source with one offset per subtask (restored_offset): it cannot change
/// its parallelism.
class offset_source final : public source_operator {
public:
  void initialize_state(const initialization_context& ctx) override {
    restored_ = restored_offset(ctx, "offset source");
  }

  void snapshot_state(const snapshot_context& ctx) override {
    std::string bytes;
    encode_value(next_, bytes);
    ctx.add_list_item("offset", std::move(bytes));
  }

  void open(operator_context&) override {
    next_ = restored_.value_or(0);
  }

  bool replayable() const noexcept override {
    return true;
  }

  source_step emit_next(operator_context& ctx, size_t) override {
    if (next_ >= 2000)
      return {source_step::finished};
    ctx.emit(make_batch(std::vector<int64_t>{static_cast<int64_t>(next_++)}));
    return {source_step::more};
  }

private:
  std::optional<uint64_t> restored_;
  uint64_t next_ = 0;
};

/// An environment with checkpoints under `dir` (all retained) and a
/// restart strategy that would try 100 times.
std::unique_ptr<environment> make_env(const fs::path& dir, uint32_t parallelism) {
  auto pc = default_pipeline_config();
  pc.threads = 2;
  pc.parallelism = parallelism;
  auto env = std::make_unique<environment>(pc);
  env->set_checkpoint_config(retain_all(dir, 20ms));
  env->set_restart_strategy(restart_config::fixed_delay(100, 10ms));
  return env;
}

/// The newest retained checkpoint of a finished job.
fs::path newest_checkpoint(const job_client& job) {
  auto dir = job.storage()->job_dir();
  auto ids = chk_dirs(dir);
  BOOST_REQUIRE(!ids.empty());
  return dir / ("chk-" + std::to_string(*ids.rbegin()));
}

} // namespace

BOOST_AUTO_TEST_SUITE(unrecoverable_restore)

BOOST_AUTO_TEST_CASE(restored_state_of_another_type_fails_the_job_at_once) {
  temp_dir dir;
  fs::path checkpoint;
  {
    auto env = make_env(dir.path / "first", 2);
    env->from_collection(numbers(500))
      .key_by([](int64_t x) { return x % 7; })
      .process(keep_total<int64_t>{})
      .uid("totals")
      .collect();
    auto job = env->execute_async("totals");
    auto result = job.wait();
    BOOST_REQUIRE_EQUAL(to_string(result.status), "finished");
    checkpoint = newest_checkpoint(job);
  }
  auto env = make_env(dir.path / "second", 2);
  env->from_collection(numbers(500))
    .key_by([](int64_t x) { return x % 7; })
    .process(keep_total<std::string>{})
    .uid("totals")
    .collect();
  env->restore_from(checkpoint);
  auto result = env->execute("totals as text");
  BOOST_CHECK_EQUAL(to_string(result.status), "failed");
  BOOST_CHECK(result.code == ec::state_type_mismatch);
  BOOST_CHECK_MESSAGE(result.message.find("'total'") != std::string::npos, result.message);
  BOOST_CHECK_MESSAGE(result.message.find("not restarted") != std::string::npos, result.message);
  BOOST_CHECK_EQUAL(result.restarts.restarts, 0u);
}

BOOST_AUTO_TEST_CASE(a_source_that_cannot_rescale_fails_the_job_at_once) {
  temp_dir dir;
  fs::path checkpoint;
  {
    auto env = make_env(dir.path / "first", 2);
    env->add_source<int64_t>("offsets", [] { return std::make_unique<offset_source>(); }, 2)
      .uid("offsets")
      .collect();
    auto job = env->execute_async("offsets");
    BOOST_REQUIRE_EQUAL(to_string(job.wait().status), "finished");
    checkpoint = newest_checkpoint(job);
  }
  auto env = make_env(dir.path / "second", 3);
  env->add_source<int64_t>("offsets", [] { return std::make_unique<offset_source>(); }, 3)
    .uid("offsets")
    .collect();
  env->restore_from(checkpoint);
  auto result = env->execute("offsets at 3");
  BOOST_CHECK_EQUAL(to_string(result.status), "failed");
  BOOST_CHECK(result.code == ec::incompatible_state);
  BOOST_CHECK_MESSAGE(result.message.find("offset source") != std::string::npos, result.message);
  BOOST_CHECK_EQUAL(result.restarts.restarts, 0u);
}

BOOST_AUTO_TEST_SUITE_END()
