#include "actors/checkpoint/pending_checkpoints.hpp"

#include <algorithm>
#include <stdexcept>

namespace sluice {

pending_checkpoints::pending_checkpoints(size_t remembered) : remembered_(remembered) {
}

pending_checkpoint& pending_checkpoints::add(pending_checkpoint p) {
  if (p.is_disposed())
    throw std::logic_error("pending_checkpoints::add: checkpoint " + std::to_string(p.id())
                           + " is not in progress");
  auto id = p.id();
  auto [i, added] = pending_.emplace(id, std::move(p));
  if (!added)
    throw std::logic_error("pending_checkpoints::add: checkpoint " + std::to_string(id)
                           + " is already pending");
  return i->second;
}

pending_checkpoint* pending_checkpoints::find(uint64_t id) noexcept {
  auto i = pending_.find(id);
  return i == pending_.end() ? nullptr : &i->second;
}

const pending_checkpoint* pending_checkpoints::find(uint64_t id) const noexcept {
  auto i = pending_.find(id);
  return i == pending_.end() ? nullptr : &i->second;
}

pending_checkpoint pending_checkpoints::take(std::map<uint64_t, pending_checkpoint>::iterator i) {
  auto p = std::move(i->second);
  pending_.erase(i);
  recent_.push_back(p.id());
  while (recent_.size() > remembered_)
    recent_.pop_front();
  return p;
}

bool pending_checkpoints::recently_ended(uint64_t id) const noexcept {
  return std::find(recent_.begin(), recent_.end(), id) != recent_.end();
}

pending_checkpoints::ack_outcome pending_checkpoints::acknowledge(uint64_t id, subtask_id from,
                                                                  subtask_ack ack,
                                                                  checkpoint_time now) {
  ack_outcome out;
  auto i = pending_.find(id);
  if (i == pending_.end()) {
    if (recently_ended(id)) {
      ++late_acks_;
      out.result = ack_result::late;
    } else {
      ++unknown_acks_;
      out.result = ack_result::unknown_checkpoint;
    }
    out.refused = std::move(ack);
    return out;
  }
  out.result = i->second.acknowledge(from, ack, now);
  switch (out.result) {
    case ack_result::accepted:
    case ack_result::fully_acknowledged:
      break;
    case ack_result::duplicate:
      ++duplicate_acks_;
      break;
    case ack_result::unknown_subtask:
      ++unknown_subtask_acks_;
      out.refused = std::move(ack);
      break;
    case ack_result::expired:
      ++late_acks_;
      out.refused = std::move(ack);
      out.expired = take(i);
      break;
    case ack_result::late:
    case ack_result::unknown_checkpoint:
      // Not produced for a checkpoint in the map (disposed ones are removed).
      ++late_acks_;
      out.refused = std::move(ack);
      break;
  }
  return out;
}

std::optional<pending_checkpoint>
pending_checkpoints::decline(uint64_t id, subtask_id from, checkpoint_failure_reason reason,
                             const std::string& message, checkpoint_time now) {
  auto i = pending_.find(id);
  if (i == pending_.end() || !i->second.decline(from, reason, message, now)) {
    ++ignored_declines_;
    return std::nullopt;
  }
  return take(i);
}

std::vector<uint64_t> pending_checkpoints::subtask_finished(subtask_id s) {
  std::vector<uint64_t> result;
  for (auto& [id, p] : pending_)
    if (p.subtask_finished(s))
      result.push_back(id);
  return result;
}

std::vector<pending_checkpoint> pending_checkpoints::expire_due(checkpoint_time now) {
  std::vector<pending_checkpoint> result;
  for (auto i = pending_.begin(); i != pending_.end();) {
    if (i->second.expire_if_due(now)) {
      auto next = std::next(i);
      result.push_back(take(i));
      i = next;
    } else {
      ++i;
    }
  }
  return result;
}

std::optional<checkpoint_time> pending_checkpoints::next_deadline() const noexcept {
  std::optional<checkpoint_time> result;
  for (auto& [id, p] : pending_)
    if (!p.is_fully_acknowledged() && (!result || p.deadline() < *result))
      result = p.deadline();
  return result;
}

pending_checkpoint pending_checkpoints::complete(uint64_t id, checkpoint_time now) {
  auto i = pending_.find(id);
  if (i == pending_.end())
    throw std::logic_error("pending_checkpoints::complete: checkpoint " + std::to_string(id)
                           + " is not in progress");
  i->second.mark_completed(now); // throws unless fully acknowledged
  return take(i);
}

std::vector<pending_checkpoint> pending_checkpoints::abort_subsumed(uint64_t completed_id,
                                                                    checkpoint_time now) {
  std::vector<pending_checkpoint> result;
  for (auto i = pending_.begin(); i != pending_.end() && i->first < completed_id;) {
    auto next = std::next(i);
    if (!i->second.is_savepoint()) {
      i->second.abort(checkpoint_failure_reason::checkpoint_subsumed,
                      "checkpoint " + std::to_string(i->first) + " subsumed by checkpoint "
                        + std::to_string(completed_id),
                      now);
      result.push_back(take(i));
    }
    i = next;
  }
  return result;
}

std::optional<pending_checkpoint> pending_checkpoints::abort(uint64_t id,
                                                             checkpoint_failure_reason reason,
                                                             const std::string& message,
                                                             checkpoint_time now) {
  auto i = pending_.find(id);
  if (i == pending_.end())
    return std::nullopt;
  i->second.abort(reason, message, now);
  return take(i);
}

std::vector<pending_checkpoint> pending_checkpoints::abort_all(checkpoint_failure_reason reason,
                                                               const std::string& message,
                                                               checkpoint_time now) {
  std::vector<pending_checkpoint> result;
  while (!pending_.empty()) {
    auto i = pending_.begin();
    i->second.abort(reason, message, now);
    result.push_back(take(i));
  }
  return result;
}

} // namespace sluice
