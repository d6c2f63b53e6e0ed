// The directory of a savepoint a test needs to have succeeded
// (job_client::savepoint answers caf::expected): the test stops with the
// savepoint's error otherwise.
#pragma once

#include <filesystem>
#include <string>

#include <boost/test/unit_test.hpp>

#include <caf/expected.hpp>

#include "actors/contract/error.hpp"

namespace sluice::testing {

inline std::filesystem::path taken(const caf::expected<std::string>& savepoint) {
  // Boost builds the message even when the check passes: no error() then.
  BOOST_REQUIRE_MESSAGE(savepoint,
                        "the savepoint failed: " << (savepoint ? "" : render(savepoint.error())));
  return *savepoint;
}

} // namespace sluice::testing
