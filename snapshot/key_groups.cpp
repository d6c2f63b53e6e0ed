#include "snapshot/key_groups.hpp"

namespace sluice {

key_group_range key_group_range_for_operator(uint32_t max_parallelism, uint32_t parallelism,
                                             uint32_t operator_index) noexcept {
  assert(max_parallelism > 0 && max_parallelism <= upper_bound_max_parallelism);
  assert(parallelism > 0 && parallelism <= max_parallelism);
  assert(operator_index < parallelism);
  const uint64_t max_p = max_parallelism;
  const uint64_t p = parallelism;
  const uint64_t i = operator_index;
  return {static_cast<uint32_t>((i * max_p + p - 1) / p),
          static_cast<uint32_t>(((i + 1) * max_p - 1) / p)};
}

} // namespace sluice
