#include "actors/checkpoint/coordinator_files.hpp"

#include <map>

namespace sluice {

void drop_pending_files(coordinator_state& st, uint64_t id) {
  st.storage->discard(id);
  st.storage->remove_files(st.store->release(id));
}

checkpoint_metadata metadata_of(coordinator_state& st, const pending_checkpoint& p) {
  checkpoint_metadata md;
  md.job_id = st.storage->job_id();
  md.checkpoint_id = p.id();
  md.timestamp_ms = p.trigger_timestamp();
  std::map<std::string, operator_snapshot> ops;
  for (auto& [who, ack] : p.acks()) {
    for (auto& ref : ack.states) {
      auto& op = ops[ref.uid];
      op.uid = ref.uid;
      op.parallelism = ref.parallelism;
      op.max_parallelism = ref.max_parallelism;
      subtask_snapshot* sub = nullptr;
      for (auto& x : op.subtasks)
        if (x.index == who.subtask)
          sub = &x;
      if (sub == nullptr)
        sub = &op.subtasks.emplace_back(subtask_snapshot{who.subtask, {}});
      sub->handles.push_back(ref.handle);
    }
  }
  for (auto& [uid, op] : ops)
    md.operators.push_back(std::move(op));
  return md;
}

void dispose(coordinator_state& st, const checkpoint_disposal& disposal) {
  for (auto& old : disposal.checkpoints) {
    st.storage->discard(old.checkpoint_id);
    st.stats.report_discarded(old.checkpoint_id);
  }
  st.storage->remove_files(disposal.files);
}

void release_claimed(coordinator_state& st) {
  if (!st.claimed || ++st.completed_since_claim < st.plan->checkpointing.retained)
    return;
  st.claimed->discard();
  st.claimed.reset();
}

void drop_ack_files(coordinator_state& st, uint64_t id, std::vector<std::string> files) {
  bool retained = false;
  for (auto& cp : st.store->checkpoints())
    retained = retained || cp.checkpoint_id == id;
  if (!retained && st.pending.find(id) == nullptr)
    st.storage->discard(id);
  st.storage->remove_files(st.store->unreferenced(std::move(files)));
}

std::vector<std::string> files_of(const ack_msg& m) {
  std::vector<std::string> files;
  for (auto& ref : m.states)
    if (!ref.handle.is_inline())
      files.push_back(checkpoint_storage::file_of(m.checkpoint_id, ref.handle));
  return files;
}

} // namespace sluice
