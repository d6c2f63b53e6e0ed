#include "actors/subtask/async_snapshot.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "snapshot/key_groups.hpp"

namespace sluice {

namespace {

/// Incremental keyed state of `op`: writes its snapshot (full or delta) as
/// a shared file when it has entries and returns the checkpoint's chain.
handle_chain write_keyed_chain(snapshot_task& task, operator_chain::operator_state_copy& op,
                               std::vector<std::string>& written) {
  auto& ack = task.ack;
  std::optional<state_handle> file;
  if (op.keyed->num_entries() > 0) {
    state_file_info info{op.uid, task.subtask_index, op.max_parallelism, op.key_groups};
    file = task.storage->write_shared_state(
      ack.checkpoint_id,
      shared_state_file_name(op.uid, task.subtask_index, ack.attempt, ack.checkpoint_id), info,
      [&](state_file_writer& w) { op.keyed->write_to(w); });
    written.push_back(checkpoint_storage::file_of(ack.checkpoint_id, *file));
    ack.checkpointed_size += file->size;
  }
  return extend(op.keyed->incremental() ? op.base_chain : handle_chain{}, std::move(file));
}

void write_operators(snapshot_task& task, std::vector<std::string>& written) {
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
    // Shared keyed state first (a failure of the own file below removes
    // it); the chain is recorded once every file of the operator exists.
    handle_chain handles;
    if (op.keyed && op.chain)
      handles = write_keyed_chain(task, op, written);
    auto keyed_chain = handles;
    bool keyed_inline = op.keyed && !op.chain && op.keyed->num_entries() > 0;
    if (!op.list_items.empty() || !channels.empty() || keyed_inline) {
      state_file_info info{op.uid, task.subtask_index, op.max_parallelism,
                           keyed_inline ? op.key_groups : key_group_range::empty_range()};
      uint64_t in_flight = 0;
      auto handle = task.storage->write_state(
        ack.checkpoint_id, state_file_name(op.uid, task.subtask_index), info,
        [&](state_file_writer& w) {
          if (keyed_inline)
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
      ack.checkpointed_size += handle.size;
      ack.persisted_in_flight += in_flight;
      handles.push_back(std::move(handle));
    }
    if (op.keyed && op.chain)
      op.chain->record(ack.checkpoint_id, std::move(keyed_chain));
    for (auto& h : handles) {
      ack.state_size += h.size;
      ack.states.push_back(
        operator_state_ref{op.uid, op.parallelism, op.max_parallelism, std::move(h)});
    }
  }
}

} // namespace

void write_snapshot(snapshot_task& task) {
  std::vector<std::string> written; // shared files: no directory removal covers them
  try {
    write_operators(task, written);
  } catch (...) {
    task.storage->remove_files(written);
    throw;
  }
}

namespace {

/// A task handed to a writer; ends the storage's writer registration when
/// it is destroyed, whether it was written or dropped unprocessed.
struct queued_snapshot {
  explicit queued_snapshot(std::shared_ptr<snapshot_task> t) : task(std::move(t)) {
    task->storage->begin_writer();
  }
  queued_snapshot(const queued_snapshot&) = delete;
  queued_snapshot& operator=(const queued_snapshot&) = delete;
  ~queued_snapshot() {
    task->storage->end_writer();
  }
  std::shared_ptr<snapshot_task> task;
};

using queued_snapshot_ptr = std::shared_ptr<queued_snapshot>;

} // namespace
} // namespace sluice

// Local only (the writers live in the job's process).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::queued_snapshot_ptr)

namespace sluice {
namespace {

/// Writes the task's files, then acks (or declines) to the coordinator.
void write_and_report(snapshot_task& task) {
  auto started = std::chrono::steady_clock::now();
  try {
    write_snapshot(task);
    task.ack.async_ns = (std::chrono::steady_clock::now() - started).count();
    caf::anon_send(task.coordinator, task.ack);
  } catch (const std::exception& e) {
    caf::anon_send(task.coordinator,
                   decline_msg{task.ack.attempt, task.ack.checkpoint_id, task.ack.vertex,
                               task.ack.subtask_index,
                               checkpoint_failure_reason::checkpoint_async_exception,
                               "asynchronous part of checkpoint "
                                 + std::to_string(task.ack.checkpoint_id)
                                 + " failed: " + e.what()});
  }
}

caf::behavior snapshot_writer(caf::event_based_actor* self) {
  self->set_exit_handler([self](caf::exit_msg& m) {
    if (m.reason) // the pool ends: quit, dropping what is queued
      self->quit(std::move(m.reason));
  });
  return {
    [](const queued_snapshot_ptr& q) { write_and_report(*q->task); },
  };
}

} // namespace

caf::actor spawn_snapshot_writers(caf::actor_system& sys, size_t n) {
  auto factory = [&sys] { return sys.spawn<caf::detached>(snapshot_writer); };
  return caf::actor_pool::make(sys.dummy_execution_unit(), std::max<size_t>(n, 1), factory,
                               caf::actor_pool::round_robin());
}

void run_async_snapshot(caf::actor_system& sys, const caf::actor& writers,
                        std::shared_ptr<snapshot_task> task) {
  auto queued = std::make_shared<queued_snapshot>(std::move(task));
  if (writers) {
    caf::anon_send(writers, std::move(queued));
    return;
  }
  sys.spawn<caf::detached>([queued](caf::event_based_actor* self) {
    write_and_report(*queued->task);
    self->quit();
  });
}

} // namespace sluice
