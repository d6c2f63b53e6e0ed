#include "apps/cli/savepoint_disposal.hpp"

#include "snapshot/error.hpp"
#include "snapshot/fs_util.hpp"

#include <algorithm>
#include <set>

namespace sluice::apps {

namespace fs = std::filesystem;

std::optional<std::string> disposal_refusal(const std::string& shown,
                                            const checkpoint_metadata& md) {
  if (!md.is_savepoint)
    return shown + " is a checkpoint, not a savepoint; checkpoints are removed by their job "
                   "(checkpointing.retained, checkpointing.externalized), not by "
                   "savepoint --dispose";
  for (auto& op : md.operators)
    for (auto& sub : op.subtasks)
      for (auto& h : sub.handles)
        if (!h.is_inline() && (h.relative_path == ".." || h.relative_path.rfind("../", 0) == 0))
          return shown + ": state file '" + h.relative_path + "' of operator '" + op.uid
                 + "' subtask " + std::to_string(sub.index)
                 + " lies outside the savepoint directory; a savepoint must be "
                   "self-contained, refusing to dispose it";
  return std::nullopt;
}

disposal_plan plan_disposal(const checkpoint_location& where, const checkpoint_metadata& md) {
  disposal_plan plan{where.dir, where.metadata_file, {}};
  std::set<fs::path> seen;
  for (auto& op : md.operators)
    for (auto& sub : op.subtasks)
      for (auto& h : sub.handles)
        if (!h.is_inline())
          if (auto path = state_file_path(where.dir, h); seen.insert(path).second)
            plan.state_files.push_back(path);
  return plan;
}

namespace {

/// Removes the directories between `file` and `top` (exclusive) that are
/// empty now, innermost first.
void remove_empty_parents(const fs::path& file, const fs::path& top) {
  auto stop = top.lexically_normal();
  for (auto dir = file.parent_path(); !dir.empty() && dir != stop && dir != dir.parent_path();
       dir = dir.parent_path()) {
    std::error_code err;
    if (!fs::is_empty(dir, err) || err || !fs::remove(dir, err))
      return;
  }
}

} // namespace

disposal_result dispose_savepoint(const disposal_plan& plan) {
  disposal_result result;
  std::error_code err;
  if (!fs::remove(plan.metadata_file, err) && err)
    throw exception(ec::io_error,
                    plan.metadata_file.string() + ": cannot remove: " + err.message());
  try {
    sync_directory(plan.dir);
  } catch (const exception& e) {
    result.failures.push_back(e.what());
  }
  for (auto& file : plan.state_files) {
    if (!fs::remove(file, err) && err) {
      result.failures.push_back(file.string() + ": cannot remove: " + err.message());
      continue;
    }
    remove_empty_parents(file, plan.dir);
  }
  if (fs::is_empty(plan.dir, err) && !err) {
    result.dir_removed = fs::remove(plan.dir, err);
    if (!result.dir_removed)
      result.failures.push_back(plan.dir.string() + ": cannot remove: " + err.message());
    return result;
  }
  for (fs::recursive_directory_iterator it{plan.dir, err}, end; !err && it != end;
       it.increment(err)) {
    std::error_code type_err;
    auto name = it->path().lexically_relative(plan.dir).string();
    if (!it->is_directory(type_err))
      result.left.push_back(name);
    else if (fs::is_empty(it->path(), type_err))
      result.left.push_back(name + "/");
  }
  std::sort(result.left.begin(), result.left.end());
  return result;
}

} // namespace sluice::apps
