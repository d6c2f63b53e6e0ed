#include "actors/subtask/subtask_restore.hpp"

#include <algorithm>

#include "snapshot/error.hpp"
#include "snapshot/savepoint.hpp"
#include "snapshot/file_names.hpp"

namespace sluice {

namespace {

const operator_snapshot* find_operator(const checkpoint_metadata& md, const std::string& uid) {
  for (auto& op : md.operators)
    if (op.uid == uid)
      return &op;
  return nullptr;
}

std::string operator_name(const restore_point& point, const std::string& uid) {
  return "restoring operator '" + uid + "' from checkpoint "
         + std::to_string(point.checkpoint_id()) + ": ";
}

void apply_keyed(keyed_state_backend& keyed, const state_file_contents& contents) {
  for (auto& e : contents.keyed) {
    if (e.deleted)
      keyed.restore_deleted(e.state, e.key_group, e.key);
    else
      keyed.restore_entry(e.state, e.key_group, e.key, e.value);
  }
}

} // namespace

const char* to_string(restore_mode mode) noexcept {
  return mode == restore_mode::claim ? "claim" : "no_claim";
}

std::optional<restore_mode> parse_restore_mode(std::string_view text) noexcept {
  if (text == "claim" || text == "CLAIM")
    return restore_mode::claim;
  if (text == "no_claim" || text == "NO_CLAIM")
    return restore_mode::no_claim;
  return std::nullopt;
}

size_t restore_point::discard() const noexcept {
  namespace fs = std::filesystem;
  if (storage) {
    std::vector<std::string> files;
    for (auto& op : metadata.operators)
      for (auto& sub : op.subtasks)
        for (auto& h : sub.handles)
          if (!h.is_inline())
            files.push_back(checkpoint_storage::file_of(checkpoint_id(), h));
    size_t failed = storage->discard(checkpoint_id()) ? 0 : 1;
    return failed + storage->remove_files(files);
  }
  std::error_code err;
  size_t failed = 0;
  if (!fs::remove(savepoint_dir / metadata_file_name, err) && err)
    return 1; // still a savepoint: leave its files
  for (auto& op : metadata.operators)
    for (auto& sub : op.subtasks)
      for (auto& h : sub.handles)
        if (!h.is_inline() && !fs::remove(savepoint_dir / h.relative_path, err) && err)
          ++failed;
  fs::remove(savepoint_dir, err); // only when empty
  return failed;
}

std::shared_ptr<restore_point> load_restore_point(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  auto md = read_metadata_file(path);
  std::error_code err;
  auto chk_dir = fs::is_directory(path, err) ? path : path.parent_path();
  chk_dir = fs::absolute(chk_dir, err).lexically_normal();
  if (chk_dir.filename().empty())
    chk_dir = chk_dir.parent_path();
  if (md.is_savepoint) {
    auto point = std::make_shared<restore_point>();
    point->savepoint_dir = chk_dir;
    point->metadata = std::move(md);
    return point;
  }
  auto expected = checkpoint_dir_name(md.checkpoint_id);
  if (chk_dir.filename() != expected)
    throw exception(ec::invalid_argument,
                    chk_dir.string() + ": holds checkpoint " + std::to_string(md.checkpoint_id)
                      + " but is not named " + expected
                      + " (a checkpoint cannot be moved out of <dir>/<job-id>/chk-<n>/)");
  auto job_dir = chk_dir.parent_path();
  auto point = std::make_shared<restore_point>();
  point->storage = checkpoint_storage::filesystem(job_dir.parent_path(),
                                                  job_dir.filename().string());
  point->metadata = std::move(md);
  return point;
}

std::vector<std::string> check_restore(const restore_point& point,
                                       const std::vector<std::string>& uids,
                                       const std::vector<std::string>& generated,
                                       bool allow_non_restored_state,
                                       uint32_t max_parallelism) {
  auto has = [](const std::vector<std::string>& xs, const std::string& x) {
    return std::find(xs.begin(), xs.end(), x) != xs.end();
  };
  std::vector<std::string> warnings;
  std::string unmatched;
  for (auto& op : point.metadata.operators) {
    if (has(uids, op.uid)) {
      if (op.max_parallelism != max_parallelism)
        throw exception(ec::invalid_argument,
                        "cannot restore checkpoint " + std::to_string(point.checkpoint_id())
                          + ": operator uid '" + op.uid + "' was snapshotted with max "
                          "parallelism " + std::to_string(op.max_parallelism) + ", the job has "
                          + std::to_string(max_parallelism)
                          + " (pipeline.max-parallelism); key groups cannot be re-split");
      if (has(generated, op.uid))
        warnings.push_back("operator uid '" + op.uid
                           + "' was generated from the job's shape; set .uid(...) so its "
                             "state survives changes to the job");
      continue;
    }
    unmatched += (unmatched.empty() ? "'" : ", '") + op.uid + "'";
    if (allow_non_restored_state)
      warnings.push_back("state of operator uid '" + op.uid
                         + "' is not restored: the job has no such operator");
  }
  if (!unmatched.empty() && !allow_non_restored_state)
    throw exception(ec::invalid_argument,
                    "cannot restore checkpoint " + std::to_string(point.checkpoint_id())
                      + ": the state of operator uid(s) " + unmatched
                      + " maps to no operator of the job (removed, or its uid changed); "
                        "pass --allow-non-restored-state to skip it");
  return warnings;
}

state_file_contents restore_point::read(const state_handle& h, key_group_range wanted) const {
  if (storage)
    return storage->read_state(checkpoint_id(), h, wanted);
  return read_savepoint_state(savepoint_dir, h, wanted);
}

operator_restore restore_operator(const restore_point& point, const std::string& uid,
                                  uint32_t parallelism, uint32_t index,
                                  uint32_t max_parallelism, const operator_state_modes& modes,
                                  keyed_state_backend* keyed) {
  operator_restore result;
  auto* op = find_operator(point.metadata, uid);
  if (op == nullptr)
    return result;
  result.found = true;
  if (op->max_parallelism != max_parallelism)
    throw exception(ec::incompatible_state,
                    operator_name(point, uid) + "its max parallelism was "
                      + std::to_string(op->max_parallelism) + ", the job's is "
                      + std::to_string(max_parallelism)
                      + " (key groups cannot be re-split)");
  auto range = keyed != nullptr ? keyed->range() : key_group_range::empty_range();
  subtask_list_items old_lists(op->parallelism);
  for (auto& sub : op->subtasks) {
    for (auto& h : sub.handles) {
      bool overlaps = !h.key_groups.empty() && !range.empty()
                      && h.key_groups.first <= range.last && range.first <= h.key_groups.last;
      // Every file may hold list state, which is redistributed over all
      // old subtasks; keyed entries are read only where they overlap.
      auto contents = point.read(h, overlaps ? range : key_group_range::empty_range());
      if (!contents.keyed.empty()) {
        if (keyed == nullptr)
          throw exception(ec::incompatible_state,
                          operator_name(point, uid)
                            + "the checkpoint holds keyed state for it, but the operator "
                              "is not keyed");
        apply_keyed(*keyed, contents);
      }
      for (auto& item : contents.operator_lists)
        old_lists[sub.index].push_back(std::move(item));
      if (sub.index != index || contents.channel_batches.empty())
        continue;
      if (op->parallelism != parallelism)
        throw exception(ec::incompatible_state,
                        operator_name(point, uid)
                          + "the checkpoint holds in-flight data (unaligned) and the "
                            "parallelism changed from "
                          + std::to_string(op->parallelism) + " to "
                          + std::to_string(parallelism)
                          + "; rescaling in-flight data is not supported");
      for (auto& b : contents.channel_batches)
        result.channel_batches.push_back(std::move(b));
    }
  }
  if (keyed != nullptr)
    keyed->end_batch();
  auto mine = redistribute_operator_state(old_lists, op->parallelism, parallelism, modes);
  for (auto& item : mine[index])
    result.list_items.push_back(list_state_item{std::move(item.state), std::move(item.item)});
  return result;
}

} // namespace sluice
