#include "snapshot/operator_state_redistribution.hpp"

#include "snapshot/error.hpp"

#include <cstddef>
#include <utility>

namespace sluice {

namespace {

/// The items of one state, per old subtask (views into the input).
using per_old_subtask = std::vector<std::vector<const std::string*>>;

/// State name -> its items per old subtask; names in byte-wise order.
using states_by_name = std::map<std::string_view, per_old_subtask>;

void check_old(const subtask_list_items& old, uint32_t old_parallelism) {
  if (old_parallelism == 0)
    throw exception(ec::invalid_argument,
                    "operator state redistribution: old parallelism is 0");
  if (old.size() != old_parallelism)
    throw exception(ec::invalid_argument,
                    "operator state redistribution: " + std::to_string(old.size())
                      + " old subtask states for old parallelism "
                      + std::to_string(old_parallelism));
}

states_by_name group_by_state(const subtask_list_items& old) {
  states_by_name result;
  for (size_t i = 0; i < old.size(); ++i)
    for (auto& item : old[i]) {
      auto& per_old = result[item.state];
      per_old.resize(old.size());
      per_old[i].push_back(&item.item);
    }
  return result;
}

std::vector<const std::string*> concat(const per_old_subtask& per_old) {
  std::vector<const std::string*> result;
  for (auto& items : per_old)
    result.insert(result.end(), items.begin(), items.end());
  return result;
}

template <class It>
void append(std::vector<operator_list_item>& out, std::string_view state, It first, It last) {
  for (; first != last; ++first)
    out.push_back(operator_list_item{std::string{state}, **first});
}

/// Flink's repartitionSplitState for one state: contiguous parts for new
/// subtasks start, start+1, ... (mod p), the first n % p of them one larger.
/// Returns the start for the next even_split state.
size_t split_evenly(subtask_list_items& out, std::string_view state,
                    const per_old_subtask& per_old, size_t start) {
  auto all = concat(per_old);
  auto p = out.size();
  auto base = all.size() / p;
  auto remainder = all.size() % p;
  size_t pos = 0;
  for (size_t k = 0; k < p; ++k) {
    auto count = base + (k < remainder ? 1 : 0);
    auto first = all.begin() + static_cast<std::ptrdiff_t>(pos);
    append(out[(start + k) % p], state, first, first + static_cast<std::ptrdiff_t>(count));
    pos += count;
  }
  return (start + remainder) % p;
}

} // namespace

const char* to_string(operator_state_mode x) noexcept {
  switch (x) {
    case operator_state_mode::even_split:
      return "even_split";
    case operator_state_mode::union_list:
      return "union_list";
    case operator_state_mode::broadcast:
      return "broadcast";
  }
  return "unknown";
}

std::optional<operator_state_mode> parse_operator_state_mode(std::string_view s) noexcept {
  if (s == "even_split")
    return operator_state_mode::even_split;
  if (s == "union_list")
    return operator_state_mode::union_list;
  if (s == "broadcast")
    return operator_state_mode::broadcast;
  return std::nullopt;
}

operator_state_mode mode_of(const operator_state_modes& modes, std::string_view name) noexcept {
  auto i = modes.find(name);
  return i == modes.end() ? operator_state_mode::even_split : i->second;
}

subtask_list_items redistribute_operator_state(const subtask_list_items& old,
                                               uint32_t old_parallelism,
                                               uint32_t new_parallelism,
                                               const operator_state_modes& modes) {
  if (new_parallelism == 0)
    throw exception(ec::invalid_argument,
                    "operator state redistribution: new parallelism is 0");
  check_old(old, old_parallelism);
  bool same = old_parallelism == new_parallelism;
  subtask_list_items out(new_parallelism);
  size_t split_start = 0;
  for (auto& [state, per_old] : group_by_state(old)) {
    switch (mode_of(modes, state)) {
      case operator_state_mode::even_split:
        if (same) {
          for (size_t i = 0; i < out.size(); ++i)
            append(out[i], state, per_old[i].begin(), per_old[i].end());
        } else {
          split_start = split_evenly(out, state, per_old, split_start);
        }
        break;
      case operator_state_mode::union_list: {
        auto all = concat(per_old);
        for (auto& items : out)
          append(items, state, all.begin(), all.end());
        break;
      }
      case operator_state_mode::broadcast:
        for (size_t i = 0; i < out.size(); ++i) {
          auto& copy = per_old[i % per_old.size()];
          append(out[i], state, copy.begin(), copy.end());
        }
        break;
    }
  }
  return out;
}

std::vector<std::string> diverging_broadcast_states(const subtask_list_items& old,
                                                    uint32_t old_parallelism,
                                                    const operator_state_modes& modes) {
  check_old(old, old_parallelism);
  std::vector<std::string> result;
  auto same_copy = [](const std::vector<const std::string*>& a,
                      const std::vector<const std::string*>& b) {
    if (a.size() != b.size())
      return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (*a[i] != *b[i])
        return false;
    return true;
  };
  for (auto& [state, per_old] : group_by_state(old)) {
    if (mode_of(modes, state) != operator_state_mode::broadcast)
      continue;
    for (size_t i = 1; i < per_old.size(); ++i)
      if (!same_copy(per_old[0], per_old[i])) {
        result.emplace_back(state);
        break;
      }
  }
  return result;
}

} // namespace sluice
