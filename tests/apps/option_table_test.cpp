// The option registry stays the one source of every option: README.md's
// option table is generated from it (scripts/option-table), meson_options.txt
// has a compiled-in default for exactly the options that name one, each
// group's own parser knows exactly the registry's options, and an own actor
// system and a host's config register what the rows say.
#include "apps/cli/app_options.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/checkpoint/checkpoint_config.hpp"
#include "actors/config/caf_options.hpp"
#include "actors/config/engine_config.hpp"
#include "actors/config/option_registry.hpp"
#include "actors/embedding/embedding.hpp"
#include "actors/contract/error.hpp"
#include "actors/restart/restart_config.hpp"
#include "actors/config/state_config.hpp"
#include "actors/config/system_config.hpp"
#include "tests/test_paths.hpp"

namespace option_table_test {

namespace {

using namespace sluice;

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The registry's names of `group`, without the group prefix, in order.
std::vector<std::string> registry_names(std::string_view group) {
  std::vector<std::string> out;
  for (auto& row : engine_options())
    if (row.group == group)
      out.emplace_back(row.name);
  return out;
}

std::vector<std::string> strings(const std::vector<std::string_view>& xs) {
  return {xs.begin(), xs.end()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(option_table_test)

BOOST_AUTO_TEST_CASE(readme_option_table_is_generated_from_the_registry) {
  auto readme = read_file(std::string{test::source_dir()} + "/README.md");
  auto expected = apps::with_option_table(readme, apps::readme_option_table());
  BOOST_REQUIRE_MESSAGE(expected, "README.md lacks the option-table markers");
  BOOST_CHECK_MESSAGE(*expected == readme,
                      "README.md's option table differs from the option registry: run "
                      "scripts/option-table");
  // Every option has a row, in the registry's words.
  for (auto& row : engine_options()) {
    BOOST_CHECK_MESSAGE(readme.find("| `" + row.full_name() + "`") != std::string::npos,
                        row.full_name() << " is missing from README.md");
  }
}

BOOST_AUTO_TEST_CASE(the_table_renders_rows_defaults_and_short_names) {
  option_info rows[] = {
    {"pipeline", "parallelism", 'p', option_type::uint32, "pipeline_parallelism",
     "`set_parallelism`", "help", "", ""},
    {"global", "input", 0, option_type::text, "", "", "help", "the file | or stdin", "stdin"},
  };
  auto table = option_table_markdown(rows, [](const option_info& row) {
    return row.name == "parallelism" ? std::optional<std::string>{"7"} : std::nullopt;
  });
  BOOST_CHECK_EQUAL(table, "| option (file / CLI) | meson option | C++ | default | meaning |\n"
                           "|---|---|---|---|---|\n"
                           "| `pipeline.parallelism` (`-p`) | `pipeline_parallelism` | "
                           "`set_parallelism` | 7 | help |\n"
                           "| `input` | – | – | stdin | the file \\| or stdin |");
}

BOOST_AUTO_TEST_CASE(meson_options_match_the_registry) {
  auto text = read_file(std::string{test::source_dir()} + "/meson_options.txt");
  // option('name', ... description : 'group.option: ...')
  std::regex option_re{R"(option\('([a-z_]+)'[^)]*?description\s*:\s*'([^']*)')"};
  std::map<std::string, std::string> described; // meson name -> runtime option named
  for (std::sregex_iterator i{text.begin(), text.end(), option_re}, end; i != end; ++i) {
    auto description = (*i)[2].str();
    auto colon = description.find(':');
    auto named = colon == std::string::npos ? std::string{} : description.substr(0, colon);
    if (named.find('.') != std::string::npos && named.find(' ') == std::string::npos)
      described[(*i)[1].str()] = named;
  }
  BOOST_CHECK_GT(described.size(), 30u);
  std::set<std::string> registry_meson;
  for (auto& row : engine_options()) {
    if (row.meson.empty())
      continue;
    registry_meson.emplace(row.meson);
    auto found = described.find(std::string{row.meson});
    BOOST_CHECK_MESSAGE(found != described.end(),
                        "meson_options.txt lacks " << row.meson << " (" << row.full_name() << ")");
    if (found != described.end())
      BOOST_CHECK_EQUAL(found->second, row.full_name());
  }
  for (auto& [meson, named] : described)
    BOOST_CHECK_MESSAGE(registry_meson.count(meson) == 1,
                        "meson option " << meson << " (" << named
                                        << ") is not in the option registry");
}

BOOST_AUTO_TEST_CASE(group_parsers_know_exactly_the_registry_options) {
  BOOST_CHECK(registry_names("checkpointing") == strings(checkpoint_config::option_names()));
  BOOST_CHECK(registry_names("state") == strings(state_config::option_names()));
  BOOST_CHECK(registry_names("restart-strategy") == strings(restart_config::option_names()));
  // Every row parses its own compiled-in default back (one parser per
  // option, whatever the source of the value).
  engine_config defaults;
  for (auto& row : engine_options()) {
    auto value = defaults.get(row.full_name());
    BOOST_REQUIRE_MESSAGE(value, "engine_config does not know " << row.full_name());
    engine_config copy;
    auto problem = copy.set(row.full_name(), *value);
    BOOST_CHECK_MESSAGE(!problem,
                        row.full_name() << " = " << *value << ": " << problem.value_or(""));
    BOOST_CHECK_EQUAL(copy.get(row.full_name()).value_or("(unknown)"), *value);
  }
  engine_config cfg;
  BOOST_CHECK(cfg.set("pipeline.no-such-option", "1"));
  auto bad = cfg.set("pipeline.batch-size", "many");
  BOOST_REQUIRE(bad);
  BOOST_CHECK_NE(bad->find("pipeline.batch-size = many"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(own_system_and_host_register_what_the_rows_say) {
  system_config own;
  caf::actor_system_config host;
  register_sluice(host);
  register_sluice(host); // idempotent
  for (auto& row : engine_options()) {
    auto* mine = registered_option(own, row.full_name());
    BOOST_REQUIRE_MESSAGE(mine != nullptr, row.full_name() << " is not registered");
    BOOST_CHECK_EQUAL(std::string(mine->description().data(), mine->description().size()),
                      std::string{row.help});
    auto* theirs = registered_option(host, row.full_name());
    BOOST_CHECK_MESSAGE((theirs != nullptr) == !row.own_system_only,
                        row.full_name() << " registered on a host: " << (theirs != nullptr));
  }
  BOOST_CHECK_EQUAL(registered_option(own, "pipeline.parallelism")->short_names().size(), 1u);
}

BOOST_AUTO_TEST_CASE(sample_options_are_read_from_the_command_line_and_file) {
  system_config cfg;
  add_options(cfg, apps::run_options(), option_scope::own_system);
  auto err = cfg.parse_args({"--generator.count=5", "--generator.rate=2.5", "--input=words.txt",
                             "-s", "/tmp/sp", "--allow-non-restored-state",
                             "--examples.repeat=3", "--restore-mode=claim"});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  auto values = apps::read_run_values(cfg);
  BOOST_CHECK_EQUAL(values.samples.generator.count, 5u);
  BOOST_CHECK_EQUAL(values.samples.generator.rate, 2.5);
  BOOST_CHECK_EQUAL(values.samples.input, "words.txt");
  BOOST_CHECK_EQUAL(values.from_savepoint, "/tmp/sp");
  BOOST_CHECK(values.allow_non_restored_state);
  BOOST_CHECK_EQUAL(values.samples.repeat, 3u);
  BOOST_CHECK_EQUAL(values.restore_mode, "claim");
  // Unset: `sluice run`'s own defaults.
  system_config plain;
  add_options(plain, apps::run_options(), option_scope::own_system);
  BOOST_REQUIRE(!plain.parse_args({}));
  auto defaults = apps::read_run_values(plain);
  BOOST_CHECK_EQUAL(defaults.samples.generator.count, 20u);
  BOOST_CHECK_EQUAL(defaults.samples.generator.rate, 10.0);
  BOOST_CHECK_EQUAL(defaults.restore_mode, "no_claim");
  BOOST_CHECK(!defaults.allow_non_restored_state);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace option_table_test
