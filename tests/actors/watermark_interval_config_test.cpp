// pipeline.auto-watermark-interval (Flink's name) through sluice's option
// parsing: the compiled-in default, the command line, the config file, a
// host's CAF config (embedding) and the errors that name it.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <sstream>
#include <string>
#include <utility>

#include <caf/all.hpp>

#include "actors/embedding/embedding.hpp"
#include "actors/contract/error.hpp"
#include "actors/job/runtime.hpp"
#include "actors/config/system_config.hpp"
#include "sluice_defaults.hpp"
#include "tests/actors/system_config_test_util.hpp"

using namespace sluice;

namespace watermark_interval_config_test {

using namespace sluice::config_test;

BOOST_AUTO_TEST_SUITE(watermark_interval_config)

// pipeline.auto-watermark-interval (Flink's name): 200ms by default (the
// meson option's default), a duration from the command line or the config
// file, 0 turns periodic watermarks off, negative values are refused by name.
BOOST_AUTO_TEST_CASE(auto_watermark_interval_defaults_to_200ms) {
  BOOST_CHECK_EQUAL(std::string{SLUICE_DEFAULT_PIPELINE_AUTO_WATERMARK_INTERVAL}, "200ms");
  BOOST_CHECK_EQUAL(default_pipeline_config().auto_watermark_interval.count(), 200);
  system_config cfg;
  auto err = cfg.parse_args({});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  BOOST_CHECK_EQUAL(cfg.pipeline().auto_watermark_interval.count(), 200);
}

BOOST_AUTO_TEST_CASE(auto_watermark_interval_on_the_command_line) {
  for (auto [arg, ms] : {std::pair{"--pipeline.auto-watermark-interval=50ms", 50},
                         std::pair{"--pipeline.auto-watermark-interval=1s", 1000},
                         std::pair{"--pipeline.auto-watermark-interval=0ms", 0}}) {
    system_config cfg;
    auto err = cfg.parse_args({arg});
    BOOST_REQUIRE_MESSAGE(!err, arg << ": " << render(err));
    BOOST_CHECK_EQUAL(cfg.pipeline().auto_watermark_interval.count(), ms);
    // The neighbouring option keeps its own value.
    BOOST_CHECK_EQUAL(cfg.pipeline().buffer_timeout.count(),
                      default_pipeline_config().buffer_timeout.count());
  }
}

BOOST_AUTO_TEST_CASE(auto_watermark_interval_in_the_config_file) {
  temp_file file{"[pipeline]\nauto-watermark-interval=75ms\n"};
  system_config cfg;
  auto err = cfg.parse_args({file.arg()});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  BOOST_CHECK_EQUAL(cfg.pipeline().auto_watermark_interval.count(), 75);
  system_config overridden;
  err = overridden.parse_args({file.arg(), "--pipeline.auto-watermark-interval=3s"});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  BOOST_CHECK_EQUAL(overridden.pipeline().auto_watermark_interval.count(), 3000);
}

BOOST_AUTO_TEST_CASE(negative_auto_watermark_interval_is_rejected) {
  check_error({"--pipeline.auto-watermark-interval=-5ms"}, ec::invalid_option,
              {"pipeline.auto-watermark-interval", "-5ms", "negative"});
  temp_file file{"[pipeline]\nauto-watermark-interval=-1s\n"};
  check_error({file.arg()}, ec::invalid_option,
              {"pipeline.auto-watermark-interval", "-1000ms", "negative"});
  check_error({"--pipeline.auto-watermark-interval=often"}, ec::invalid_option,
              {"pipeline.auto-watermark-interval"});
  pipeline_config negative = default_pipeline_config();
  negative.auto_watermark_interval = std::chrono::milliseconds{-1};
  auto err = validate(negative);
  BOOST_REQUIRE(err);
  BOOST_CHECK(code_of(err) == ec::invalid_option);
  BOOST_CHECK_MESSAGE(contains(render(err), "pipeline.auto-watermark-interval = -1ms"),
                      render(err));
}

BOOST_AUTO_TEST_CASE(register_sluice_adds_auto_watermark_interval_to_a_host_config) {
  caf::actor_system_config host;
  register_sluice(host);
  std::istringstream no_file;
  auto err = host.parse({"--pipeline.auto-watermark-interval=40ms"}, no_file);
  BOOST_REQUIRE_MESSAGE(!err, caf::to_string(err));
  auto cfg = read_pipeline_config(host);
  BOOST_REQUIRE_MESSAGE(cfg, (cfg ? std::string{} : render(cfg.error())));
  BOOST_CHECK_EQUAL(cfg->auto_watermark_interval.count(), 40);
  caf::actor_system_config bad;
  register_sluice(bad);
  std::istringstream no_file2;
  BOOST_REQUIRE(!bad.parse({"--pipeline.auto-watermark-interval=-2s"}, no_file2));
  auto refused = read_pipeline_config(bad);
  BOOST_REQUIRE(!refused);
  BOOST_CHECK(code_of(refused.error()) == ec::invalid_option);
  BOOST_CHECK_MESSAGE(contains(render(refused.error()), "pipeline.auto-watermark-interval"),
                      render(refused.error()));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace watermark_interval_config_test
