// assess_guarantee (actors/job/delivery_guarantee.hpp) without an actor system:
// what a job promises for its state from its sources and checkpointing, and
// the warning that names a source which cannot replay.
#include <boost/test/unit_test.hpp>

#include <memory>
#include <vector>

#include "actors/job/delivery_guarantee.hpp"
#include "actors/contract/job_graph.hpp"

using namespace sluice;

namespace delivery_guarantee_test {

namespace {

class test_source final : public source_operator {
public:
  explicit test_source(bool replayable) : replayable_(replayable) {
  }

  source_step emit_next(operator_context&, size_t) override {
    return {source_step::finished};
  }

  bool replayable() const noexcept override {
    return replayable_;
  }

private:
  bool replayable_;
};

job_node source_node(std::string name, bool replayable) {
  job_node n;
  n.name = std::move(name);
  n.source = true;
  n.factory = [replayable] { return std::make_unique<test_source>(replayable); };
  return n;
}

checkpoint_config checkpointing(checkpointing_mode mode) {
  checkpoint_config cp;
  cp.interval = std::chrono::milliseconds{100};
  cp.mode = mode;
  return cp;
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_guarantee)

BOOST_AUTO_TEST_CASE(replayable_sources_keep_the_checkpointing_mode) {
  std::vector<job_node> nodes{source_node("files", true), source_node("clicks", true)};
  auto exact = assess_guarantee(nodes, checkpointing(checkpointing_mode::exactly_once));
  BOOST_CHECK(exact.level == processing_guarantee::exactly_once);
  BOOST_CHECK(exact.warnings.empty());
  auto least = assess_guarantee(nodes, checkpointing(checkpointing_mode::at_least_once));
  BOOST_CHECK(least.level == processing_guarantee::at_least_once);
  BOOST_CHECK(least.warnings.empty());
}

BOOST_AUTO_TEST_CASE(a_source_that_cannot_replay_makes_the_job_at_most_once_and_is_named) {
  std::vector<job_node> nodes{source_node("files", true), source_node("stdin", false)};
  auto r = assess_guarantee(nodes, checkpointing(checkpointing_mode::exactly_once));
  BOOST_CHECK(r.level == processing_guarantee::at_most_once);
  BOOST_REQUIRE_EQUAL(r.warnings.size(), 1u);
  BOOST_CHECK_MESSAGE(r.warnings[0].find("'stdin'") != std::string::npos, r.warnings[0]);
  BOOST_CHECK_MESSAGE(r.warnings[0].find("at-most-once") != std::string::npos, r.warnings[0]);
  BOOST_CHECK_EQUAL(to_string(r.level), std::string{"at_most_once"});
}

BOOST_AUTO_TEST_CASE(without_checkpointing_a_failure_loses_the_state) {
  std::vector<job_node> nodes{source_node("stdin", false)};
  auto r = assess_guarantee(nodes, checkpoint_config{});
  BOOST_CHECK(r.level == processing_guarantee::at_most_once);
  BOOST_CHECK(r.warnings.empty()); // nothing to warn about: nothing is promised
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace delivery_guarantee_test
