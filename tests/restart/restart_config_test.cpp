// The `restart-strategy.*` options: compiled-in defaults (meson options =
// Flink 1.19+), set/get by name, validation messages naming the option, the
// default type resolved against checkpointing, the factory, and the same
// options through sluice::system_config (command line, config file), a
// host's config (register_sluice + read_restart_config) and the C++ API.
#include "actors/restart/restart_config.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <caf/all.hpp>

#include "actors/embedding/embedding.hpp"
#include "actors/contract/error.hpp"
#include "actors/config/system_config.hpp"
#include "operators/environment.hpp"
#include "sluice_defaults.hpp"
#include "tests/actors/system_config_test_util.hpp"
#include "tests/test_paths.hpp"

namespace restart_config_test {

namespace {

using namespace sluice;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// validate()'s message, or "" when valid.
std::string invalid(const restart_config& cfg) {
  return cfg.validate().value_or("");
}

std::string problem(const caf::error& err) {
  return err ? render(err) : std::string{};
}

/// The `value :` of meson option `name` in meson_options.txt.
std::string meson_default(const std::string& name) {
  std::ifstream in{std::string{sluice::test::source_dir()} + "/meson_options.txt"};
  std::stringstream buf;
  buf << in.rdbuf();
  auto text = buf.str();
  auto pos = text.find("option('" + name + "'");
  if (pos == std::string::npos)
    return "<missing option " + name + ">";
  auto end = text.find("option(", pos + 1);
  auto decl = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
  auto v = decl.find("value :");
  if (v == std::string::npos)
    return "<no value>";
  v += 7;
  while (decl[v] == ' ')
    ++v;
  if (decl[v] == '\'')
    return decl.substr(v + 1, decl.find('\'', v + 1) - v - 1);
  auto stop = decl.find_first_of(",)\n", v);
  return decl.substr(v, stop - v);
}

using sluice::config_test::temp_file;

} // namespace

BOOST_AUTO_TEST_SUITE(restart_config_suite)

// --- defaults -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(meson_option_defaults_are_flink_1_19s) {
  BOOST_CHECK_EQUAL(meson_default("restart_strategy_type"), "default");
  BOOST_CHECK_EQUAL(meson_default("restart_strategy_attempts"), "");
  BOOST_CHECK_EQUAL(meson_default("restart_strategy_delay"), "1s");
  BOOST_CHECK_EQUAL(meson_default("restart_strategy_max_failures_per_interval"), "1");
  BOOST_CHECK_EQUAL(meson_default("restart_strategy_failure_rate_interval"), "1min");
  BOOST_CHECK_EQUAL(meson_default("restart_strategy_initial_backoff"), "1s");
  BOOST_CHECK_EQUAL(meson_default("restart_strategy_max_backoff"), "1min");
  BOOST_CHECK_EQUAL(meson_default("restart_strategy_backoff_multiplier"), "1.5");
  BOOST_CHECK_EQUAL(meson_default("restart_strategy_reset_backoff_threshold"), "1h");
  BOOST_CHECK_EQUAL(meson_default("restart_strategy_jitter_factor"), "0.1");
}

