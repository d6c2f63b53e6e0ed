#include "actors/checkpoint/pending_checkpoint.hpp"

#include <algorithm>
#include <stdexcept>

#include "snapshot/error.hpp"

namespace sluice {

const char* to_string(ack_result r) noexcept {
  switch (r) {
    case ack_result::accepted:
      return "accepted";
    case ack_result::fully_acknowledged:
      return "fully_acknowledged";
    case ack_result::duplicate:
      return "duplicate";
    case ack_result::unknown_subtask:
      return "unknown_subtask";
    case ack_result::late:
      return "late";
    case ack_result::expired:
      return "expired";
    case ack_result::unknown_checkpoint:
      return "unknown_checkpoint";
  }
  return "?";
}

pending_checkpoint::pending_checkpoint(uint64_t id, checkpoint_time trigger_time,
                                       checkpoint_duration timeout,
                                       std::vector<subtask_id> to_ack,
                                       std::vector<subtask_id> finished, bool savepoint,
                                       int64_t trigger_timestamp_ms)
  : id_(id),
    trigger_time_(trigger_time),
    trigger_timestamp_(trigger_timestamp_ms),
    deadline_(trigger_time + timeout),
    savepoint_(savepoint),
    finished_(finished.begin(), finished.end()) {
  for (auto& s : to_ack)
    if (finished_.count(s) == 0)
      not_yet_acknowledged_.insert(s);
  num_subtasks_ = static_cast<uint32_t>(not_yet_acknowledged_.size() + finished_.size());
  if (num_subtasks_ == 0)
    throw exception(ec::invalid_job_graph,
                    "checkpoint " + std::to_string(id) + " has no subtask to acknowledge it");
}

size_t pending_checkpoint::acks_after_input_end() const noexcept {
  size_t n = 0;
  for (auto& [who, ack] : acks_)
    n += ack.input_ended ? 1 : 0;
  return n;
}

ack_result pending_checkpoint::acknowledge(subtask_id from, subtask_ack& ack,
                                           checkpoint_time now) {
  auto ignore = [&](ack_result r) {
    ++ignored_acks_;
    return r;
  };
  if (is_disposed())
    return ignore(ack_result::late);
  if (ack_times_.count(from) != 0)
    return ignore(ack_result::duplicate);
  if (not_yet_acknowledged_.count(from) == 0)
    return ignore(ack_result::unknown_subtask);
  if (now >= deadline_) {
    ++ignored_acks_;
    abort(checkpoint_failure_reason::checkpoint_expired,
          describe(checkpoint_failure_reason::checkpoint_expired), now);
    return ack_result::expired;
  }
  not_yet_acknowledged_.erase(from);
  state_size_ += ack.state_size;
  checkpointed_size_ += ack.checkpointed_size;
  persisted_data_ += ack.persisted_data;
  processed_data_ += ack.processed_data;
  unaligned_ = unaligned_ || ack.unaligned;
  files_.insert(files_.end(), ack.files.begin(), ack.files.end());
  latest_ack_ = latest_ack_ ? std::max(*latest_ack_, now) : now;
  ack_times_.emplace(from, now);
  acks_.emplace(from, std::move(ack));
  ++num_acked_;
  return not_yet_acknowledged_.empty() ? ack_result::fully_acknowledged : ack_result::accepted;
}

bool pending_checkpoint::subtask_finished(subtask_id s) {
  if (is_disposed() || not_yet_acknowledged_.erase(s) == 0)
    return false;
  finished_.insert(s);
  return not_yet_acknowledged_.empty();
}

bool pending_checkpoint::decline(subtask_id from, checkpoint_failure_reason reason,
                                 const std::string& message, checkpoint_time now) {
  if (is_disposed())
    return false;
  declined_by_ = from;
  return abort(reason,
               "checkpoint " + std::to_string(id_) + " declined by " + to_string(from)
                 + (message.empty() ? std::string{} : ": " + message),
               now);
}

bool pending_checkpoint::expire_if_due(checkpoint_time now) {
  if (!is_due_to_expire(now))
    return false;
  return abort(checkpoint_failure_reason::checkpoint_expired,
               describe(checkpoint_failure_reason::checkpoint_expired), now);
}

bool pending_checkpoint::abort(checkpoint_failure_reason reason, const std::string& message,
                               checkpoint_time now) {
  if (is_disposed())
    return false;
  failure_reason_ = reason;
  failure_message_ = message;
  dispose(checkpoint_status::failed, now);
  return true;
}

void pending_checkpoint::mark_completed(checkpoint_time now) {
  if (!is_fully_acknowledged())
    throw std::logic_error("pending_checkpoint::mark_completed: checkpoint "
                           + std::to_string(id_) + " is not fully acknowledged or disposed");
  dispose(checkpoint_status::completed, now);
}

void pending_checkpoint::dispose(checkpoint_status s, checkpoint_time now) {
  status_ = s;
  end_ = now;
}

std::map<subtask_id, subtask_ack> pending_checkpoint::take_acks() noexcept {
  return std::move(acks_);
}

std::vector<std::string> pending_checkpoint::files() const {
  auto result = files_;
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

} // namespace sluice
