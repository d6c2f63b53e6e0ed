#include "operators/index_splits.hpp"

#include <algorithm>

#include "actors/contract/operator.hpp"
#include "snapshot/error.hpp"
#include "snapshot/state_codec.hpp"

namespace sluice {

namespace {

/// One subtask's item: (number of splits, (split, next index) of each split
/// it owned).
using splits_item = std::pair<uint32_t, std::vector<std::pair<uint32_t, uint64_t>>>;

/// std::*_heap build max-heaps: inverted, for a min-heap on `next`.
constexpr auto later = [](const auto& x, const auto& y) noexcept { return x.next > y.next; };

} // namespace

index_splits::index_splits(uint32_t num_splits, uint64_t end) noexcept
  : num_splits_(num_splits), end_(end) {
}

void index_splits::assign(uint32_t subtask, uint32_t parallelism) {
  positions_.clear();
  for (uint32_t s = subtask; s < num_splits_; s += parallelism)
    positions_.emplace_back(s, s);
  rebuild_heap();
}

void index_splits::restore(const initialization_context& ctx, uint32_t subtask,
                           uint32_t parallelism, std::string_view source) {
  auto prefix = std::string{source} + ": checkpoint "
                + std::to_string(ctx.restored_checkpoint_id) + ": ";
  if (!ctx.restored_list("offset").empty())
    throw exception(ec::incompatible_state,
                    prefix + "holds the source's position as one offset per subtask (sluice "
                             "before split-based sources); it cannot be restored, start the "
                             "job without it");
  std::vector<bool> seen(num_splits_, false);
  positions_.clear();
  size_t covered = 0;
  for (auto& bytes : ctx.restored_list(index_splits_state)) {
    auto item = decode_value<splits_item>(bytes, prefix + "split positions");
    if (item.first != num_splits_)
      throw exception(ec::incompatible_state,
                      prefix + "the source was cut into " + std::to_string(item.first)
                        + " splits, the job cuts it into " + std::to_string(num_splits_)
                        + " (the number of splits must not change across a restore)");
    for (auto [split, next] : item.second) {
      if (split >= num_splits_ || seen[split] || next % num_splits_ != split)
        throw exception(ec::corrupt_file, prefix + "split " + std::to_string(split)
                                            + " at index " + std::to_string(next)
                                            + " is out of range, repeated or not its own");
      seen[split] = true;
      ++covered;
      if (split % parallelism == subtask)
        positions_.emplace_back(split, next);
    }
  }
  if (covered != num_splits_)
    throw exception(ec::corrupt_file, prefix + "holds the positions of "
                                        + std::to_string(covered) + " of "
                                        + std::to_string(num_splits_) + " splits");
  std::sort(positions_.begin(), positions_.end());
  rebuild_heap();
}

void index_splits::rebuild_heap() {
  heap_.clear();
  slot_.assign(num_splits_, 0);
  for (uint32_t i = 0; i < positions_.size(); ++i) {
    auto [split, next] = positions_[i];
    slot_[split] = i;
    if (!exhausted(next))
      heap_.push_back(entry{next, split});
  }
  std::make_heap(heap_.begin(), heap_.end(), later);
}

uint64_t index_splits::take() {
  std::pop_heap(heap_.begin(), heap_.end(), later);
  auto& top = heap_.back();
  auto index = top.next;
  top.next += num_splits_;
  positions_[slot_[top.split]].second = top.next;
  if (exhausted(top.next))
    heap_.pop_back();
  else
    std::push_heap(heap_.begin(), heap_.end(), later);
  return index;
}

std::string index_splits::snapshot() const {
  std::string bytes;
  encode_value(splits_item{num_splits_, positions_}, bytes);
  return bytes;
}

} // namespace sluice