BOOST_AUTO_TEST_CASE(compiled_defaults_follow_the_meson_options) {
  restart_config cfg;
  BOOST_CHECK_EQUAL(*cfg.get("type"), std::string{SLUICE_DEFAULT_RESTART_STRATEGY_TYPE});
  std::string attempts = SLUICE_DEFAULT_RESTART_STRATEGY_ATTEMPTS;
  BOOST_CHECK_EQUAL(*cfg.get("attempts"), attempts.empty() ? "default" : attempts);
  BOOST_CHECK(cfg.delay == parse_duration(SLUICE_DEFAULT_RESTART_STRATEGY_DELAY));
  BOOST_CHECK_EQUAL(cfg.max_failures_per_interval,
                    SLUICE_DEFAULT_RESTART_STRATEGY_MAX_FAILURES_PER_INTERVAL);
  BOOST_CHECK(cfg.failure_rate_interval
              == parse_duration(SLUICE_DEFAULT_RESTART_STRATEGY_FAILURE_RATE_INTERVAL));
  BOOST_CHECK(cfg.initial_backoff
              == parse_duration(SLUICE_DEFAULT_RESTART_STRATEGY_INITIAL_BACKOFF));
  BOOST_CHECK(cfg.max_backoff == parse_duration(SLUICE_DEFAULT_RESTART_STRATEGY_MAX_BACKOFF));
  BOOST_CHECK(cfg.backoff_multiplier
              == parse_decimal(SLUICE_DEFAULT_RESTART_STRATEGY_BACKOFF_MULTIPLIER));
  BOOST_CHECK(cfg.reset_backoff_threshold
              == parse_duration(SLUICE_DEFAULT_RESTART_STRATEGY_RESET_BACKOFF_THRESHOLD));
  BOOST_CHECK(cfg.jitter_factor == parse_decimal(SLUICE_DEFAULT_RESTART_STRATEGY_JITTER_FACTOR));
  BOOST_CHECK_EQUAL(invalid(cfg), "");
  BOOST_CHECK_EQUAL(invalid(cfg.resolve(true)), "");
  BOOST_CHECK_EQUAL(invalid(cfg.resolve(false)), "");
}

BOOST_AUTO_TEST_CASE(the_default_type_depends_on_checkpointing) {
  restart_config cfg;
  cfg.type.reset();
  BOOST_CHECK(cfg.resolved_type(false) == restart_strategy_type::none);
  BOOST_CHECK(cfg.resolved_type(true) == restart_strategy_type::exponential_delay);
  BOOST_CHECK(cfg.resolve(true).type == restart_strategy_type::exponential_delay);
  BOOST_CHECK(cfg.resolve(false).type == restart_strategy_type::none);
  // A type that is set stays, whatever checkpointing does.
  cfg.type = restart_strategy_type::fixed_delay;
  BOOST_CHECK(cfg.resolve(true).type == restart_strategy_type::fixed_delay);
  BOOST_CHECK(cfg.resolve(false).resolve(true).type == restart_strategy_type::fixed_delay);
  // An unresolved config makes the strategy of no checkpointing.
  cfg.type.reset();
  BOOST_CHECK(cfg.make_strategy()->type() == restart_strategy_type::none);
}

BOOST_AUTO_TEST_CASE(unset_attempts_take_each_strategys_flink_default) {
  restart_config cfg;
  cfg.attempts.reset();
  BOOST_CHECK_EQUAL(cfg.effective_attempts(restart_strategy_type::fixed_delay), 1);
  BOOST_CHECK_EQUAL(cfg.effective_attempts(restart_strategy_type::exponential_delay),
                    restart_strategy::unlimited_attempts);
  cfg.attempts = 4;
  BOOST_CHECK_EQUAL(cfg.effective_attempts(restart_strategy_type::fixed_delay), 4);
  BOOST_CHECK_EQUAL(cfg.effective_attempts(restart_strategy_type::exponential_delay), 4);
}

BOOST_AUTO_TEST_CASE(the_factory_makes_the_configured_strategy) {
  auto fixed = restart_config::fixed_delay(2, 300ms).make_strategy();
  BOOST_CHECK(fixed->type() == restart_strategy_type::fixed_delay);
  BOOST_CHECK_EQUAL(fixed->describe(), "fixed-delay (attempts 2, delay 300ms)");
  auto rate = restart_config::failure_rate(3, 5min, 2s).make_strategy();
  BOOST_CHECK_EQUAL(rate->describe(),
                    "failure-rate (max-failures-per-interval 3, failure-rate-interval 5min, "
                    "delay 2s)");
  auto expo = restart_config::exponential_delay(2s, 30s, 2.0, 10min, 0).make_strategy();
  BOOST_CHECK_EQUAL(expo->describe(),
                    "exponential-delay (initial-backoff 2s, max-backoff 30s, "
                    "backoff-multiplier 2, reset-backoff-threshold 10min, jitter-factor 0, "
                    "attempts unlimited)");
  auto now = restart_strategy::clock::now();
  expo->notify_failure(now);
  BOOST_CHECK_EQUAL(expo->backoff_time(now).count(), 2000);
  BOOST_CHECK(restart_config::no_restart().make_strategy()->type()
              == restart_strategy_type::none);
  // The default with checkpointing, jitter from a seed.
  restart_config defaults;
  defaults.type.reset();
  auto resolved = defaults.resolve(true).make_strategy(seeded_jitter(3));
  BOOST_CHECK(resolved->type() == restart_strategy_type::exponential_delay);
  resolved->notify_failure(now);
  BOOST_CHECK(resolved->can_restart(now));
  auto first = resolved->backoff_time(now).count(); // 1s +- 10%, at least initial-backoff
  BOOST_CHECK_MESSAGE(1000 <= first && first <= 1100, first);
}

