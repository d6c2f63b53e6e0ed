#include "actors/checkpoint/checkpoint_stats.hpp"

#include <algorithm>

namespace sluice {

void min_max_avg::add(uint64_t x) noexcept {
  min = count == 0 ? x : std::min(min, x);
  max = count == 0 ? x : std::max(max, x);
  sum += x;
  ++count;
}

checkpoint_stats::checkpoint_stats(size_t history_size) : history_size_(history_size) {
}

checkpoint_stats_entry* checkpoint_stats::entry(uint64_t id) noexcept {
  auto i = entries_.find(id);
  return i == entries_.end() ? nullptr : &i->second;
}

const checkpoint_stats_entry* checkpoint_stats::find(uint64_t id) const noexcept {
  auto i = entries_.find(id);
  return i == entries_.end() ? nullptr : &i->second;
}

void checkpoint_stats::fill(checkpoint_stats_entry& e, const pending_checkpoint& p) const {
  e.checkpoint_id = p.id();
  e.status = p.status();
  e.is_savepoint = p.is_savepoint();
  e.unaligned = p.unaligned();
  e.trigger_timestamp = p.trigger_time();
  e.latest_ack_timestamp = p.latest_ack_time();
  e.state_size = p.state_size();
  e.checkpointed_size = p.checkpointed_size();
  e.persisted_data = p.persisted_data();
  e.processed_data = p.processed_data();
  e.num_subtasks = p.num_subtasks();
  e.num_acknowledged_subtasks = p.num_acknowledged_subtasks();
  if (p.status() == checkpoint_status::failed && p.end_time())
    e.end_to_end_duration = std::max(checkpoint_duration::zero(), *p.end_time() - p.trigger_time());
  else if (p.latest_ack_time())
    e.end_to_end_duration
      = std::max(checkpoint_duration::zero(), *p.latest_ack_time() - p.trigger_time());
  else
    e.end_to_end_duration = checkpoint_duration::zero();
  e.subtasks.clear();
  for (auto& [s, ack] : p.acks()) {
    subtask_checkpoint_stats x;
    x.subtask = s;
    x.ack_timestamp = p.ack_time(s).value_or(p.trigger_time());
    x.end_to_end_duration = std::max(checkpoint_duration::zero(), x.ack_timestamp - p.trigger_time());
    x.state_size = ack.state_size;
    x.checkpointed_size = ack.checkpointed_size;
    x.persisted_data = ack.persisted_data;
    x.processed_data = ack.processed_data;
    x.sync_duration = ack.sync_duration;
    x.async_duration = ack.async_duration;
    x.alignment_duration = ack.alignment_duration;
    x.start_delay = ack.start_delay;
    x.unaligned_checkpoint = ack.unaligned;
    e.subtasks.push_back(x);
  }
}

void checkpoint_stats::report_pending(const pending_checkpoint& p) {
  if (entries_.count(p.id()) != 0)
    return;
  checkpoint_stats_entry e;
  fill(e, p);
  e.status = checkpoint_status::in_progress;
  entries_.emplace(p.id(), std::move(e));
  ++counts_.total;
  ++counts_.in_progress;
  trim();
}

void checkpoint_stats::report_ack(const pending_checkpoint& p, subtask_id) {
  auto* e = entry(p.id());
  if (e == nullptr || e->status != checkpoint_status::in_progress)
    return;
  fill(*e, p);
  e->status = checkpoint_status::in_progress;
}

void checkpoint_stats::report_completed(const pending_checkpoint& p, std::string external_path) {
  auto* e = entry(p.id());
  if (e == nullptr || e->status != checkpoint_status::in_progress)
    return;
  fill(*e, p);
  e->status = checkpoint_status::completed;
  e->external_path = std::move(external_path);
  --counts_.in_progress;
  ++counts_.completed;
  summary_.state_size.add(e->state_size);
  summary_.checkpointed_size.add(e->checkpointed_size);
  summary_.end_to_end_duration.add(static_cast<uint64_t>(millis(e->end_to_end_duration)));
  summary_.persisted_data.add(e->persisted_data);
  summary_.processed_data.add(e->processed_data);
  if (e->is_savepoint)
    latest_savepoint_ = *e;
  else
    latest_completed_ = *e;
  trim();
}

void checkpoint_stats::report_failed(const pending_checkpoint& p) {
  auto* e = entry(p.id());
  if (e == nullptr || e->status != checkpoint_status::in_progress)
    return;
  fill(*e, p);
  e->status = checkpoint_status::failed;
  e->failure_timestamp = p.end_time();
  e->failure_reason = p.failure_reason();
  e->failure_message = p.failure_message();
  --counts_.in_progress;
  ++counts_.failed;
  latest_failed_ = *e;
  trim();
}

void checkpoint_stats::report_failed_without_in_progress() noexcept {
  ++counts_.total;
  ++counts_.failed;
}

void checkpoint_stats::report_restored(uint64_t id, checkpoint_time now, bool savepoint,
                                       std::string external_path) {
  ++counts_.restored;
  latest_restored_ = restored_checkpoint_stats{id, now, savepoint, std::move(external_path)};
}

void checkpoint_stats::report_discarded(uint64_t id) noexcept {
  if (auto* e = entry(id); e != nullptr && e->status == checkpoint_status::completed)
    e->discarded = true;
  if (latest_completed_ && latest_completed_->checkpoint_id == id)
    latest_completed_->discarded = true;
}

void checkpoint_stats::trim() {
  // Keep the newest history_size_ ids plus every checkpoint in progress.
  size_t kept = 0;
  for (auto i = entries_.rbegin(); i != entries_.rend();) {
    if (kept < history_size_) {
      ++kept;
      ++i;
    } else if (i->second.status == checkpoint_status::in_progress) {
      ++i;
    } else {
      i = std::make_reverse_iterator(entries_.erase(std::next(i).base()));
    }
  }
}

std::vector<checkpoint_stats_entry> checkpoint_stats::history() const {
  std::vector<checkpoint_stats_entry> result;
  for (auto i = entries_.rbegin(); i != entries_.rend() && result.size() < history_size_; ++i)
    result.push_back(i->second);
  return result;
}

checkpoint_stats_snapshot checkpoint_stats::snapshot() const {
  return {counts_,         summary_,        latest_completed_, latest_savepoint_,
          latest_failed_,  latest_restored_, history()};
}

} // namespace sluice
