// Small pieces every plain option group (checkpoint_config, restart_config)
// parses and reports with, so their errors read the same:
// "checkpointing.timeout = 5: expected a duration with unit".
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

/// `group` + `option`, e.g. "restart-strategy." + "delay".
inline std::string option_name(std::string_view group, std::string_view option) {
  return std::string{group} + std::string{option};
}

/// "<group><option> = <value>: <what>".
inline std::string option_error(std::string_view group, std::string_view option,
                                std::string_view value, std::string_view what) {
  return option_name(group, option) + " = " + std::string{value} + ": " + std::string{what};
}

/// A whole decimal int32 and nothing else; nullopt otherwise.
inline std::optional<int32_t> parse_int32(std::string_view s) noexcept {
  int32_t x = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (err != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return x;
}

} // namespace sluice