// --- parsing --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(decimals_parse_and_format) {
  static_assert(parse_decimal("1.5") == std::optional<double>{1.5});
  BOOST_CHECK(parse_decimal("0.1") == 0.1);
  BOOST_CHECK(parse_decimal("2") == 2.0);
  BOOST_CHECK(parse_decimal(".5") == 0.5);
  BOOST_CHECK(parse_decimal("1e-3") == 0.001);
  BOOST_CHECK(parse_decimal("-0.5") == -0.5);
  for (auto bad : {"", ".", "-", "1.5.0", "1,5", "nan", "inf", "0x10", " 1", "1 ", "1e", "+1",
                   "1234567890123456789"})
    BOOST_CHECK_MESSAGE(!parse_decimal(bad), "accepted '" << bad << "'");
  for (double x : {1.5, 0.1, 2.0, 0.0, 1.2, 1e-5})
    BOOST_CHECK_EQUAL(*parse_decimal(format_decimal(x)), x);
  // Long ones read back exactly through set (std::from_chars).
  restart_config cfg;
  BOOST_REQUIRE(!cfg.set("jitter-factor", format_decimal(1.0 / 3)));
  BOOST_CHECK_EQUAL(cfg.jitter_factor, 1.0 / 3);
  BOOST_CHECK_EQUAL(format_decimal(1.5), "1.5");
  BOOST_CHECK_EQUAL(format_decimal(2.0), "2");
}

BOOST_AUTO_TEST_CASE(every_option_sets_and_reads_back) {
  restart_config cfg;
  const std::vector<std::pair<std::string, std::string>> values{
    {"type", "failure-rate"},
    {"attempts", "7"},
    {"delay", "250ms"},
    {"max-failures-per-interval", "3"},
    {"failure-rate-interval", "5min"},
    {"initial-backoff", "2s"},
    {"max-backoff", "2min"},
    {"backoff-multiplier", "1.2"},
    {"reset-backoff-threshold", "30min"},
    {"jitter-factor", "0.25"},
  };
  BOOST_REQUIRE_EQUAL(values.size(), restart_config::option_names().size());
  for (auto& [option, value] : values) {
    auto err = cfg.set(option, value);
    BOOST_CHECK_MESSAGE(!err, err.value_or(""));
    BOOST_CHECK_EQUAL(*cfg.get(option), value);
    BOOST_CHECK_EQUAL(*cfg.get("restart-strategy." + option), value);
  }
  BOOST_CHECK(cfg.type == restart_strategy_type::failure_rate);
  BOOST_CHECK(cfg.attempts == 7);
  BOOST_CHECK(cfg.failure_rate_interval == 5min);
  BOOST_CHECK_EQUAL(cfg.backoff_multiplier, 1.2);
  BOOST_CHECK_EQUAL(cfg.values().front().first, "restart-strategy.type");
  // Prefixed names, Flink's aliases, unset and unlimited.
  BOOST_CHECK(!cfg.set("restart-strategy.type", "fixeddelay"));
  BOOST_CHECK(cfg.type == restart_strategy_type::fixed_delay);
  BOOST_CHECK(!cfg.set("type", "off"));
  BOOST_CHECK(cfg.type == restart_strategy_type::none);
  BOOST_CHECK(!cfg.set("type", "default"));
  BOOST_CHECK(!cfg.type);
  BOOST_CHECK_EQUAL(*cfg.get("type"), "default");
  BOOST_CHECK(!cfg.set("attempts", "unlimited"));
  BOOST_CHECK(cfg.attempts == restart_strategy::unlimited_attempts);
  BOOST_CHECK_EQUAL(*cfg.get("attempts"), "unlimited");
  BOOST_CHECK(!cfg.set("attempts", ""));
  BOOST_CHECK(!cfg.attempts);
  BOOST_CHECK(!cfg.get("no-such-option"));
}

