// The `state.*` options: state_config on its own (set/validate, no CAF),
// through sluice::system_config (defaults, command line, config file,
// errors naming the option) and through a host's config (register_sluice +
// read_state_config).
#include "actors/config/state_config.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include <caf/all.hpp>

#include "actors/embedding/embedding.hpp"
#include "actors/contract/error.hpp"
#include "actors/config/system_config.hpp"

namespace state_config_test {

namespace {

using namespace sluice;

/// Renders a parse error, or "" when there is none.
std::string problem(const caf::error& err) {
  return err ? render(err) : std::string{};
}

} // namespace

BOOST_AUTO_TEST_SUITE(state_config_suite)

BOOST_AUTO_TEST_CASE(plain_values_parse_and_validate) {
  state_config cfg;
  BOOST_CHECK(cfg.backend == state_backend_kind::hashmap); // meson default
  BOOST_CHECK(!cfg.incremental);
  BOOST_CHECK(!cfg.validate());
  BOOST_CHECK_EQUAL(cfg.effective_local_dir().filename(), "sluice-state");
  BOOST_CHECK(!cfg.set("backend", "lmdb"));
  BOOST_CHECK(cfg.backend == state_backend_kind::lmdb);
  BOOST_CHECK(!cfg.set("local-dir", "/var/tmp/x"));
  BOOST_CHECK_EQUAL(cfg.effective_local_dir(), "/var/tmp/x");
  BOOST_CHECK(!cfg.set("lmdb-cache-entries", "0"));
  BOOST_CHECK_EQUAL(cfg.lmdb_cache_entries, 0);
  auto bad = cfg.set("backend", "rocksdb");
  BOOST_REQUIRE(bad);
  BOOST_CHECK_NE(bad->find("state.backend=rocksdb"), std::string::npos);
  BOOST_CHECK_NE(bad->find("hashmap or lmdb"), std::string::npos);
  BOOST_CHECK(cfg.set("lmdb-cache-entries", "many"));
  BOOST_CHECK(cfg.set("incremental", "yes"));
  BOOST_CHECK(cfg.set("no-such-option", "1"));
  cfg.lmdb_cache_entries = -1;
  BOOST_REQUIRE(cfg.validate());
  BOOST_CHECK_NE(cfg.validate()->find("state.lmdb-cache-entries"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(incremental_needs_lmdb) {
  state_config cfg;
  cfg.incremental = true;
  auto on_hashmap = cfg.validate();
  BOOST_REQUIRE(on_hashmap);
  BOOST_CHECK_NE(on_hashmap->find("state.backend=lmdb"), std::string::npos);
  cfg.backend = state_backend_kind::lmdb;
  auto on_lmdb = cfg.validate();
  BOOST_CHECK_MESSAGE(!on_lmdb, on_lmdb.value_or(""));
}

BOOST_AUTO_TEST_CASE(command_line_and_defaults) {
  system_config defaults;
  BOOST_REQUIRE(!defaults.parse_args({}));
  BOOST_CHECK(defaults.state().backend == state_config{}.backend);
  system_config cfg;
  auto err = cfg.parse_args({"--state.backend=lmdb", "--state.local-dir=/tmp/sluice-x",
                             "--state.lmdb-cache-entries=5", "--state.incremental=false"});
  BOOST_REQUIRE_MESSAGE(!err, problem(err));
  BOOST_CHECK(cfg.state().backend == state_backend_kind::lmdb);
  BOOST_CHECK_EQUAL(cfg.state().local_dir, "/tmp/sluice-x");
  BOOST_CHECK_EQUAL(cfg.state().lmdb_cache_entries, 5);
  BOOST_CHECK(!cfg.state().incremental);
}

BOOST_AUTO_TEST_CASE(bad_values_name_the_option) {
  for (auto arg : {"--state.backend=rocksdb", "--state.lmdb-cache-entries=-3",
                   "--state.incremental=true"}) {
    system_config cfg;
    auto err = cfg.parse_args({arg});
    BOOST_REQUIRE_MESSAGE(err, arg << " was accepted");
    BOOST_CHECK(code_of(err) == ec::invalid_option);
    auto what = render(err);
    auto name = std::string{arg}.substr(2, std::string{arg}.find('=') - 2);
    BOOST_CHECK_MESSAGE(what.find(name) != std::string::npos, what);
  }
}

BOOST_AUTO_TEST_CASE(config_file_section) {
  auto path = std::filesystem::temp_directory_path()
              / ("sluice-state-config-test-" + std::to_string(::getpid()) + ".ini");
  {
    std::ofstream out{path};
    out << "[state]\nbackend=\"lmdb\"\nlmdb-cache-entries=7\n";
  }
  system_config cfg;
  auto err = cfg.parse_args({"--config-file=" + path.string()});
  std::filesystem::remove(path);
  BOOST_REQUIRE_MESSAGE(!err, problem(err));
  BOOST_CHECK(cfg.state().backend == state_backend_kind::lmdb);
  BOOST_CHECK_EQUAL(cfg.state().lmdb_cache_entries, 7);
}

BOOST_AUTO_TEST_CASE(host_config_reads_the_state_options) {
  caf::actor_system_config host;
  register_sluice(host);
  std::istringstream no_file;
  auto err = host.parse({"--state.backend=lmdb", "--state.local-dir=/tmp/y"}, no_file);
  BOOST_REQUIRE_MESSAGE(!err, caf::to_string(err));
  auto cfg = read_state_config(host);
  BOOST_REQUIRE_MESSAGE(cfg, (cfg ? std::string{} : render(cfg.error())));
  BOOST_CHECK(cfg->backend == state_backend_kind::lmdb);
  BOOST_CHECK_EQUAL(cfg->local_dir, "/tmp/y");
  caf::actor_system_config bad;
  register_sluice(bad);
  std::istringstream no_file2;
  BOOST_REQUIRE(!bad.parse({"--state.backend=memory"}, no_file2));
  auto refused = read_state_config(bad);
  BOOST_REQUIRE(!refused);
  BOOST_CHECK(code_of(refused.error()) == ec::invalid_option);
  BOOST_CHECK_NE(render(refused.error()).find("state.backend=memory"), std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace state_config_test
