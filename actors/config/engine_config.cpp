#include "actors/config/engine_config.hpp"

#include <charconv>
#include <cstdint>
#include <utility>

#include "actors/job/runtime.hpp"
#include "snapshot/key_groups.hpp"

namespace sluice {

namespace {

using std::chrono::milliseconds;

/// "<name> = <value>: <what>", the form every option group reports in.
std::string problem(std::string_view name, std::string_view value, std::string_view what) {
  return std::string{name} + " = " + std::string{value} + ": " + std::string{what};
}

/// Splits "group.name" at the first dot; the group is empty for none.
std::pair<std::string_view, std::string_view> split(std::string_view full_name) {
  auto dot = full_name.find('.');
  if (dot == std::string_view::npos)
    return {std::string_view{}, full_name};
  return {full_name.substr(0, dot), full_name.substr(dot + 1)};
}

/// A whole decimal number of type `Int` and nothing else; nullopt otherwise
/// (also on overflow).
template <class Int>
std::optional<Int> parse_whole(std::string_view s) {
  Int x = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (err != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return x;
}

/// The member of the `pipeline.*` or `heartbeat.*` option `full_name`:
/// a count or a duration (both null for another name). `Config` is
/// `pipeline_config` or `const pipeline_config`.
template <class Config>
auto pipeline_field(Config& cfg, std::string_view full_name) {
  struct field {
    decltype(&cfg.parallelism) count = nullptr;
    decltype(&cfg.buffer_timeout) duration = nullptr;
  };
  if (full_name == "pipeline.parallelism")
    return field{&cfg.parallelism, nullptr};
  if (full_name == "pipeline.max-parallelism")
    return field{&cfg.max_parallelism, nullptr};
  if (full_name == "pipeline.batch-size")
    return field{&cfg.batch_size, nullptr};
  if (full_name == "pipeline.threads")
    return field{&cfg.threads, nullptr};
  if (full_name == "pipeline.buffers-per-channel")
    return field{&cfg.buffers_per_channel, nullptr};
  if (full_name == "pipeline.buffer-timeout")
    return field{nullptr, &cfg.buffer_timeout};
  if (full_name == "pipeline.auto-watermark-interval")
    return field{nullptr, &cfg.auto_watermark_interval};
  if (full_name == "heartbeat.interval")
    return field{nullptr, &cfg.heartbeat_interval};
  if (full_name == "heartbeat.timeout")
    return field{nullptr, &cfg.heartbeat_timeout};
  return field{};
}

std::optional<std::string> state_get(const state_config& cfg, std::string_view name) {
  if (name == "backend")
    return std::string{to_string(cfg.backend)};
  if (name == "incremental")
    return std::string{cfg.incremental ? "true" : "false"};
  if (name == "local-dir")
    return cfg.local_dir;
  if (name == "lmdb-cache-entries")
    return std::to_string(cfg.lmdb_cache_entries);
  return std::nullopt;
}

} // namespace

std::optional<std::string> pipeline_problem(const pipeline_config& cfg) {
  auto ms = [](milliseconds d) { return std::to_string(d.count()) + "ms"; };
  if (cfg.max_parallelism < 1 || cfg.max_parallelism > upper_bound_max_parallelism)
    return problem("pipeline.max-parallelism", std::to_string(cfg.max_parallelism),
                   "must be between 1 and " + std::to_string(upper_bound_max_parallelism));
  if (cfg.parallelism < 1 || cfg.parallelism > cfg.max_parallelism)
    return problem("pipeline.parallelism", std::to_string(cfg.parallelism),
                   "must be between 1 and max-parallelism ("
                     + std::to_string(cfg.max_parallelism) + ")");
  if (cfg.batch_size < 1 || cfg.batch_size > (1u << 20))
    return problem("pipeline.batch-size", std::to_string(cfg.batch_size),
                   "must be between 1 and 1048576 records");
  if (cfg.buffer_timeout.count() < 0)
    return problem("pipeline.buffer-timeout", ms(cfg.buffer_timeout), "must not be negative");
  if (cfg.auto_watermark_interval.count() < 0)
    return problem("pipeline.auto-watermark-interval", ms(cfg.auto_watermark_interval),
                   "must not be negative (0ms: periodic watermarks off)");
  if (cfg.threads > 1024)
    return problem("pipeline.threads", std::to_string(cfg.threads),
                   "must be between 0 (one per core) and 1024");
  if (cfg.heartbeat_interval.count() < 1)
    return problem("heartbeat.interval", ms(cfg.heartbeat_interval), "must be at least 1ms");
  if (cfg.heartbeat_timeout < cfg.heartbeat_interval)
    return problem("heartbeat.timeout", ms(cfg.heartbeat_timeout),
                   "must not be shorter than heartbeat.interval ("
                     + ms(cfg.heartbeat_interval) + ")");
  if (cfg.buffers_per_channel < 1 || cfg.buffers_per_channel > 1024)
    return problem("pipeline.buffers-per-channel", std::to_string(cfg.buffers_per_channel),
                   "must be between 1 and 1024 batches");
  return std::nullopt;
}

engine_config::engine_config() : pipeline(default_pipeline_config()) {
  // The other groups' members default to the compiled-in values.
}

std::optional<std::string> engine_config::set(std::string_view full_name,
                                              std::string_view value) {
  auto [group, name] = split(full_name);
  if (group == "checkpointing")
    return checkpointing.set(name, value);
  if (group == "state")
    return state.set(name, value);
  if (group == "restart-strategy")
    return restart.set(name, value);
  if (group == "rest") {
    if (name == "address") {
      rest.address = std::string{value};
      return std::nullopt;
    }
    if (name == "port") {
      auto port = parse_whole<int64_t>(value);
      if (!port)
        return problem(full_name, value, "expected a port number");
      rest.port = *port;
      return std::nullopt;
    }
  }
  auto field = pipeline_field(pipeline, full_name);
  if (field.count != nullptr) {
    auto x = parse_whole<uint32_t>(value);
    if (!x)
      return problem(full_name, value, "expected a whole number");
    *field.count = *x;
    return std::nullopt;
  }
  if (field.duration != nullptr) {
    auto d = parse_duration(value);
    if (!d)
      return problem(full_name, value, "expected a duration with a unit (e.g. 100ms, 10s)");
    *field.duration = *d;
    return std::nullopt;
  }
  return "unknown option " + std::string{full_name};
}

std::optional<std::string> engine_config::get(std::string_view full_name) const {
  auto [group, name] = split(full_name);
  if (group == "checkpointing")
    return checkpointing.get(name);
  if (group == "state")
    return state_get(state, name);
  if (group == "restart-strategy")
    return restart.get(name);
  if (full_name == "rest.address")
    return rest.address;
  if (full_name == "rest.port")
    return std::to_string(rest.port);
  auto field = pipeline_field(pipeline, full_name);
  if (field.count != nullptr)
    return std::to_string(*field.count);
  if (field.duration != nullptr)
    return format_duration(*field.duration);
  return std::nullopt;
}

std::optional<std::string> engine_config::validate() const {
  if (auto p = pipeline_problem(pipeline))
    return p;
  if (auto p = checkpointing.validate())
    return p;
  if (auto p = state.validate())
    return p;
  if (auto p = restart.validate())
    return p;
  return rest.validate();
}

} // namespace sluice