BOOST_AUTO_TEST_CASE(malformed_values_name_the_option_and_change_nothing) {
  struct bad_case {
    std::string option;
    std::string value;
  };
  const std::vector<bad_case> cases{
    {"type", "sometimes"},      {"type", "fixed_delay"},      {"attempts", "many"},
    {"attempts", "1.5"},        {"delay", "5"},               {"delay", "soon"},
    {"failure-rate-interval", "1 minute"}, {"max-failures-per-interval", "x"},
    {"initial-backoff", "1.5s"}, {"max-backoff", ""},         {"backoff-multiplier", "fast"},
    {"backoff-multiplier", "nan"}, {"reset-backoff-threshold", "1hour"},
    {"jitter-factor", "10%"},
  };
  for (auto& c : cases) {
    restart_config cfg;
    auto before = cfg.values();
    auto err = cfg.set(c.option, c.value);
    BOOST_REQUIRE_MESSAGE(err, c.option << " = " << c.value << " was accepted");
    BOOST_CHECK_MESSAGE(contains(*err, "restart-strategy." + c.option + " = " + c.value), *err);
    BOOST_CHECK(cfg.values() == before);
  }
  restart_config cfg;
  auto unknown = cfg.set("restart-strategy.tries", "3");
  BOOST_REQUIRE(unknown);
  BOOST_CHECK_EQUAL(*unknown, "unknown option restart-strategy.tries");
}

// --- validation -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(out_of_range_values_name_the_option) {
  struct bad_case {
    std::string option;
    std::string value;
    std::string says;
  };
  const std::vector<bad_case> cases{
    {"attempts", "-1", "must not be negative"},
    {"delay", "-1s", "between 0ms and"},
    {"delay", "400d", "between 0ms and"},
    {"max-failures-per-interval", "0", "at least 1"},
    {"failure-rate-interval", "0ms", "between 1ms and"},
    {"initial-backoff", "0ms", "between 1ms and"},
    {"max-backoff", "0s", "between 1ms and"},
    {"backoff-multiplier", "1", "greater than 1"},
    {"backoff-multiplier", "0.5", "greater than 1"},
    {"reset-backoff-threshold", "0ms", "between 1ms and"},
    {"jitter-factor", "1.5", "between 0 and 1"},
    {"jitter-factor", "-0.1", "between 0 and 1"},
  };
  for (auto& c : cases) {
    restart_config cfg;
    BOOST_REQUIRE(!cfg.set(c.option, c.value));
    auto why = invalid(cfg);
    BOOST_CHECK_MESSAGE(contains(why, "restart-strategy." + c.option + " = "), why);
    BOOST_CHECK_MESSAGE(contains(why, c.says), why);
  }
  // Flink's edge values are fine.
  restart_config edges;
  edges.attempts = 0;
  edges.delay = 0ms;
  edges.jitter_factor = 1;
  edges.backoff_multiplier = 1.0001;
  BOOST_CHECK_EQUAL(invalid(edges), "");
}

BOOST_AUTO_TEST_CASE(exponential_delay_checks_apply_to_the_resolved_type) {
  restart_config cfg;
  cfg.type.reset();
  cfg.attempts = 0; // fine for fixed-delay (never restart), not for exponential-delay
  BOOST_CHECK_EQUAL(invalid(cfg), "");
  BOOST_CHECK_EQUAL(invalid(cfg.resolve(false)), "");
  auto with_checkpoints = invalid(cfg.resolve(true));
  BOOST_CHECK_MESSAGE(contains(with_checkpoints, "restart-strategy.attempts = 0"),
                      with_checkpoints);
  BOOST_CHECK(contains(with_checkpoints, "exponential-delay"));
  restart_config backoffs;
  backoffs.type = restart_strategy_type::exponential_delay;
  backoffs.initial_backoff = 2min;
  backoffs.max_backoff = 1min;
  auto why = invalid(backoffs);
  BOOST_CHECK_MESSAGE(contains(why, "restart-strategy.initial-backoff = 2min"), why);
  BOOST_CHECK_MESSAGE(contains(why, "restart-strategy.max-backoff = 1min"), why);
  backoffs.type = restart_strategy_type::fixed_delay; // not used there
  BOOST_CHECK_EQUAL(invalid(backoffs), "");
}

