#include "actors/embedding.hpp"

#include <chrono>
#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/error.hpp"
#include "actors/runtime.hpp"
#include "actors/system_config.hpp"

namespace sluice {

namespace {

/// Reaches the host config's (protected) option set: a pointer to a
/// protected member may be formed through a derived class.
struct options_access : caf::actor_system_config {
  static caf::config_option_set& of(caf::actor_system_config& cfg) {
    return cfg.*(&options_access::custom_options_);
  }
};

void add_checkpointing_options(caf::config_option_set& options) {
  if (options.qualified_name_lookup("checkpointing.interval") != nullptr)
    return; // sluice::system_config, or a second call
  // Stored in the config's content; unset ones keep the compiled-in defaults.
  caf::actor_system_config::opt_group{options, "checkpointing"}
    .add<caf::timespan>("interval", "time between checkpoint triggers, e.g. 1s (0: off)")
    .add<std::string>("mode", "exactly_once or at_least_once")
    .add<caf::timespan>("timeout", "a checkpoint not completed after this long is aborted")
    .add<caf::timespan>("min-pause",
                        "least time from the end of one checkpoint to the start of the next")
    .add<int32_t>("max-concurrent", "checkpoints in progress at once")
    .add<int32_t>("tolerable-failures",
                  "consecutive failed checkpoints tolerated before the job fails")
    .add<bool>("unaligned", "unaligned checkpoints (exactly_once only)")
    .add<caf::timespan>("aligned-timeout",
                        "with unaligned: start aligned, switch after this long (0: at once)")
    .add<std::string>("externalized", "none, retain_on_cancellation or delete_on_cancellation")
    .add<int32_t>("retained", "completed checkpoints kept")
    .add<std::string>("storage", "memory or filesystem")
    .add<std::string>("dir", "root directory of filesystem checkpoints")
    .add<std::string>("savepoint-dir", "default savepoint target directory");
}

void add_state_options(caf::config_option_set& options) {
  if (options.qualified_name_lookup("state.backend") != nullptr)
    return; // a second call
  caf::actor_system_config::opt_group{options, "state"}
    .add<std::string>("backend", "where keyed state lives: hashmap (memory) or lmdb (disk)")
    .add<bool>("incremental", "incremental checkpoints of the lmdb backend")
    .add<std::string>("local-dir", "root of the lmdb working directories")
    .add<int64_t>("lmdb-cache-entries",
                  "per state, decoded entries lmdb keeps in memory across batches");
}

void add_restart_options(caf::config_option_set& options) {
  if (options.qualified_name_lookup("restart-strategy.type") != nullptr)
    return; // a second call
  caf::actor_system_config::opt_group{options, "restart-strategy"}
    .add<std::string>("type",
                      "none, fixed-delay, failure-rate or exponential-delay (default: none "
                      "without checkpointing, exponential-delay with it)")
    .add<int32_t>("attempts",
                  "restarts before the job fails (fixed-delay; exponential-delay: between "
                  "backoff resets)")
    .add<caf::timespan>("delay", "fixed-delay and failure-rate: wait before each restart")
    .add<int32_t>("max-failures-per-interval",
                  "failure-rate: failures tolerated within failure-rate-interval")
    .add<caf::timespan>("failure-rate-interval", "failure-rate: the window failures are counted in")
    .add<caf::timespan>("initial-backoff", "exponential-delay: first backoff")
    .add<caf::timespan>("max-backoff", "exponential-delay: largest backoff")
    .add<double>("backoff-multiplier", "exponential-delay: backoff growth per failure (> 1)")
    .add<caf::timespan>("reset-backoff-threshold",
                        "exponential-delay: failure-free time that resets backoff and attempts")
    .add<double>("jitter-factor",
                 "exponential-delay: random share of the backoff added or subtracted (0 .. 1)");
}

/// The value of option `key` as the option classes' `set` parses it
/// (timespans as "<n>ms"), or nullopt when the config does not hold it.
std::optional<std::string> option_text(const caf::actor_system_config& cfg,
                                       const std::string& key) {
  if (auto t = caf::get_if<caf::timespan>(&cfg, key))
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(*t).count())
           + "ms";
  if (auto b = caf::get_if<bool>(&cfg, key))
    return std::string{*b ? "true" : "false"};
  if (auto i = caf::get_if<int32_t>(&cfg, key))
    return std::to_string(*i);
  if (auto i = caf::get_if<int64_t>(&cfg, key))
    return std::to_string(*i);
  if (auto x = caf::get_if<double>(&cfg, key))
    return format_decimal(*x);
  if (auto str = caf::get_if<std::string>(&cfg, key))
    return *str;
  return std::nullopt;
}

} // namespace

