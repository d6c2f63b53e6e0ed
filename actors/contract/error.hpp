// sluice's error codes as a CAF error category ("sluice").
//
// `make_error(ec::x, "context")` gives a `caf::error` that renders as
// "sluice: x (context)" once `register_error_category` ran on the system
// config (actors/config/system_config.cpp does it for every config sluice builds or
// is handed).
#pragma once

#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

#include "snapshot/error.hpp"

namespace sluice {

inline constexpr caf::atom_value error_category = caf::atom("sluice");

inline caf::error make_error(ec code) {
  return {static_cast<uint8_t>(code), error_category};
}

inline caf::error make_error(ec code, std::string context) {
  return {static_cast<uint8_t>(code), error_category,
          caf::make_message(std::move(context))};
}

/// Renders any error as text without needing an actor system: sluice errors
/// as "code: context", others through CAF's `to_string`.
std::string render(const caf::error& err);

/// The sluice error code of `err`, or `ec::none` for other categories.
ec code_of(const caf::error& err) noexcept;

} // namespace sluice
