#include "actors/async_snapshot.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "snapshot/key_groups.hpp"

namespace sluice {

std::string state_file_name(const std::string& uid, uint32_t subtask) {
  std::string name;
  bool changed = uid.empty();
  for (char c : uid) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '.' || c == '_' || c == '-';
    name += ok ? c : '_';
    changed = changed || !ok;
  }
  if (name.empty() || name.front() == '.')
    name.insert(name.begin(), 'o');
  if (changed) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", murmur3_32(uid.data(), uid.size(), 0));
    name += "-";
    name += hex;
  }
  return name + "-" + std::to_string(subtask) + ".state";
}

void write_snapshot(snapshot_task& task) {
  auto& ack = task.ack;
  auto n = task.operators.size();
  for (size_t i = 0; i < n; ++i) {
    auto& op = task.operators[i];
    // Inputs reach the head operator, outputs leave the tail operator.
    std::vector<const in_flight_batch*> channels;
    for (auto& b : task.channel_state)
      if ((b.direction == channel_direction::input && i == 0)
          || (b.direction == channel_direction::output && i + 1 == n))
        channels.push_back(&b);
    if (op.empty() && channels.empty())
      continue;
    state_file_info info{op.uid, task.subtask_index, op.max_parallelism, op.key_groups};
    uint64_t in_flight = 0;
    auto handle = task.storage->write_state(
      ack.checkpoint_id, state_file_name(op.uid, task.subtask_index), info,
      [&](state_file_writer& w) {
        if (op.keyed)
          op.keyed->write_to(w);
        for (auto& item : op.list_items)
          w.add_operator_list_item(item.state, item.bytes);
        std::string bytes;
        for (auto* b : channels) {
          bytes.clear();
          b->codec.encode(*b->records, bytes);
          in_flight += bytes.size();
          w.add_channel_batch(b->direction, b->channel, b->seq, bytes);
        }
      });
    ack.state_size += handle.size;
    ack.persisted_in_flight += in_flight;
    ack.states.push_back(operator_state_ref{op.uid, op.parallelism, op.max_parallelism,
                                            std::move(handle)});
  }
}

void spawn_async_snapshot(caf::actor_system& sys, std::shared_ptr<snapshot_task> task) {
  task->storage->begin_writer();
  sys.spawn<caf::detached>([task](caf::event_based_actor* self) {
    auto started = std::chrono::steady_clock::now();
    try {
      write_snapshot(*task);
      task->ack.async_ns = (std::chrono::steady_clock::now() - started).count();
      self->send(task->coordinator, task->ack);
    } catch (const std::exception& e) {
      self->send(task->coordinator,
                 decline_msg{task->ack.attempt, task->ack.checkpoint_id, task->ack.vertex,
                             task->ack.subtask_index,
                             "asynchronous part of checkpoint "
                               + std::to_string(task->ack.checkpoint_id) + " failed: " + e.what()});
    }
    task->storage->end_writer();
    self->quit();
  });
}

} // namespace sluice