void add_sluice_options(caf::actor_system_config& cfg) {
  auto& options = options_access::of(cfg);
  add_checkpointing_options(options);
  add_state_options(options);
  add_restart_options(options);
  if (options.qualified_name_lookup("pipeline.parallelism") != nullptr)
    return; // sluice::system_config, or a second call
  caf::actor_system_config::opt_group{options, "pipeline"}
    .add<uint32_t>("parallelism", "default parallelism of every operator")
    .add<uint32_t>("max-parallelism",
                   "number of key groups, upper bound for rescaling keyed state")
    .add<uint32_t>("batch-size", "records per batch crossing actors")
    .add<caf::timespan>("buffer-timeout",
                        "send a partly filled batch after this long (e.g. 100ms)")
    .add<caf::timespan>("auto-watermark-interval",
                        "how often timestamp assigners emit their periodic watermark "
                        "(e.g. 200ms; 0: off)")
    .add<uint32_t>("buffers-per-channel",
                   "credit window: batches a sender may have in flight per channel");
  caf::actor_system_config::opt_group{options, "heartbeat"}
    .add<caf::timespan>("interval",
                        "how often the job master asks every subtask whether it is alive")
    .add<caf::timespan>("timeout", "a subtask that has not answered for this long is failed");
}

caf::expected<pipeline_config> read_pipeline_config(const caf::actor_system_config& cfg) {
  auto result = default_pipeline_config();
  result.parallelism = caf::get_or(cfg, "pipeline.parallelism", result.parallelism);
  result.max_parallelism = caf::get_or(cfg, "pipeline.max-parallelism",
                                       result.max_parallelism);
  result.batch_size = caf::get_or(cfg, "pipeline.batch-size", result.batch_size);
  caf::timespan timeout = result.buffer_timeout;
  timeout = caf::get_or(cfg, "pipeline.buffer-timeout", timeout);
  result.buffer_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  caf::timespan watermark_interval = result.auto_watermark_interval;
  watermark_interval = caf::get_or(cfg, "pipeline.auto-watermark-interval", watermark_interval);
  result.auto_watermark_interval
    = std::chrono::duration_cast<std::chrono::milliseconds>(watermark_interval);
  result.buffers_per_channel = caf::get_or(cfg, "pipeline.buffers-per-channel",
                                           result.buffers_per_channel);
  for (auto [name, field] : {std::pair{"heartbeat.interval", &result.heartbeat_interval},
                             std::pair{"heartbeat.timeout", &result.heartbeat_timeout}}) {
    caf::timespan span = *field;
    span = caf::get_or(cfg, name, span);
    *field = std::chrono::duration_cast<std::chrono::milliseconds>(span);
  }
  if (auto err = validate(result))
    return err;
  return result;
}

std::vector<std::string> take_flag_values(caf::actor_system_config& cfg,
                                          std::vector<std::string>& args) {
  auto& options = options_access::of(cfg);
  std::vector<std::string> cleared;
  for (auto i = args.begin(); i != args.end();) {
    auto eq = i->find('=');
    if (i->rfind("--", 0) == 0 && eq != std::string::npos) {
      auto name = i->substr(2, eq - 2);
      auto value = i->substr(eq + 1);
      auto* opt = options.qualified_name_lookup(name);
      if (opt != nullptr && opt->is_flag() && (value == "true" || value == "false")) {
        if (value == "false") {
          cleared.push_back(name);
          i = args.erase(i);
          continue;
        }
        *i = "--" + name;
      }
    }
    ++i;
  }
  return cleared;
}

caf::expected<checkpoint_config> read_checkpoint_config(const caf::actor_system_config& cfg) {
  checkpoint_config result;
  for (auto name : checkpoint_config::option_names()) {
    auto value = option_text(cfg, "checkpointing." + std::string{name});
    if (value && name == "interval" && *value == "0ms")
      value = "off";
    if (value)
      if (auto err = result.set(name, *value))
        return make_error(ec::invalid_option, *err);
  }
  if (auto err = result.validate())
    return make_error(ec::invalid_option, *err);
  return result;
}

caf::expected<state_config> read_state_config(const caf::actor_system_config& cfg) {
  state_config result;
  for (auto name : state_config::option_names())
    if (auto value = option_text(cfg, "state." + std::string{name}))
      if (auto err = result.set(name, *value))
        return make_error(ec::invalid_option, *err);
  if (auto err = result.validate())
    return make_error(ec::invalid_option, *err);
  return result;
}

caf::expected<restart_config> read_restart_config(const caf::actor_system_config& cfg) {
  restart_config result;
  for (auto name : restart_config::option_names())
    if (auto value = option_text(cfg, "restart-strategy." + std::string{name}))
      if (auto err = result.set(name, *value))
        return make_error(ec::invalid_option, *err);
  if (auto err = result.validate())
    return make_error(ec::invalid_option, *err);
  return result;
}

} // namespace sluice
