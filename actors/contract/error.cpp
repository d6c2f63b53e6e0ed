#include "actors/contract/error.hpp"

#include <caf/all.hpp>

namespace sluice {

std::string render(const caf::error& err) {
  if (!err)
    return "no error";
  if (err.category() != error_category)
    return caf::to_string(err);
  std::string result = to_string(static_cast<ec>(err.code()));
  auto& ctx = err.context();
  if (ctx.match_elements<std::string>()) {
    result += ": ";
    result += ctx.get_as<std::string>(0);
  }
  return result;
}

ec code_of(const caf::error& err) noexcept {
  return err.category() == error_category ? static_cast<ec>(err.code()) : ec::none;
}

} // namespace sluice
