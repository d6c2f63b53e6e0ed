// checkpoint_config: compiled-in defaults (meson options = Flink 1.19+),
// duration and enum parsing, set/get by option name, validation messages
// naming the option, and the silent caps Flink applies (min-pause and
// unaligned cap max-concurrent to 1).
#include "actors/checkpoint/checkpoint_config.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "sluice_defaults.hpp"
#include "tests/test_paths.hpp"

namespace checkpoint_config_test {

namespace {

using namespace sluice;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

#define SLUICE_STR2(x) #x
#define SLUICE_STR(x) SLUICE_STR2(x)

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// validate()'s message, or "" when valid.
std::string invalid(const checkpoint_config& cfg) {
  return cfg.validate().value_or("");
}

/// A valid filesystem config to start combinations from.
checkpoint_config filesystem_config() {
  checkpoint_config cfg;
  cfg.storage = checkpoint_storage_type::filesystem;
  cfg.dir = "/tmp/sluice-checkpoints";
  return cfg;
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

} // namespace

BOOST_AUTO_TEST_SUITE(checkpoint_config_suite)

// --- defaults -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(meson_option_defaults_are_flinks) {
  BOOST_CHECK_EQUAL(meson_default("checkpointing_interval"), "");
  BOOST_CHECK_EQUAL(meson_default("checkpointing_mode"), "exactly_once");
  BOOST_CHECK_EQUAL(meson_default("checkpointing_timeout"), "10min");
  BOOST_CHECK_EQUAL(meson_default("checkpointing_min_pause"), "0ms");
  BOOST_CHECK_EQUAL(meson_default("checkpointing_max_concurrent"), "1");
  BOOST_CHECK_EQUAL(meson_default("checkpointing_tolerable_failures"), "0");
  BOOST_CHECK_EQUAL(meson_default("checkpointing_unaligned"), "false");
  BOOST_CHECK_EQUAL(meson_default("checkpointing_aligned_timeout"), "0ms");
  BOOST_CHECK_EQUAL(meson_default("checkpointing_externalized"), "none");
  BOOST_CHECK_EQUAL(meson_default("checkpointing_retained"), "1");
  BOOST_CHECK_EQUAL(meson_default("checkpointing_storage"), "memory");
  BOOST_CHECK_EQUAL(meson_default("checkpointing_dir"), "");
  BOOST_CHECK_EQUAL(meson_default("checkpointing_savepoint_dir"), "");
}

BOOST_AUTO_TEST_CASE(compiled_defaults_follow_the_meson_options) {
  checkpoint_config cfg; // == default_checkpoint_config()
  std::string interval = SLUICE_DEFAULT_CHECKPOINTING_INTERVAL;
  BOOST_CHECK_EQUAL(cfg.enabled(), !interval.empty() && interval != "off");
  if (cfg.enabled())
    BOOST_CHECK(cfg.interval == parse_duration(interval));
  BOOST_CHECK_EQUAL(to_string(cfg.mode), SLUICE_STR(SLUICE_DEFAULT_CHECKPOINTING_MODE));
  BOOST_CHECK(cfg.timeout == parse_duration(SLUICE_DEFAULT_CHECKPOINTING_TIMEOUT));
  BOOST_CHECK(cfg.min_pause == parse_duration(SLUICE_DEFAULT_CHECKPOINTING_MIN_PAUSE));
  BOOST_CHECK_EQUAL(cfg.max_concurrent, SLUICE_DEFAULT_CHECKPOINTING_MAX_CONCURRENT);
  BOOST_CHECK_EQUAL(cfg.tolerable_failures, SLUICE_DEFAULT_CHECKPOINTING_TOLERABLE_FAILURES);
  BOOST_CHECK_EQUAL(cfg.unaligned, SLUICE_DEFAULT_CHECKPOINTING_UNALIGNED);
  BOOST_CHECK(cfg.aligned_timeout == parse_duration(SLUICE_DEFAULT_CHECKPOINTING_ALIGNED_TIMEOUT));
  BOOST_CHECK_EQUAL(to_string(cfg.externalized), SLUICE_STR(SLUICE_DEFAULT_CHECKPOINTING_EXTERNALIZED));
  BOOST_CHECK_EQUAL(cfg.retained, SLUICE_DEFAULT_CHECKPOINTING_RETAINED);
  BOOST_CHECK_EQUAL(to_string(cfg.storage), SLUICE_STR(SLUICE_DEFAULT_CHECKPOINTING_STORAGE));
  BOOST_CHECK_EQUAL(cfg.dir, SLUICE_DEFAULT_CHECKPOINTING_DIR);
  BOOST_CHECK_EQUAL(cfg.savepoint_dir, SLUICE_DEFAULT_CHECKPOINTING_SAVEPOINT_DIR);
  BOOST_CHECK(default_checkpoint_config().values() == cfg.values());
}

BOOST_AUTO_TEST_CASE(the_compiled_defaults_are_valid) {
  BOOST_CHECK_EQUAL(invalid(checkpoint_config{}), "");
}

// --- parsing --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(durations_need_units) {
  static_assert(parse_duration("10min") == std::optional<ms>{600'000ms});
  BOOST_CHECK(parse_duration("200ms") == ms{200});
  BOOST_CHECK(parse_duration("1s") == ms{1000});
  BOOST_CHECK(parse_duration("10min") == ms{600'000});
  BOOST_CHECK(parse_duration("2h") == ms{7'200'000});
  BOOST_CHECK(parse_duration("1d") == ms{86'400'000});
  BOOST_CHECK(parse_duration("10 min") == ms{600'000});
  BOOST_CHECK(parse_duration("  5s ") == ms{5000});
  BOOST_CHECK(parse_duration("0") == ms{0});
  BOOST_CHECK(parse_duration("0ms") == ms{0});
  BOOST_CHECK(parse_duration("-5s") == ms{-5000});
  BOOST_CHECK(parse_duration("2000us") == ms{2});
  BOOST_CHECK(parse_duration("3000000ns") == ms{3});
  BOOST_CHECK(parse_duration("9223372036854775807ms") == ms{9223372036854775807LL});
  for (auto bad : {"", "5", "s", "ms", "5 sec", "5m", "1.5s", "1500us", "1ns", "5s5",
                   "--5s", "+5s", "five seconds", "9223372036854775807s",
                   "99999999999999999999ms", "5 s x"})
    BOOST_CHECK_MESSAGE(!parse_duration(bad), "accepted '" << bad << "'");
}

BOOST_AUTO_TEST_CASE(format_duration_picks_the_largest_exact_unit) {
  BOOST_CHECK_EQUAL(format_duration(0ms), "0ms");
  BOOST_CHECK_EQUAL(format_duration(1500ms), "1500ms");
  BOOST_CHECK_EQUAL(format_duration(2000ms), "2s");
  BOOST_CHECK_EQUAL(format_duration(600'000ms), "10min");
  BOOST_CHECK_EQUAL(format_duration(7'200'000ms), "2h");
  BOOST_CHECK_EQUAL(format_duration(86'400'000ms), "1d");
  BOOST_CHECK_EQUAL(format_duration(-5000ms), "-5s");
  for (auto d : {0ms, 1ms, 999ms, 1000ms, 61'000ms, 3'600'000ms, -7ms})
    BOOST_CHECK(parse_duration(format_duration(d)) == d);
}

BOOST_AUTO_TEST_CASE(enum_values_are_snake_case) {
  BOOST_CHECK(parse_checkpointing_mode("exactly_once") == checkpointing_mode::exactly_once);
  BOOST_CHECK(parse_checkpointing_mode("at_least_once") == checkpointing_mode::at_least_once);
  BOOST_CHECK(!parse_checkpointing_mode("EXACTLY_ONCE"));
  BOOST_CHECK(!parse_checkpointing_mode("exactly-once"));
  BOOST_CHECK(!parse_checkpointing_mode(""));
  BOOST_CHECK(parse_externalized_cleanup("none") == externalized_cleanup::none);
  BOOST_CHECK(parse_externalized_cleanup("retain_on_cancellation")
              == externalized_cleanup::retain_on_cancellation);
  BOOST_CHECK(parse_externalized_cleanup("delete_on_cancellation")
              == externalized_cleanup::delete_on_cancellation);
  BOOST_CHECK(!parse_externalized_cleanup("RETAIN_ON_CANCELLATION"));
  BOOST_CHECK(!parse_externalized_cleanup("retain"));
  BOOST_CHECK(parse_checkpoint_storage("memory") == checkpoint_storage_type::memory);
  BOOST_CHECK(parse_checkpoint_storage("filesystem") == checkpoint_storage_type::filesystem);
  BOOST_CHECK(!parse_checkpoint_storage("jobmanager"));
  for (auto m : {checkpointing_mode::exactly_once, checkpointing_mode::at_least_once})
    BOOST_CHECK(parse_checkpointing_mode(to_string(m)) == m);
  for (auto x : {externalized_cleanup::none, externalized_cleanup::retain_on_cancellation,
                 externalized_cleanup::delete_on_cancellation})
    BOOST_CHECK(parse_externalized_cleanup(to_string(x)) == x);
}

BOOST_AUTO_TEST_CASE(set_parses_every_option_by_name) {
  checkpoint_config cfg;
  BOOST_CHECK(!cfg.set("interval", "1s"));
  BOOST_CHECK(cfg.interval == ms{1000});
  BOOST_CHECK(!cfg.set("checkpointing.mode", "at_least_once"));
  BOOST_CHECK(cfg.mode == checkpointing_mode::at_least_once);
  BOOST_CHECK(!cfg.set("timeout", "30s"));
  BOOST_CHECK(cfg.timeout == 30s);
  BOOST_CHECK(!cfg.set("min-pause", "500ms"));
  BOOST_CHECK(cfg.min_pause == 500ms);
  BOOST_CHECK(!cfg.set("max-concurrent", "3"));
  BOOST_CHECK_EQUAL(cfg.max_concurrent, 3);
  BOOST_CHECK(!cfg.set("tolerable-failures", "2"));
  BOOST_CHECK_EQUAL(cfg.tolerable_failures, 2);
  BOOST_CHECK(!cfg.set("unaligned", "true"));
  BOOST_CHECK(cfg.unaligned);
  BOOST_CHECK(!cfg.set("aligned-timeout", "100ms"));
  BOOST_CHECK(cfg.aligned_timeout == 100ms);
  BOOST_CHECK(!cfg.set("externalized", "retain_on_cancellation"));
  BOOST_CHECK(cfg.externalized == externalized_cleanup::retain_on_cancellation);
  BOOST_CHECK(!cfg.set("retained", "3"));
  BOOST_CHECK_EQUAL(cfg.retained, 3);
  BOOST_CHECK(!cfg.set("storage", "filesystem"));
  BOOST_CHECK(cfg.storage == checkpoint_storage_type::filesystem);
  BOOST_CHECK(!cfg.set("dir", "/data/chk"));
  BOOST_CHECK_EQUAL(cfg.dir, "/data/chk");
  BOOST_CHECK(!cfg.set("savepoint-dir", "/data/sp"));
  BOOST_CHECK_EQUAL(cfg.savepoint_dir, "/data/sp");
  // Negative numbers parse; validate() rejects them with a message.
  BOOST_CHECK(!cfg.set("max-concurrent", "-1"));
  BOOST_CHECK_EQUAL(cfg.max_concurrent, -1);
  // "off" and "" turn checkpointing off.
  BOOST_CHECK(!cfg.set("interval", "off"));
  BOOST_CHECK(!cfg.enabled());
  BOOST_CHECK(!cfg.set("interval", "5s"));
  BOOST_CHECK(!cfg.set("interval", ""));
  BOOST_CHECK(!cfg.enabled());
}

BOOST_AUTO_TEST_CASE(set_errors_name_the_option_and_change_nothing) {
  checkpoint_config cfg;
  auto before = cfg.values();
  auto check = [&](std::string option, std::string value, std::string expected) {
    auto err = cfg.set(option, value);
    BOOST_REQUIRE_MESSAGE(err, option << " = " << value << " accepted");
    BOOST_CHECK_EQUAL(*err, expected);
    BOOST_CHECK(cfg.values() == before);
  };
  check("mode", "fast", "checkpointing.mode = fast: expected exactly_once or at_least_once");
  check("mode", "EXACTLY_ONCE",
        "checkpointing.mode = EXACTLY_ONCE: expected exactly_once or at_least_once");
  check("checkpointing.timeout", "abc",
        "checkpointing.timeout = abc: expected a duration with a unit (e.g. 500ms, 10s, 10min)");
  check("timeout", "10", "checkpointing.timeout = 10: expected a duration with a unit (e.g. "
                         "500ms, 10s, 10min)");
  check("interval", "soon",
        "checkpointing.interval = soon: expected a duration with a unit (e.g. 500ms, 10s, "
        "10min), or off");
  check("max-concurrent", "two", "checkpointing.max-concurrent = two: expected an integer");
  check("retained", "99999999999", "checkpointing.retained = 99999999999: expected an integer");
  check("unaligned", "yes", "checkpointing.unaligned = yes: expected true or false");
  check("externalized", "retain",
        "checkpointing.externalized = retain: expected none, retain_on_cancellation or "
        "delete_on_cancellation");
  check("storage", "rocksdb", "checkpointing.storage = rocksdb: expected memory or filesystem");
  check("intervall", "1s", "unknown option checkpointing.intervall");
  check("checkpointing.nope", "1", "unknown option checkpointing.nope");
}

BOOST_AUTO_TEST_CASE(values_round_trip_through_set) {
  auto cfg = filesystem_config();
  cfg.interval = 1500ms;
  cfg.mode = checkpointing_mode::exactly_once;
  cfg.timeout = 2min;
  cfg.min_pause = 250ms;
  cfg.max_concurrent = 2;
  cfg.tolerable_failures = 5;
  cfg.unaligned = true;
  cfg.aligned_timeout = 30s;
  cfg.externalized = externalized_cleanup::delete_on_cancellation;
  cfg.retained = 4;
  cfg.savepoint_dir = "/sp";
  checkpoint_config copy;
  for (auto& [option, value] : cfg.values())
    BOOST_CHECK_MESSAGE(!copy.set(option, value), option << " = " << value);
  BOOST_CHECK(copy.values() == cfg.values());
  BOOST_CHECK_EQUAL(cfg.values().size(), checkpoint_config::option_names().size());
  BOOST_CHECK_EQUAL(cfg.values().front().first, "checkpointing.interval");
  BOOST_CHECK_EQUAL(*cfg.get("interval"), "1500ms");
  BOOST_CHECK_EQUAL(*checkpoint_config{}.get("checkpointing.timeout"), "10min");
  BOOST_CHECK(!cfg.get("bogus"));
}

// --- validation -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(interval_at_least_10ms_or_unset) {
  checkpoint_config cfg;
  cfg.interval.reset();
  BOOST_CHECK_EQUAL(invalid(cfg), "");
  cfg.interval = 10ms;
  BOOST_CHECK_EQUAL(invalid(cfg), "");
  cfg.interval = 9ms;
  BOOST_CHECK_EQUAL(invalid(cfg), "checkpointing.interval = 9ms: must be at least 10ms (leave it "
                                  "unset or set it to off to turn checkpointing off)");
  cfg.interval = 0ms;
  BOOST_CHECK(contains(invalid(cfg), "checkpointing.interval = 0ms: must be at least 10ms"));
  cfg.interval = -1000ms;
  BOOST_CHECK(contains(invalid(cfg), "checkpointing.interval = -1s: must be at least 10ms"));
  cfg.interval = checkpoint_config::maximal_duration;
  BOOST_CHECK_EQUAL(invalid(cfg), "");
  cfg.interval = checkpoint_config::maximal_duration + 1ms;
  BOOST_CHECK(contains(invalid(cfg), "checkpointing.interval = "));
  BOOST_CHECK(contains(invalid(cfg), "must be at most 365d"));
}

BOOST_AUTO_TEST_CASE(timeout_at_least_10ms) {
  checkpoint_config cfg;
  cfg.timeout = 10ms;
  BOOST_CHECK_EQUAL(invalid(cfg), "");
  cfg.timeout = 9ms;
  BOOST_CHECK_EQUAL(invalid(cfg), "checkpointing.timeout = 9ms: must be between 10ms and 365d");
  cfg.timeout = 0ms;
  BOOST_CHECK(contains(invalid(cfg), "checkpointing.timeout = 0ms"));
  cfg.timeout = -1min;
  BOOST_CHECK(contains(invalid(cfg), "checkpointing.timeout = -1min"));
}

BOOST_AUTO_TEST_CASE(negative_durations_and_counts_are_rejected) {
  checkpoint_config cfg;
  cfg.min_pause = -1ms;
  BOOST_CHECK_EQUAL(invalid(cfg), "checkpointing.min-pause = -1ms: must be between 0ms and 365d");
  cfg = {};
  cfg.min_pause = 0ms;
  BOOST_CHECK_EQUAL(invalid(cfg), "");
  cfg.aligned_timeout = -5s;
  BOOST_CHECK_EQUAL(invalid(cfg),
                    "checkpointing.aligned-timeout = -5s: must be between 0ms and 365d");
  cfg = {};
  cfg.max_concurrent = 0;
  BOOST_CHECK_EQUAL(invalid(cfg), "checkpointing.max-concurrent = 0: must be at least 1");
  cfg.max_concurrent = -3;
  BOOST_CHECK_EQUAL(invalid(cfg), "checkpointing.max-concurrent = -3: must be at least 1");
  cfg = {};
  cfg.tolerable_failures = -1;
  BOOST_CHECK(contains(invalid(cfg), "checkpointing.tolerable-failures = -1: must not be negative"));
  cfg.tolerable_failures = 0;
  BOOST_CHECK_EQUAL(invalid(cfg), "");
  cfg.tolerable_failures = checkpoint_config::unlimited_tolerable_failures;
  BOOST_CHECK_EQUAL(invalid(cfg), "");
  cfg = {};
  cfg.retained = 0;
  BOOST_CHECK_EQUAL(invalid(cfg), "checkpointing.retained = 0: must be at least 1");
  cfg.retained = 1;
  BOOST_CHECK_EQUAL(invalid(cfg), "");
}

BOOST_AUTO_TEST_CASE(unaligned_needs_exactly_once) {
  checkpoint_config cfg;
  cfg.interval = 1s;
  cfg.unaligned = true;
  BOOST_CHECK_EQUAL(invalid(cfg), "");
  cfg.mode = checkpointing_mode::at_least_once;
  BOOST_CHECK_EQUAL(invalid(cfg), "checkpointing.unaligned = true: unaligned checkpoints need "
                                  "checkpointing.mode = exactly_once (mode is at_least_once)");
  cfg.unaligned = false;
  BOOST_CHECK_EQUAL(invalid(cfg), "");
}

BOOST_AUTO_TEST_CASE(filesystem_storage_needs_a_dir) {
  checkpoint_config cfg;
  cfg.storage = checkpoint_storage_type::filesystem;
  BOOST_CHECK_EQUAL(invalid(cfg), "checkpointing.dir = '': checkpointing.storage = filesystem "
                                  "needs a checkpoint directory");
  cfg.dir = "/tmp/x";
  BOOST_CHECK_EQUAL(invalid(cfg), "");
}

BOOST_AUTO_TEST_CASE(externalized_checkpoints_need_filesystem_storage) {
  checkpoint_config cfg;
  for (auto x : {externalized_cleanup::retain_on_cancellation,
                 externalized_cleanup::delete_on_cancellation}) {
    cfg.externalized = x;
    cfg.storage = checkpoint_storage_type::memory;
    BOOST_CHECK(contains(invalid(cfg), std::string{"checkpointing.externalized = "} + to_string(x)
                                         + ": retained checkpoints need checkpointing.storage "
                                           "= filesystem (storage is memory"));
    cfg.storage = checkpoint_storage_type::filesystem;
    cfg.dir = "/tmp/x";
    BOOST_CHECK_EQUAL(invalid(cfg), "");
  }
  cfg.externalized = externalized_cleanup::none;
  cfg.storage = checkpoint_storage_type::memory;
  BOOST_CHECK_EQUAL(invalid(cfg), "");
}

BOOST_AUTO_TEST_CASE(set_then_validate_like_a_command_line) {
  checkpoint_config cfg;
  BOOST_CHECK(!cfg.set("checkpointing.interval", "-1s"));
  BOOST_CHECK(contains(invalid(cfg), "checkpointing.interval = -1s"));
  BOOST_CHECK(!cfg.set("checkpointing.interval", "1s"));
  BOOST_CHECK(!cfg.set("checkpointing.mode", "at_least_once"));
  BOOST_CHECK(!cfg.set("checkpointing.unaligned", "true"));
  BOOST_CHECK(contains(invalid(cfg), "checkpointing.unaligned = true"));
}

// --- caps and notes -------------------------------------------------------

BOOST_AUTO_TEST_CASE(min_pause_and_unaligned_cap_max_concurrent_to_one) {
  checkpoint_config cfg;
  cfg.interval = 1s;
  cfg.max_concurrent = 4;
  BOOST_CHECK_EQUAL(cfg.effective_max_concurrent(), 4);
  BOOST_CHECK(cfg.notes().empty());
  cfg.min_pause = 1ms;
  BOOST_CHECK_EQUAL(invalid(cfg), ""); // Flink caps silently; so do we
  BOOST_CHECK_EQUAL(cfg.effective_max_concurrent(), 1);
  BOOST_REQUIRE_EQUAL(cfg.notes().size(), 1u);
  BOOST_CHECK_EQUAL(cfg.notes().front(), "checkpointing.max-concurrent = 4 is capped to 1 "
                                         "because checkpointing.min-pause = 1ms (Flink does the "
                                         "same)");
  cfg.min_pause = 0ms;
  cfg.unaligned = true;
  BOOST_CHECK_EQUAL(invalid(cfg), "");
  BOOST_CHECK_EQUAL(cfg.effective_max_concurrent(), 1);
  BOOST_REQUIRE_EQUAL(cfg.notes().size(), 1u);
  BOOST_CHECK(contains(cfg.notes().front(), "capped to 1 because checkpointing.unaligned = true"));
}

BOOST_AUTO_TEST_CASE(notes_name_ignored_options) {
  checkpoint_config cfg;
  BOOST_CHECK(cfg.notes().empty());
  cfg.aligned_timeout = 1s;
  BOOST_REQUIRE_EQUAL(cfg.notes().size(), 1u);
  BOOST_CHECK_EQUAL(cfg.notes()[0], "checkpointing.aligned-timeout = 1s has no effect without "
                                    "checkpointing.unaligned = true");
  cfg.aligned_timeout = 0ms;
  cfg.dir = "/tmp/x";
  BOOST_REQUIRE_EQUAL(cfg.notes().size(), 1u);
  BOOST_CHECK(contains(cfg.notes()[0], "checkpointing.dir = '/tmp/x' is not used"));
  cfg.dir.clear();
  cfg.interval = 100ms;
  cfg.min_pause = 1s;
  auto notes = cfg.notes();
  BOOST_REQUIRE_EQUAL(notes.size(), 1u);
  BOOST_CHECK(contains(notes[0], "checkpointing.min-pause = 1s is longer than "
                                 "checkpointing.interval = 100ms"));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace checkpoint_config_test
