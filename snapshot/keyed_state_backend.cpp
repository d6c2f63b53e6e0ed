#include "snapshot/keyed_state_backend.hpp"

#include <string>

#if __has_include(<cxxabi.h>)
#  include <cstdlib>
#  include <cxxabi.h>
#  define SLUICE_HAVE_CXXABI 1
#endif

namespace sluice {

namespace {

/// Readable name of a type for error messages (demangled where possible).
std::string type_name(const std::type_info& type) {
#ifdef SLUICE_HAVE_CXXABI
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  if (status == 0 && demangled != nullptr) {
    std::string result{demangled};
    std::free(demangled);
    return result;
  }
  std::free(demangled);
#endif
  return type.name();
}

} // namespace

keyed_state_backend::keyed_state_backend(uint32_t max_parallelism, key_group_range range)
  : max_parallelism_(max_parallelism), ctx_(std::make_unique<current_key_context>()) {
  assert(max_parallelism > 0 && max_parallelism <= upper_bound_max_parallelism);
  assert(range.empty() || range.last < max_parallelism);
  ctx_->range = range;
  ctx_->key_group = range.first;
}

keyed_state_backend::~keyed_state_backend() = default;

void keyed_state_backend::set_current_key(std::string_view key_bytes, uint32_t key_group) {
  assert(ctx_->range.contains(key_group) && "key group outside this subtask's range");
  ctx_->key.assign(key_bytes.data(), key_bytes.size());
  ctx_->hash = table_hash(murmur3_32(key_bytes.data(), key_bytes.size(), 0));
  ctx_->key_group = key_group;
  ctx_->has_key = true;
}

keyed_state_base* keyed_state_backend::find_state(std::string_view name) const noexcept {
  for (const auto& state : states_)
    if (state->name() == name)
      return state.get();
  return nullptr;
}

void keyed_state_backend::throw_type_mismatch(const keyed_state_base& existing,
                                              const std::type_info& requested) {
  throw exception(ec::state_type_mismatch,
                  "state '" + existing.name() + "' is registered as "
                    + type_name(existing.state_type()) + " and cannot be accessed as "
                    + type_name(requested));
}

} // namespace sluice
