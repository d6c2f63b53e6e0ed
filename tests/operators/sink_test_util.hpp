// Helpers of the exactly-once sink tests: host one sink operator in an
// operator_chain (no actor system), take snapshots, "crash" (destroy it
// without close), and restore a new instance from a snapshot's list state,
// redistributed the way the restore path does (operator_state_redistribution).
#pragma once

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "actors/subtask/operator_chain.hpp"
#include "snapshot/operator_state_redistribution.hpp"

namespace sluice::testing {

struct sink_temp_dir {
  std::filesystem::path path;
  sink_temp_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path()
           / ("sluice-sink-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~sink_temp_dir() {
    std::error_code err;
    std::filesystem::remove_all(path, err);
  }
  sink_temp_dir(const sink_temp_dir&) = delete;
  sink_temp_dir& operator=(const sink_temp_dir&) = delete;
};

inline subtask_info sink_info(uint32_t index = 0, uint32_t parallelism = 1,
                              std::string uid = "sink") {
  subtask_info info;
  info.job_name = "job";
  info.operator_name = "sink";
  info.operator_uid = std::move(uid);
  info.task_name = "sink";
  info.subtask_index = index;
  info.parallelism = parallelism;
  return info;
}

/// One sink operator hosted alone in a chain. `op` points into the chain.
template <class Op>
struct hosted {
  std::unique_ptr<operator_chain> chain;
  Op* op = nullptr;

  template <class T>
  void feed(std::vector<T> xs) {
    chain->process(make_batch(std::move(xs)));
  }

  /// The synchronous part of checkpoint `id`: the sink's list state items.
  std::vector<list_state_item> snapshot(uint64_t id) {
    auto copies = chain->snapshot_state(id, 0);
    return std::move(copies.front().list_items);
  }

  void complete(uint64_t id) {
    chain->notify_checkpoint_complete(id);
  }

  void aborted(uint64_t id) {
    chain->notify_checkpoint_aborted(id);
  }

  /// End of input (close).
  void finish() {
    chain->finish_input();
  }

  /// A failure: the instance goes away without close.
  void crash() {
    chain.reset();
    op = nullptr;
  }
};

/// Initializes and opens `op` as subtask `info`, restored from `items` of
/// checkpoint `restored_id` when `restored_id` > 0.
template <class Op>
hosted<Op> host(std::unique_ptr<Op> op, subtask_info info,
                std::vector<list_state_item> items = {}, uint64_t restored_id = 0) {
  hosted<Op> h;
  h.op = op.get();
  std::vector<operator_chain::link> links(1);
  links[0].op = std::move(op);
  links[0].info = std::move(info);
  h.chain = std::make_unique<operator_chain>(std::move(links),
                                             std::vector<std::unique_ptr<output_router>>{},
                                             std::vector<channel_sink*>{});
  initialization_context init;
  init.restored = restored_id > 0;
  init.restored_checkpoint_id = restored_id;
  init.list_items = std::move(items);
  h.chain->open({init});
  return h;
}

/// What new subtask `index` of `new_parallelism` restores from the items
/// of every old subtask (`old[j]`: old subtask j's snapshot items).
inline std::vector<list_state_item>
redistribute(const std::vector<std::vector<list_state_item>>& old, uint32_t new_parallelism,
             uint32_t index, const operator_state_modes& modes) {
  subtask_list_items lists(old.size());
  for (size_t j = 0; j < old.size(); ++j)
    for (auto& item : old[j])
      lists[j].push_back(operator_list_item{item.state, item.bytes});
  auto mine = redistribute_operator_state(lists, static_cast<uint32_t>(old.size()),
                                          new_parallelism, modes);
  std::vector<list_state_item> result;
  for (auto& item : mine[index])
    result.push_back(list_state_item{item.state, item.item});
  return result;
}

} // namespace sluice::testing
