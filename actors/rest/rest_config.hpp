// The `rest.*` options (DESIGN.md): where the REST endpoint of a `sluice
// run` process listens. Defaults from meson (`rest_address`, `rest_port`):
// 127.0.0.1 and Flink's 8081. Port 0 picks any free port (tests, several
// jobs on one machine). Plain struct, no CAF; actors/system_config reads
// it from the command line and the config file (`[rest]`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sluice_defaults.hpp"

namespace sluice {

struct rest_config {
  std::string address = SLUICE_DEFAULT_REST_ADDRESS;
  int64_t port = SLUICE_DEFAULT_REST_PORT;

  /// What is wrong, naming the option ("rest.port = 70000: must be between
  /// 0 and 65535"), or nullopt.
  std::optional<std::string> validate() const {
    if (address.empty())
      return std::string{"rest.address is empty: name an IP address such as 127.0.0.1"};
    if (port < 0 || port > 65535)
      return "rest.port = " + std::to_string(port) + ": must be between 0 and 65535";
    return std::nullopt;
  }
};

} // namespace sluice
