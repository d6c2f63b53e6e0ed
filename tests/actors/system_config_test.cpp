// sluice::system_config::parse_args: defaults, command line, config file
// (CAF INI, `[pipeline]` section) overridden by the command line, and errors
// that carry a sluice code and name the offending option or file.
#include "actors/config/system_config.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <typeindex>
#include <unistd.h>
#include <vector>

#include <caf/all.hpp>

#include "actors/contract/actors.hpp"
#include "actors/embedding/embedding.hpp"
#include "actors/contract/error.hpp"
#include "actors/job/runtime.hpp"
#include "sluice_defaults.hpp"
#include "tests/actors/system_config_test_util.hpp"

namespace system_config_test {

namespace {

using namespace sluice;
using namespace std::chrono_literals;
using namespace sluice::config_test;

} // namespace

BOOST_AUTO_TEST_SUITE(system_config_test)

BOOST_AUTO_TEST_CASE(defaults_without_arguments) {
  system_config cfg;
  auto err = cfg.parse_args({});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  auto& p = cfg.pipeline();
  BOOST_CHECK_EQUAL(p.parallelism, uint32_t{SLUICE_DEFAULT_PIPELINE_PARALLELISM});
  BOOST_CHECK_EQUAL(p.max_parallelism, uint32_t{SLUICE_DEFAULT_PIPELINE_MAX_PARALLELISM});
  BOOST_CHECK_EQUAL(p.batch_size, uint32_t{SLUICE_DEFAULT_PIPELINE_BATCH_SIZE});
  BOOST_CHECK_EQUAL(p.threads, uint32_t{SLUICE_DEFAULT_PIPELINE_THREADS});
  // The compiled-in default timeout, parsed by CAF from the meson string.
  auto parsed = caf::config_value::parse(SLUICE_DEFAULT_PIPELINE_BUFFER_TIMEOUT);
  BOOST_REQUIRE(parsed);
  auto span = caf::get_if<caf::timespan>(&*parsed);
  BOOST_REQUIRE(span != nullptr);
  BOOST_CHECK_EQUAL(p.buffer_timeout.count(),
                    std::chrono::duration_cast<std::chrono::milliseconds>(*span).count());
  auto interval = caf::config_value::parse(SLUICE_DEFAULT_PIPELINE_AUTO_WATERMARK_INTERVAL);
  BOOST_REQUIRE(interval);
  auto interval_span = caf::get_if<caf::timespan>(&*interval);
  BOOST_REQUIRE(interval_span != nullptr);
  BOOST_CHECK_EQUAL(p.auto_watermark_interval.count(),
                    std::chrono::duration_cast<std::chrono::milliseconds>(*interval_span)
                      .count());
  BOOST_CHECK(cfg.positional().empty());
}

BOOST_AUTO_TEST_CASE(long_options) {
  system_config cfg;
  auto err = cfg.parse_args({"--pipeline.parallelism=4", "--pipeline.batch-size=64",
                             "--pipeline.max-parallelism=256", "--pipeline.threads=2"});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  BOOST_CHECK_EQUAL(cfg.pipeline().parallelism, 4u);
  BOOST_CHECK_EQUAL(cfg.pipeline().batch_size, 64u);
  BOOST_CHECK_EQUAL(cfg.pipeline().max_parallelism, 256u);
  BOOST_CHECK_EQUAL(cfg.pipeline().threads, 2u);
}

BOOST_AUTO_TEST_CASE(short_parallelism_option) {
  {
    system_config cfg;
    auto err = cfg.parse_args({"-p", "3"});
    BOOST_REQUIRE_MESSAGE(!err, render(err));
    BOOST_CHECK_EQUAL(cfg.pipeline().parallelism, 3u);
    BOOST_CHECK(cfg.positional().empty());
  }
  {
    system_config cfg;
    auto err = cfg.parse_args({"-p3"});
    BOOST_REQUIRE_MESSAGE(!err, render(err));
    BOOST_CHECK_EQUAL(cfg.pipeline().parallelism, 3u);
  }
}

BOOST_AUTO_TEST_CASE(long_parallelism_alias) {
  for (auto args : {std::vector<std::string>{"--parallelism", "5"},
                    std::vector<std::string>{"--parallelism=5"}}) {
    system_config cfg;
    auto err = cfg.parse_args(args);
    BOOST_REQUIRE_MESSAGE(!err, render(err));
    BOOST_CHECK_EQUAL(cfg.pipeline().parallelism, 5u);
    BOOST_CHECK(cfg.positional().empty());
  }
}

BOOST_AUTO_TEST_CASE(buffer_timeout) {
  system_config cfg;
  auto err = cfg.parse_args({"--pipeline.buffer-timeout=250ms"});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  BOOST_CHECK_EQUAL(cfg.pipeline().buffer_timeout.count(), 250);
  system_config cfg2;
  err = cfg2.parse_args({"--pipeline.buffer-timeout=2s"});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  BOOST_CHECK_EQUAL(cfg2.pipeline().buffer_timeout.count(), 2000);
}

BOOST_AUTO_TEST_CASE(buffers_per_channel) {
  system_config cfg;
  auto err = cfg.parse_args({"--pipeline.buffers-per-channel=8"});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  BOOST_CHECK_EQUAL(cfg.pipeline().buffers_per_channel, 8u);
  system_config defaults;
  BOOST_REQUIRE(!defaults.parse_args({}));
  BOOST_CHECK_EQUAL(defaults.pipeline().buffers_per_channel,
                    uint32_t{SLUICE_DEFAULT_PIPELINE_BUFFERS_PER_CHANNEL});
  BOOST_CHECK(defaults.pipeline().credit_based);
}

BOOST_AUTO_TEST_CASE(buffers_per_channel_zero_is_rejected) {
  check_error({"--pipeline.buffers-per-channel=0"}, ec::invalid_option,
              {"pipeline.buffers-per-channel", "0", "between 1 and 1024"});
}

BOOST_AUTO_TEST_CASE(register_sluice_names_every_message_type_on_a_host_config) {
  caf::actor_system_config host;
  register_sluice(host);
  for (auto name : {"sluice.data_msg", "sluice.barrier_msg", "sluice.watermark_msg",
                    "sluice.eos_msg", "sluice.credit_msg", "sluice.subtask_metrics",
                    "sluice.subtask_actor", "sluice.job_master_actor"})
    BOOST_CHECK_MESSAGE(host.value_factories_by_name.count(name) == 1,
                        name << " is not registered");
  auto it = host.type_names_by_rtti.find(std::type_index(typeid(credit_msg)));
  BOOST_REQUIRE(it != host.type_names_by_rtti.end());
  BOOST_CHECK_EQUAL(it->second, "sluice.credit_msg");
}

BOOST_AUTO_TEST_CASE(register_sluice_adds_the_pipeline_options_to_a_host_config) {
  caf::actor_system_config host;
  register_sluice(host);
  register_sluice(host); // idempotent: no duplicate options
  std::istringstream no_file;
  auto err = host.parse({"--pipeline.parallelism=3", "--pipeline.buffers-per-channel=2"},
                        no_file);
  BOOST_REQUIRE_MESSAGE(!err, caf::to_string(err));
  auto cfg = read_pipeline_config(host);
  BOOST_REQUIRE(cfg);
  BOOST_CHECK_EQUAL(cfg->parallelism, 3u);
  BOOST_CHECK_EQUAL(cfg->buffers_per_channel, 2u);
  BOOST_CHECK_EQUAL(cfg->auto_watermark_interval.count(), 200); // not given: the default
}

BOOST_AUTO_TEST_CASE(register_sluice_adds_the_checkpointing_options_to_a_host_config) {
  caf::actor_system_config host;
  register_sluice(host);
  register_sluice(host);
  std::istringstream no_file;
  auto err = host.parse({"--checkpointing.interval=2s", "--checkpointing.mode=at_least_once",
                         "--checkpointing.retained=3", "--checkpointing.storage=filesystem",
                         "--checkpointing.dir=/tmp/x"},
                        no_file);
  BOOST_REQUIRE_MESSAGE(!err, caf::to_string(err));
  auto cfg = read_checkpoint_config(host);
  BOOST_REQUIRE_MESSAGE(cfg, (cfg ? std::string{} : render(cfg.error())));
  BOOST_REQUIRE(cfg->interval);
  BOOST_CHECK_EQUAL(cfg->interval->count(), 2000);
  BOOST_CHECK(cfg->mode == checkpointing_mode::at_least_once);
  BOOST_CHECK_EQUAL(cfg->retained, 3);
  BOOST_CHECK(cfg->storage == checkpoint_storage_type::filesystem);
  BOOST_CHECK_EQUAL(cfg->dir, "/tmp/x");
  // Unset options keep the compiled-in defaults.
  BOOST_CHECK_EQUAL(cfg->timeout.count(), default_checkpoint_config().timeout.count());
  // Invalid values and combinations name the option.
  caf::actor_system_config bad;
  register_sluice(bad);
  std::istringstream no_file2;
  BOOST_REQUIRE(!bad.parse({"--checkpointing.interval=1s", "--checkpointing.unaligned",
                            "--checkpointing.mode=at_least_once"},
                           no_file2));
  auto refused = read_checkpoint_config(bad);
  BOOST_REQUIRE(!refused);
  BOOST_CHECK(code_of(refused.error()) == ec::invalid_option);
  BOOST_CHECK_NE(render(refused.error()).find("checkpointing.unaligned"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(checkpointing_defaults_follow_the_compiled_in_config) {
  system_config cfg;
  BOOST_REQUIRE(!cfg.parse_args({}));
  auto& c = cfg.checkpointing();
  auto d = default_checkpoint_config();
  BOOST_CHECK(c.interval == d.interval);
  BOOST_CHECK(c.mode == d.mode);
  BOOST_CHECK_EQUAL(c.timeout.count(), d.timeout.count());
  BOOST_CHECK_EQUAL(c.retained, d.retained);
  BOOST_CHECK(c.externalized == d.externalized);
}

BOOST_AUTO_TEST_CASE(checkpointing_options_on_the_command_line) {
  system_config cfg;
  auto err = cfg.parse_args({"--checkpointing.interval=2s", "--checkpointing.mode=at_least_once",
                             "--checkpointing.timeout=30s", "--checkpointing.min-pause=500ms",
                             "--checkpointing.max-concurrent=3",
                             "--checkpointing.tolerable-failures=2",
                             "--checkpointing.retained=4"});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  auto& c = cfg.checkpointing();
  BOOST_REQUIRE(c.interval);
  BOOST_CHECK_EQUAL(c.interval->count(), 2000);
  BOOST_CHECK(c.mode == checkpointing_mode::at_least_once);
  BOOST_CHECK_EQUAL(c.timeout.count(), 30000);
  BOOST_CHECK_EQUAL(c.min_pause.count(), 500);
  BOOST_CHECK_EQUAL(c.max_concurrent, 3);
  BOOST_CHECK_EQUAL(c.tolerable_failures, 2);
  BOOST_CHECK_EQUAL(c.retained, 4);
}

BOOST_AUTO_TEST_CASE(checkpointing_flag_takes_true_and_false) {
  system_config on;
  BOOST_REQUIRE(!on.parse_args({"--checkpointing.interval=1s", "--checkpointing.unaligned=true"}));
  BOOST_CHECK(on.checkpointing().unaligned);
  system_config off;
  BOOST_REQUIRE(!off.parse_args({"--checkpointing.unaligned=false"}));
  BOOST_CHECK(!off.checkpointing().unaligned);
  system_config bare;
  BOOST_REQUIRE(!bare.parse_args({"--checkpointing.interval=1s", "--checkpointing.unaligned"}));
  BOOST_CHECK(bare.checkpointing().unaligned);
}

BOOST_AUTO_TEST_CASE(checkpointing_interval_zero_is_off) {
  system_config cfg;
  BOOST_REQUIRE(!cfg.parse_args({"--checkpointing.interval=0s"}));
  BOOST_CHECK(!cfg.checkpointing().enabled());
}

BOOST_AUTO_TEST_CASE(checkpointing_options_in_the_config_file) {
  temp_file file{"[checkpointing]\ninterval=1s\nmode=\"at_least_once\"\n"
                 "storage=\"filesystem\"\ndir=\"/tmp/sluice-checkpoints\"\n"
                 "externalized=\"retain_on_cancellation\"\n"};
  system_config cfg;
  auto err = cfg.parse_args({file.arg()});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  auto& c = cfg.checkpointing();
  BOOST_CHECK_EQUAL(c.interval->count(), 1000);
  BOOST_CHECK(c.storage == checkpoint_storage_type::filesystem);
  BOOST_CHECK_EQUAL(c.dir, "/tmp/sluice-checkpoints");
  BOOST_CHECK(c.externalized == externalized_cleanup::retain_on_cancellation);
}

BOOST_AUTO_TEST_CASE(invalid_checkpointing_values_and_combinations_are_rejected) {
  check_error({"--checkpointing.mode=fast"}, ec::invalid_option,
              {"checkpointing.mode", "fast", "exactly_once"});
  check_error({"--checkpointing.interval=1s", "--checkpointing.mode=at_least_once",
               "--checkpointing.unaligned"},
              ec::invalid_option, {"checkpointing.unaligned", "exactly_once"});
  check_error({"--checkpointing.interval=-1s"}, ec::invalid_option,
              {"checkpointing.interval", "-1s"});
  check_error({"--checkpointing.retained=0"}, ec::invalid_option, {"checkpointing.retained"});
  check_error({"--checkpointing.storage=filesystem"}, ec::invalid_option,
              {"checkpointing.dir"});
  check_error({"--checkpointing.externalized=keep"}, ec::invalid_option,
              {"checkpointing.externalized", "keep"});
}

BOOST_AUTO_TEST_CASE(positional_arguments_are_kept) {
  system_config cfg;
  auto err = cfg.parse_args({"--pipeline.parallelism=2", "my-job"});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  BOOST_REQUIRE_EQUAL(cfg.positional().size(), 1u);
  BOOST_CHECK_EQUAL(cfg.positional()[0], "my-job");
  BOOST_CHECK_EQUAL(cfg.pipeline().parallelism, 2u);
}

// rest.* (DESIGN.md): defaults from meson (127.0.0.1:8081), the command
// line and the config file; a port outside 0..65535 is refused by name.
BOOST_AUTO_TEST_CASE(rest_options) {
  system_config defaults;
  BOOST_REQUIRE(!defaults.parse_args({}));
  BOOST_CHECK_EQUAL(defaults.rest().address, "127.0.0.1");
  BOOST_CHECK_EQUAL(defaults.rest().port, 8081);
  system_config cli;
  auto err = cli.parse_args({"--rest.address=0.0.0.0", "--rest.port=0"});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  BOOST_CHECK_EQUAL(cli.rest().address, "0.0.0.0");
  BOOST_CHECK_EQUAL(cli.rest().port, 0);
  temp_file file{"[rest]\nport=9091\n"};
  system_config from_file;
  err = from_file.parse_args({file.arg()});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  BOOST_CHECK_EQUAL(from_file.rest().port, 9091);
  check_error({"--rest.port=70000"}, ec::invalid_option, {"rest.port", "70000", "65535"});
  check_error({"--rest.port=-1"}, ec::invalid_option, {"rest.port"});
  check_error({"--rest.address="}, ec::invalid_option, {"rest.address"});
}

BOOST_AUTO_TEST_CASE(config_file_is_read) {
  temp_file file{"[pipeline]\nparallelism=5\nbatch-size=64\nbuffer-timeout=30ms\n"};
  system_config cfg;
  auto err = cfg.parse_args({file.arg()});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  BOOST_CHECK_EQUAL(cfg.pipeline().parallelism, 5u);
  BOOST_CHECK_EQUAL(cfg.pipeline().batch_size, 64u);
  BOOST_CHECK_EQUAL(cfg.pipeline().buffer_timeout.count(), 30);
  BOOST_CHECK_EQUAL(cfg.pipeline().max_parallelism,
                    uint32_t{SLUICE_DEFAULT_PIPELINE_MAX_PARALLELISM});
}

BOOST_AUTO_TEST_CASE(command_line_overrides_config_file) {
  temp_file file{"[pipeline]\nparallelism=5\nbatch-size=64\n"};
  for (auto order : {0, 1}) {
    system_config cfg;
    std::vector<std::string> args{file.arg(), "--pipeline.parallelism=7"};
    if (order == 1)
      std::swap(args[0], args[1]);
    auto err = cfg.parse_args(args);
    BOOST_REQUIRE_MESSAGE(!err, render(err));
    BOOST_CHECK_EQUAL(cfg.pipeline().parallelism, 7u);
    BOOST_CHECK_EQUAL(cfg.pipeline().batch_size, 64u); // from the file
  }
}

BOOST_AUTO_TEST_CASE(parallelism_zero_is_rejected) {
  check_error({"--pipeline.parallelism=0"}, ec::invalid_option, {"pipeline.parallelism", "0"});
}

BOOST_AUTO_TEST_CASE(parallelism_above_max_parallelism_is_rejected) {
  check_error({"--pipeline.parallelism=20", "--pipeline.max-parallelism=16"},
              ec::invalid_option, {"pipeline.parallelism", "20", "16"});
}

BOOST_AUTO_TEST_CASE(max_parallelism_above_upper_bound_is_rejected) {
  check_error({"--pipeline.max-parallelism=40000"}, ec::invalid_option,
              {"pipeline.max-parallelism", "40000", "32768"});
}

BOOST_AUTO_TEST_CASE(batch_size_zero_is_rejected) {
  check_error({"--pipeline.batch-size=0"}, ec::invalid_option, {"pipeline.batch-size", "0"});
}

BOOST_AUTO_TEST_CASE(non_numeric_value_is_rejected) {
  check_error({"--pipeline.parallelism=four"}, ec::invalid_option, {"pipeline.parallelism"});
  check_error({"--pipeline.batch-size=12x"}, ec::invalid_option, {"pipeline.batch-size"});
  check_error({"--pipeline.buffer-timeout=soon"}, ec::invalid_option,
              {"pipeline.buffer-timeout"});
}

BOOST_AUTO_TEST_CASE(unknown_option_is_rejected) {
  check_error({"--pipeline.nope=1"}, ec::invalid_option, {"unknown option", "pipeline.nope"});
  check_error({"--pipline.parallelism=3"}, ec::invalid_option, {"pipline.parallelism"});
}

BOOST_AUTO_TEST_CASE(missing_config_file_is_rejected) {
  auto path = std::filesystem::temp_directory_path() / "sluice-no-such-config-file.ini";
  check_error({"--config-file=" + path.string()}, ec::invalid_config_file, {path.string()});
}

BOOST_AUTO_TEST_CASE(config_file_with_garbage_syntax_is_rejected) {
  temp_file file{"[pipeline\nparallelism=?!\n}}} garbage ===\n"};
  check_error({file.arg()}, ec::invalid_config_file, {file.path.string()});
}

BOOST_AUTO_TEST_CASE(config_file_with_invalid_value_is_rejected) {
  temp_file file{"[pipeline]\nparallelism=0\n"};
  check_error({file.arg()}, ec::invalid_option, {"pipeline.parallelism"});
}

BOOST_AUTO_TEST_CASE(config_file_with_non_numeric_value_is_rejected) {
  temp_file file{"[pipeline]\nbatch-size=\"lots\"\n"};
  check_error({file.arg()}, ec::invalid_config_file, {file.path.string(), "batch-size"});
}

BOOST_AUTO_TEST_CASE(config_file_with_ill_typed_values_is_rejected) {
  // CAF's INI reader drops these silently; the default would stay in force.
  for (auto line : {"parallelism=-3", "parallelism=2.5", "buffer-timeout=5"}) {
    temp_file file{std::string{"[pipeline]\n"} + line + "\n"};
    auto key = std::string{line}.substr(0, std::string{line}.find('='));
    check_error({file.arg()}, ec::invalid_config_file,
                {file.path.string(), "pipeline." + key});
  }
}

BOOST_AUTO_TEST_CASE(config_file_with_unknown_option_is_rejected) {
  temp_file file{"[pipeline]\nparallelism=2\nnope=1\n"};
  check_error({file.arg()}, ec::invalid_config_file, {file.path.string(), "pipeline.nope"});
}

BOOST_AUTO_TEST_CASE(config_file_with_unknown_section_is_rejected) {
  temp_file file{"[pipline]\nparallelism=3\n"};
  check_error({file.arg()}, ec::invalid_config_file, {file.path.string(), "pipline"});
}

BOOST_AUTO_TEST_CASE(config_file_may_set_caf_options) {
  temp_file file{"[pipeline]\nparallelism=3\n[scheduler]\nmax-threads=2\n"};
  system_config cfg;
  auto err = cfg.parse_args({file.arg()});
  BOOST_REQUIRE_MESSAGE(!err, render(err));
  BOOST_CHECK_EQUAL(cfg.pipeline().parallelism, 3u);
  BOOST_CHECK_EQUAL(caf::get_or(cfg, "scheduler.max-threads", size_t{0}), 2u);
}

BOOST_AUTO_TEST_CASE(short_option_without_value_is_rejected) {
  check_error({"-p"}, ec::invalid_option, {"-p", "pipeline.parallelism"});
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace system_config_test
