// Helpers of the option parsing tests (system_config_test.cpp,
// watermark_interval_config_test.cpp): temporary config files and a check
// that parse_args fails with a given code naming the offending input.
#pragma once

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "actors/contract/error.hpp"
#include "actors/config/system_config.hpp"

namespace sluice::config_test {

/// A config file in the temp directory, removed at scope exit.
struct temp_file {
  std::filesystem::path path;

  explicit temp_file(const std::string& content) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path()
           / ("sluice-config-test-" + std::to_string(::getpid()) + "-"
              + std::to_string(counter++) + ".ini");
    std::ofstream out{path};
    out << content;
  }

  ~temp_file() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }

  std::string arg() const {
    return "--config-file=" + path.string();
  }
};

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// Parses `args` and expects an error with code `code` whose rendering
/// mentions every string of `needles`.
inline void check_error(std::vector<std::string> args, ec code,
                 const std::vector<std::string>& needles) {
  system_config cfg;
  auto err = cfg.parse_args(std::move(args));
  BOOST_REQUIRE_MESSAGE(err, "parse_args accepted invalid arguments");
  BOOST_CHECK_MESSAGE(code_of(err) == code, "expected " << to_string(code) << ", got "
                                                         << render(err));
  auto text = render(err);
  BOOST_TEST_MESSAGE("parse_args error: " << text);
  for (auto& needle : needles)
    BOOST_CHECK_MESSAGE(contains(text, needle),
                        "error '" << text << "' does not mention '" << needle << "'");
}

} // namespace sluice::config_test