// --- command line, config file, host config, C++ API ------------------------

BOOST_AUTO_TEST_CASE(command_line_sets_the_options) {
  system_config defaults;
  BOOST_REQUIRE(!defaults.parse_args({}));
  BOOST_CHECK(defaults.restart().values() == restart_config{}.values());
  system_config cfg;
  auto err = cfg.parse_args({"--restart-strategy.type=exponential-delay",
                             "--restart-strategy.attempts=5",
                             "--restart-strategy.initial-backoff=200ms",
                             "--restart-strategy.max-backoff=1min",
                             "--restart-strategy.backoff-multiplier=2",
                             "--restart-strategy.reset-backoff-threshold=1h",
                             "--restart-strategy.jitter-factor=0", "run", "word-count"});
  BOOST_REQUIRE_MESSAGE(!err, problem(err));
  auto& r = cfg.restart();
  BOOST_CHECK(r.type == restart_strategy_type::exponential_delay);
  BOOST_CHECK(r.attempts == 5);
  BOOST_CHECK(r.initial_backoff == 200ms);
  BOOST_CHECK(r.max_backoff == 1min);
  BOOST_CHECK_EQUAL(r.backoff_multiplier, 2.0);
  BOOST_CHECK(r.reset_backoff_threshold == 1h);
  BOOST_CHECK_EQUAL(r.jitter_factor, 0.0);
  BOOST_CHECK_EQUAL(cfg.positional().size(), 2u);
  system_config rate;
  err = rate.parse_args({"--restart-strategy.type=failure-rate",
                         "--restart-strategy.max-failures-per-interval=3",
                         "--restart-strategy.failure-rate-interval=5min",
                         "--restart-strategy.delay=10s"});
  BOOST_REQUIRE_MESSAGE(!err, problem(err));
  BOOST_CHECK_EQUAL(rate.restart().max_failures_per_interval, 3);
  BOOST_CHECK(rate.restart().failure_rate_interval == 5min);
  BOOST_CHECK(rate.restart().delay == 10s);
}

BOOST_AUTO_TEST_CASE(bad_command_line_values_name_the_option) {
  const std::vector<std::vector<std::string>> cases{
    {"--restart-strategy.type=sometimes"},
    {"--restart-strategy.jitter-factor=2"},
    {"--restart-strategy.backoff-multiplier=1"},
    {"--restart-strategy.max-failures-per-interval=0"},
    {"--restart-strategy.attempts=-2"},
    {"--restart-strategy.delay=-1s"},
    // The default type with checkpointing is exponential-delay: attempts >= 1.
    {"--checkpointing.interval=1s", "--restart-strategy.attempts=0"},
  };
  for (auto& args : cases) {
    system_config cfg;
    auto err = cfg.parse_args(args);
    BOOST_REQUIRE_MESSAGE(err, args.back() << " was accepted");
    BOOST_CHECK(code_of(err) == ec::invalid_option);
    auto what = render(err);
    auto name = args.back().substr(2, args.back().find('=') - 2);
    BOOST_CHECK_MESSAGE(contains(what, name), what);
  }
  // Without checkpointing the default is none: attempts 0 harms nobody.
  system_config no_checkpoints;
  auto err = no_checkpoints.parse_args({"--restart-strategy.attempts=0"});
  BOOST_CHECK_MESSAGE(!err, problem(err));
  // A value of the wrong type is refused by the parser, naming the argument.
  system_config typed;
  auto mistyped = typed.parse_args({"--restart-strategy.attempts=many"});
  BOOST_REQUIRE(mistyped);
  BOOST_CHECK_MESSAGE(contains(render(mistyped), "restart-strategy.attempts"), render(mistyped));
}

