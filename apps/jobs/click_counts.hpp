// The seeds' SavepointExample: per-user visit counts over the click
// generator, with the count kept in keyed value state.
#pragma once

#include <cstdint>
#include <string>

#include "operators/environment.hpp"

namespace sluice::apps {

/// Counts visits per user (the seeds' UserVisitCountFunction).
class user_visit_count final
  : public keyed_process_function<std::string, event, std::string> {
public:
  void open(keyed_context<std::string>& ctx) override {
    count_ = &ctx.state(value_state_descriptor<int64_t>{"visit-count"});
  }

  void process_element(const event& e, keyed_context<std::string>&,
                       collector<std::string>& out) override {
    auto n = count_->value_or(0) + 1;
    count_->update(n);
    out.collect(e.user + " visit count: " + std::to_string(n));
  }

private:
  value_state<int64_t>* count_ = nullptr;
};

/// source -> key_by(user) -> process(user_visit_count); the caller adds
/// the sink (`print` in the CLI, `collect` in tests).
inline stream<std::string> click_counts(environment& env, const click_source_options& opts) {
  auto clicks = env.click_events(opts);
  clicks.uid("source-id");
  auto counts = clicks.key_by([](const event& e) { return e.user; })
                  .process(user_visit_count{});
  counts.uid("visit-count-processor-id");
  return counts;
}

} // namespace sluice::apps
