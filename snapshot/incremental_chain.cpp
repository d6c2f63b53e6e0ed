#include "snapshot/incremental_chain.hpp"

#include "snapshot/error.hpp"

#include <string>

namespace sluice {

handle_chain extend(handle_chain base, std::optional<state_handle> file) {
  if (file)
    base.push_back(std::move(*file));
  return base;
}

void incremental_chain::record(uint64_t id, handle_chain chain) {
  std::lock_guard guard{mtx_};
  chains_[id] = std::move(chain);
}

handle_chain incremental_chain::at(uint64_t id) const {
  std::lock_guard guard{mtx_};
  auto i = chains_.find(id);
  if (i == chains_.end())
    throw exception(ec::checkpoint_failure,
                    "incremental keyed state: no state files recorded for base checkpoint "
                      + std::to_string(id));
  return i->second;
}

void incremental_chain::confirm(uint64_t id) {
  std::lock_guard guard{mtx_};
  chains_.erase(chains_.begin(), chains_.lower_bound(id));
}

std::vector<uint64_t> incremental_chain::recorded() const {
  std::lock_guard guard{mtx_};
  std::vector<uint64_t> ids;
  for (auto& [id, chain] : chains_)
    ids.push_back(id);
  return ids;
}

} // namespace sluice