BOOST_AUTO_TEST_CASE(config_file_section_with_whole_numbers_for_reals) {
  temp_file file{"[restart-strategy]\ntype = \"exponential-delay\"\nmax-backoff = 2min\n"
                 "backoff-multiplier = 2\njitter-factor = 0\nattempts = 4\n"};
  system_config cfg;
  auto err = cfg.parse_args({file.arg()});
  BOOST_REQUIRE_MESSAGE(!err, problem(err));
  auto& r = cfg.restart();
  BOOST_CHECK(r.type == restart_strategy_type::exponential_delay);
  BOOST_CHECK(r.max_backoff == 2min);
  BOOST_CHECK_EQUAL(r.backoff_multiplier, 2.0);
  BOOST_CHECK_EQUAL(r.jitter_factor, 0.0);
  BOOST_CHECK(r.attempts == 4);
  // The command line wins over the file.
  system_config both;
  err = both.parse_args({file.arg(), "--restart-strategy.backoff-multiplier=3.5"});
  BOOST_REQUIRE_MESSAGE(!err, problem(err));
  BOOST_CHECK_EQUAL(both.restart().backoff_multiplier, 3.5);
  temp_file bad{"[restart-strategy]\njitter-factor = 3\n"};
  system_config refused;
  err = refused.parse_args({bad.arg()});
  BOOST_REQUIRE(err);
  BOOST_CHECK_MESSAGE(contains(render(err), "restart-strategy.jitter-factor"), render(err));
}

BOOST_AUTO_TEST_CASE(host_config_reads_the_restart_options) {
  caf::actor_system_config host;
  register_sluice(host);
  std::istringstream no_file;
  auto err = host.parse({"--restart-strategy.type=fixed-delay", "--restart-strategy.attempts=3",
                         "--restart-strategy.delay=1min"},
                        no_file);
  BOOST_REQUIRE_MESSAGE(!err, caf::to_string(err));
  auto cfg = read_restart_config(host);
  BOOST_REQUIRE_MESSAGE(cfg, (cfg ? std::string{} : render(cfg.error())));
  BOOST_CHECK(cfg->type == restart_strategy_type::fixed_delay);
  BOOST_CHECK(cfg->attempts == 3);
  BOOST_CHECK(cfg->delay == 1min);
  caf::actor_system_config bad;
  register_sluice(bad);
  std::istringstream no_file2;
  BOOST_REQUIRE(!bad.parse({"--restart-strategy.type=always"}, no_file2));
  auto refused = read_restart_config(bad);
  BOOST_REQUIRE(!refused);
  BOOST_CHECK(code_of(refused.error()) == ec::invalid_option);
  BOOST_CHECK_MESSAGE(contains(render(refused.error()), "restart-strategy.type = always"),
                      render(refused.error()));
}

BOOST_AUTO_TEST_CASE(environment_refuses_an_invalid_resolved_config_before_running) {
  environment env;
  env.set_restart_strategy(restart_config::fixed_delay(3, 1s));
  BOOST_CHECK(env.restart().type == restart_strategy_type::fixed_delay);
  env.set_restart_strategy(restart_config::failure_rate(3, 5min, 10s));
  BOOST_CHECK(env.restart().type == restart_strategy_type::failure_rate);
  auto cfg = restart_config{};
  cfg.type.reset();
  cfg.attempts = 0;
  env.set_restart_strategy(cfg);
  auto checkpoints = env.checkpointing();
  checkpoints.interval = 1s; // default type: exponential-delay, attempts must be >= 1
  env.set_checkpoint_config(checkpoints);
  env.from_collection(std::vector<int>{1, 2, 3}).collect();
  try {
    env.execute("refused");
    BOOST_ERROR("execute accepted restart-strategy.attempts = 0 with exponential-delay");
  } catch (const exception& e) {
    BOOST_CHECK(e.code() == ec::invalid_option);
    BOOST_CHECK_MESSAGE(contains(e.what(), "restart-strategy.attempts = 0"), e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace restart_config_test
