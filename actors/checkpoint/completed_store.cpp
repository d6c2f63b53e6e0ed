#include "actors/checkpoint/completed_store.hpp"

#include <algorithm>
#include <stdexcept>

namespace sluice {

namespace {

void sort_unique(std::vector<std::string>& xs) {
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
}

} // namespace

completed_store::completed_store(int32_t retained, externalized_cleanup externalized)
  : retained_(retained < 1 ? 1 : retained), externalized_(externalized) {
}

completed_store::completed_store(const checkpoint_config& cfg)
  : completed_store(cfg.retained, cfg.externalized) {
}

void completed_store::reference(const std::vector<std::string>& files) {
  for (auto& f : files)
    ++refs_[f];
}

void completed_store::unreference(const std::vector<std::string>& files,
                                  std::vector<std::string>& freed) {
  for (auto& f : files) {
    auto i = refs_.find(f);
    if (i == refs_.end())
      continue;
    if (--i->second == 0) {
      refs_.erase(i);
      freed.push_back(f);
    }
  }
}

checkpoint_disposal completed_store::add(completed_checkpoint cp) {
  for (auto& x : checkpoints_)
    if (x.checkpoint_id == cp.checkpoint_id)
      throw std::logic_error("completed_store::add: checkpoint "
                             + std::to_string(cp.checkpoint_id) + " is already retained");
  sort_unique(cp.files);
  checkpoint_disposal out;
  // Reference first: files shared with a checkpoint subsumed below stay.
  reference(cp.files);
  if (auto h = holds_.find(cp.checkpoint_id); h != holds_.end()) {
    unreference(h->second, out.files);
    holds_.erase(h);
  }
  auto pos = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), cp.checkpoint_id,
                              [](uint64_t id, const completed_checkpoint& x) {
                                return id < x.checkpoint_id;
                              });
  checkpoints_.insert(pos, std::move(cp));
  while (checkpoints_.size() > static_cast<size_t>(retained_)) {
    auto old = std::move(checkpoints_.front());
    checkpoints_.pop_front();
    unreference(old.files, out.files);
    out.checkpoints.push_back(std::move(old));
  }
  sort_unique(out.files);
  return out;
}

void completed_store::hold(uint64_t checkpoint_id, const std::vector<std::string>& files) {
  auto& held = holds_[checkpoint_id];
  for (auto& f : files) {
    if (std::find(held.begin(), held.end(), f) != held.end())
      continue;
    held.push_back(f);
    ++refs_[f];
  }
}

std::vector<std::string> completed_store::release(uint64_t checkpoint_id) {
  std::vector<std::string> freed;
  if (auto h = holds_.find(checkpoint_id); h != holds_.end()) {
    unreference(h->second, freed);
    holds_.erase(h);
  }
  sort_unique(freed);
  return freed;
}

std::vector<std::string> completed_store::unreferenced(std::vector<std::string> files) const {
  sort_unique(files);
  files.erase(std::remove_if(files.begin(), files.end(),
                             [this](const std::string& f) { return refs_.count(f) != 0; }),
              files.end());
  return files;
}

bool completed_store::retains_on(externalized_cleanup policy, job_status status) noexcept {
  if (!is_terminal(status))
    return true; // suspended: the job goes on elsewhere or later
  switch (policy) {
    case externalized_cleanup::none:
      return false;
    case externalized_cleanup::retain_on_cancellation:
      return true;
    case externalized_cleanup::delete_on_cancellation:
      return status == job_status::failed;
  }
  return false;
}

checkpoint_disposal completed_store::shutdown(job_status status) {
  checkpoint_disposal out;
  for (auto& [id, held] : holds_)
    unreference(held, out.files);
  holds_.clear();
  if (!retains_on(externalized_, status)) {
    while (!checkpoints_.empty()) {
      auto old = std::move(checkpoints_.front());
      checkpoints_.pop_front();
      unreference(old.files, out.files);
      out.checkpoints.push_back(std::move(old));
    }
  }
  sort_unique(out.files);
  return out;
}

uint32_t completed_store::references(const std::string& file) const noexcept {
  auto i = refs_.find(file);
  return i == refs_.end() ? 0 : i->second;
}

std::vector<std::string> completed_store::referenced_files() const {
  std::vector<std::string> result;
  result.reserve(refs_.size());
  for (auto& [f, n] : refs_)
    result.push_back(f);
  return result;
}

} // namespace sluice
