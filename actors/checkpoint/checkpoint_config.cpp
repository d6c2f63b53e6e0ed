#include "actors/checkpoint/checkpoint_config.hpp"

#include "actors/config/option_parsing.hpp"

#include <charconv>

namespace sluice {

namespace {

using std::chrono::milliseconds;

constexpr std::string_view prefix = "checkpointing.";

std::string name(std::string_view option) {
  return option_name(prefix, option);
}

std::string message(std::string_view option, std::string_view value, std::string_view what) {
  return option_error(prefix, option, value, what);
}

std::optional<bool> parse_bool(std::string_view s) {
  if (s == "true")
    return true;
  if (s == "false")
    return false;
  return std::nullopt;
}

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

} // namespace

const char* to_string(checkpointing_mode x) noexcept {
  switch (x) {
    case checkpointing_mode::exactly_once:
      return "exactly_once";
    case checkpointing_mode::at_least_once:
      return "at_least_once";
  }
  return "?";
}

const char* to_string(externalized_cleanup x) noexcept {
  switch (x) {
    case externalized_cleanup::none:
      return "none";
    case externalized_cleanup::retain_on_cancellation:
      return "retain_on_cancellation";
    case externalized_cleanup::delete_on_cancellation:
      return "delete_on_cancellation";
  }
  return "?";
}

const char* to_string(checkpoint_storage_type x) noexcept {
  switch (x) {
    case checkpoint_storage_type::memory:
      return "memory";
    case checkpoint_storage_type::filesystem:
      return "filesystem";
  }
  return "?";
}

std::optional<checkpointing_mode> parse_checkpointing_mode(std::string_view s) noexcept {
  if (s == "exactly_once")
    return checkpointing_mode::exactly_once;
  if (s == "at_least_once")
    return checkpointing_mode::at_least_once;
  return std::nullopt;
}

std::optional<externalized_cleanup> parse_externalized_cleanup(std::string_view s) noexcept {
  if (s == "none")
    return externalized_cleanup::none;
  if (s == "retain_on_cancellation")
    return externalized_cleanup::retain_on_cancellation;
  if (s == "delete_on_cancellation")
    return externalized_cleanup::delete_on_cancellation;
  return std::nullopt;
}

std::optional<checkpoint_storage_type> parse_checkpoint_storage(std::string_view s) noexcept {
  if (s == "memory")
    return checkpoint_storage_type::memory;
  if (s == "filesystem")
    return checkpoint_storage_type::filesystem;
  return std::nullopt;
}

std::string format_duration(milliseconds d) {
  auto n = d.count();
  if (n == 0)
    return "0ms";
  struct unit {
    int64_t ms;
    const char* suffix;
  };
  static constexpr unit units[] = {
    {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "min"}, {1'000, "s"}};
  for (auto& u : units)
    if (n % u.ms == 0)
      return std::to_string(n / u.ms) + u.suffix;
  return std::to_string(n) + "ms";
}

const std::vector<std::string_view>& checkpoint_config::option_names() {
  static const std::vector<std::string_view> names{
    "interval",         "mode",          "timeout", "min-pause",   "max-concurrent",
    "tolerable-failures", "unaligned",   "aligned-timeout", "externalized", "retained",
    "storage",          "dir",           "savepoint-dir"};
  return names;
}

std::optional<std::string> checkpoint_config::set(std::string_view option,
                                                  std::string_view value) {
  if (option.substr(0, prefix.size()) == prefix)
    option.remove_prefix(prefix.size());
  auto bad = [&](std::string_view what) -> std::optional<std::string> {
    return message(option, value, what);
  };
  auto duration = [&](milliseconds& out) -> std::optional<std::string> {
    auto d = parse_duration(value);
    if (!d)
      return bad("expected a duration with a unit (e.g. 500ms, 10s, 10min)");
    out = *d;
    return std::nullopt;
  };
  auto integer = [&](int32_t& out) -> std::optional<std::string> {
    auto x = parse_int32(value);
    if (!x)
      return bad("expected an integer");
    out = *x;
    return std::nullopt;
  };
  if (option == "interval") {
    if (value.empty() || value == "off") {
      interval.reset();
      return std::nullopt;
    }
    auto d = parse_duration(value);
    if (!d)
      return bad("expected a duration with a unit (e.g. 500ms, 10s, 10min), or off");
    interval = *d;
    return std::nullopt;
  }
  if (option == "mode") {
    auto x = parse_checkpointing_mode(value);
    if (!x)
      return bad("expected exactly_once or at_least_once");
    mode = *x;
    return std::nullopt;
  }
  if (option == "timeout")
    return duration(timeout);
  if (option == "min-pause")
    return duration(min_pause);
  if (option == "max-concurrent")
    return integer(max_concurrent);
  if (option == "tolerable-failures")
    return integer(tolerable_failures);
  if (option == "unaligned") {
    auto x = parse_bool(value);
    if (!x)
      return bad("expected true or false");
    unaligned = *x;
    return std::nullopt;
  }
  if (option == "aligned-timeout")
    return duration(aligned_timeout);
  if (option == "externalized") {
    auto x = parse_externalized_cleanup(value);
    if (!x)
      return bad("expected none, retain_on_cancellation or delete_on_cancellation");
    externalized = *x;
    return std::nullopt;
  }
  if (option == "retained")
    return integer(retained);
  if (option == "storage") {
    auto x = parse_checkpoint_storage(value);
    if (!x)
      return bad("expected memory or filesystem");
    storage = *x;
    return std::nullopt;
  }
  if (option == "dir") {
    dir = std::string{value};
    return std::nullopt;
  }
  if (option == "savepoint-dir") {
    savepoint_dir = std::string{value};
    return std::nullopt;
  }
  return "unknown option " + name(option);
}

std::optional<std::string> checkpoint_config::get(std::string_view option) const {
  if (option.substr(0, prefix.size()) == prefix)
    option.remove_prefix(prefix.size());
  if (option == "interval")
    return interval ? format_duration(*interval) : std::string{"off"};
  if (option == "mode")
    return to_string(mode);
  if (option == "timeout")
    return format_duration(timeout);
  if (option == "min-pause")
    return format_duration(min_pause);
  if (option == "max-concurrent")
    return std::to_string(max_concurrent);
  if (option == "tolerable-failures")
    return std::to_string(tolerable_failures);
  if (option == "unaligned")
    return unaligned ? "true" : "false";
  if (option == "aligned-timeout")
    return format_duration(aligned_timeout);
  if (option == "externalized")
    return to_string(externalized);
  if (option == "retained")
    return std::to_string(retained);
  if (option == "storage")
    return to_string(storage);
  if (option == "dir")
    return dir;
  if (option == "savepoint-dir")
    return savepoint_dir;
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> checkpoint_config::values() const {
  std::vector<std::pair<std::string, std::string>> result;
  for (auto option : option_names())
    result.emplace_back(name(option), *get(option));
  return result;
}

std::optional<std::string> checkpoint_config::validate() const {
  auto too_long = [](milliseconds d) { return d > maximal_duration; };
  const auto minimal = format_duration(minimal_checkpoint_time);
  const auto maximal = format_duration(maximal_duration);
  if (interval) {
    if (*interval < minimal_checkpoint_time)
      return message("interval", format_duration(*interval),
                     "must be at least " + minimal
                       + " (leave it unset or set it to off to turn checkpointing off)");
    if (too_long(*interval))
      return message("interval", format_duration(*interval), "must be at most " + maximal);
  }
  if (timeout < minimal_checkpoint_time || too_long(timeout))
    return message("timeout", format_duration(timeout),
                   "must be between " + minimal + " and " + maximal);
  if (min_pause.count() < 0 || too_long(min_pause))
    return message("min-pause", format_duration(min_pause),
                   "must be between 0ms and " + maximal);
  if (max_concurrent < 1)
    return message("max-concurrent", std::to_string(max_concurrent), "must be at least 1");
  if (tolerable_failures < 0)
    return message("tolerable-failures", std::to_string(tolerable_failures),
                   "must not be negative (0: the first failed checkpoint fails the job)");
  if (aligned_timeout.count() < 0 || too_long(aligned_timeout))
    return message("aligned-timeout", format_duration(aligned_timeout),
                   "must be between 0ms and " + maximal);
  if (retained < 1)
    return message("retained", std::to_string(retained), "must be at least 1");
  if (unaligned && mode != checkpointing_mode::exactly_once)
    return message("unaligned", "true",
                   std::string{"unaligned checkpoints need checkpointing.mode = exactly_once (mode is "}
                     + to_string(mode) + ")");
  if (storage == checkpoint_storage_type::filesystem && dir.empty())
    return message("dir", quoted(dir),
                   "checkpointing.storage = filesystem needs a checkpoint directory");
  if (externalized != externalized_cleanup::none
      && storage != checkpoint_storage_type::filesystem)
    return message("externalized", to_string(externalized),
                   std::string{"retained checkpoints need checkpointing.storage = filesystem "
                               "(storage is "}
                     + to_string(storage) + ": memory checkpoints end with the process)");
  return std::nullopt;
}

std::vector<std::string> checkpoint_config::notes() const {
  std::vector<std::string> result;
  if (max_concurrent > 1 && min_pause.count() > 0)
    result.push_back(name("max-concurrent") + " = " + std::to_string(max_concurrent)
                     + " is capped to 1 because " + name("min-pause") + " = "
                     + format_duration(min_pause) + " (Flink does the same)");
  else if (max_concurrent > 1 && unaligned)
    result.push_back(name("max-concurrent") + " = " + std::to_string(max_concurrent)
                     + " is capped to 1 because " + name("unaligned")
                     + " = true (Flink does the same)");
  if (interval && min_pause > *interval)
    result.push_back(name("min-pause") + " = " + format_duration(min_pause) + " is longer than "
                     + name("interval") + " = " + format_duration(*interval)
                     + ": checkpoints start at most every " + format_duration(min_pause)
                     + " plus their duration");
  if (!unaligned && aligned_timeout.count() > 0)
    result.push_back(name("aligned-timeout") + " = " + format_duration(aligned_timeout)
                     + " has no effect without " + name("unaligned") + " = true");
  if (storage == checkpoint_storage_type::memory && !dir.empty())
    result.push_back(name("dir") + " = " + quoted(dir) + " is not used with " + name("storage")
                     + " = memory");
  return result;
}

} // namespace sluice
