// window-stats: per URL and 10 s event-time window, the clicks and the
// distinct users (see apps/jobs/window_examples.hpp).
#include "apps/jobs/window_examples.hpp"

#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "apps/jobs/window_example_support.hpp"

using namespace std::chrono_literals;

namespace sluice::apps {

namespace {

/// window-stats: clicks and distinct users of one URL in one window.
class url_stats_window final
  : public process_window_function<std::string, event, url_view_stats, time_window> {
public:
  void process(const std::string& url, const window_context<time_window>& ctx,
               const std::vector<event>& elements, collector<url_view_stats>& out) override {
    std::set<std::string_view> users;
    for (auto& e : elements)
      users.insert(e.user);
    out.collect(url_view_stats{url, static_cast<int64_t>(elements.size()),
                               static_cast<int64_t>(users.size()), ctx.window.start,
                               ctx.window.end});
  }
};

} // namespace

stream<url_view_stats> window_stats(const stream<event>& clicks) {
  const std::string job = "window-stats";
  auto strategy = watermark_strategy<event>::for_bounded_out_of_orderness(2s)
                    .with_timestamp_assigner([](const event& e) { return e.timestamp; });
  auto timed = clicks.assign_timestamps_and_watermarks(strategy);
  timed.name(job + "-timestamps").uid(job + "-timestamps");
  auto stats = timed.key_by([](const event& e) { return e.url; })
                 .window(tumbling_event_time_windows::of(10s))
                 .process(url_stats_window{});
  return window_support::named_window(stats, job);
}

stream<url_view_stats> window_stats(environment& env, const click_source_options& opts) {
  auto clicks = env.click_events(opts);
  clicks.name("click-source").uid("click-source");
  return window_stats(clicks);
}

} // namespace sluice::apps
