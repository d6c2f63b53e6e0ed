#include "snapshot/checkpoint_storage.hpp"

#include "snapshot/error.hpp"
#include "snapshot/fs_util.hpp"
#include "snapshot/snapshot_format.hpp"
#include "snapshot/file_names.hpp"

#include <thread>

namespace sluice {

namespace fs = std::filesystem;

namespace {


} // namespace

checkpoint_storage::checkpoint_storage(fs::path root, std::string job_id)
  : root_(std::move(root)), job_id_(std::move(job_id)) {
}

checkpoint_storage::~checkpoint_storage() = default;

std::shared_ptr<checkpoint_storage> checkpoint_storage::memory(std::string job_id) {
  return std::shared_ptr<checkpoint_storage>{new checkpoint_storage({}, std::move(job_id))};
}

std::shared_ptr<checkpoint_storage> checkpoint_storage::filesystem(fs::path root,
                                                                   std::string job_id) {
  if (root.empty())
    throw exception(ec::invalid_option,
                    "checkpointing.storage = filesystem needs checkpointing.dir");
  return std::shared_ptr<checkpoint_storage>{
    new checkpoint_storage(std::move(root), std::move(job_id))};
}

fs::path checkpoint_storage::job_dir() const {
  return is_memory() ? fs::path{} : root_ / job_id_;
}

fs::path checkpoint_storage::checkpoint_dir(uint64_t id) const {
  return job_dir() / checkpoint_dir_name(id);
}

std::string checkpoint_storage::location(uint64_t id) const {
  if (is_memory())
    return "memory://" + job_id_ + "/" + checkpoint_dir_name(id);
  return checkpoint_dir(id).string();
}

void checkpoint_storage::check_injected_failure(uint64_t id, const std::string& what) const {
  std::lock_guard guard{mtx_};
  if (fail_writes_ && fail_writes_(id))
    throw exception(ec::io_error, what + ": write failed (injected storage failure)");
}

state_handle checkpoint_storage::write_file(uint64_t id, const fs::path& dir,
                                            const std::string& relative_path,
                                            state_file_info info,
                                            const std::function<void(state_file_writer&)>& fill) {
  if (auto ms = write_delay_ms_.load(); ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds{ms});
  check_injected_failure(id, location(id) + "/" + relative_path);
  state_handle h;
  h.key_groups = info.key_groups;
  if (is_memory()) {
    auto w = state_file_writer::to_memory(location(id) + "/" + relative_path, std::move(info));
    fill(w);
    w.finish();
    h.inline_bytes = w.take_bytes();
    h.size = h.inline_bytes.size();
    return h;
  }
  std::error_code err;
  fs::create_directories(dir, err);
  if (err)
    throw exception(ec::io_error, dir.string() + ": cannot create directory: " + err.message());
  auto w = state_file_writer::to_file(dir / fs::path{relative_path}.filename(), std::move(info));
  fill(w);
  h.size = w.finish();
  h.relative_path = relative_path;
  return h;
}

state_handle checkpoint_storage::write_state(uint64_t id, const std::string& file_name,
                                             state_file_info info,
                                             const std::function<void(state_file_writer&)>& fill) {
  return write_file(id, checkpoint_dir(id), file_name, std::move(info), fill);
}

state_handle
checkpoint_storage::write_shared_state(uint64_t id, const std::string& file_name,
                                       state_file_info info,
                                       const std::function<void(state_file_writer&)>& fill) {
  return write_file(id, job_dir() / shared_dir_name, "../" + std::string{shared_dir_name} + "/"
                                                        + file_name,
                    std::move(info), fill);
}

std::string checkpoint_storage::file_of(uint64_t id, const state_handle& h) {
  if (h.is_inline())
    return {};
  if (h.relative_path.rfind("../", 0) == 0)
    return h.relative_path.substr(3);
  return checkpoint_dir_name(id) + "/" + h.relative_path;
}

size_t checkpoint_storage::remove_files(const std::vector<std::string>& files) noexcept {
  if (is_memory())
    return 0;
  size_t failed = 0;
  for (auto& f : files) {
    std::error_code err;
    fs::remove(job_dir() / f, err);
    failed += err ? 1 : 0;
  }
  return failed;
}

std::string checkpoint_storage::finalize(const checkpoint_metadata& md) {
  check_injected_failure(md.checkpoint_id, location(md.checkpoint_id) + "/" + std::string{metadata_file_name});
  if (is_memory()) {
    auto bytes = encode_metadata(md, location(md.checkpoint_id) + "/" + std::string{metadata_file_name});
    std::lock_guard guard{mtx_};
    images_[md.checkpoint_id] = std::move(bytes);
    return location(md.checkpoint_id);
  }
  auto dir = checkpoint_dir(md.checkpoint_id);
  std::error_code err;
  fs::create_directories(dir, err); // a checkpoint of stateless tasks has no file yet
  if (err)
    throw exception(ec::io_error, dir.string() + ": cannot create directory: " + err.message());
  write_metadata_file(dir, md);
  return (dir / metadata_file_name).string();
}

bool checkpoint_storage::discard(uint64_t id) noexcept {
  if (is_memory()) {
    std::lock_guard guard{mtx_};
    images_.erase(id);
    return true;
  }
  try {
    remove_checkpoint_directory(checkpoint_dir(id));
    return true;
  } catch (...) {
    return false;
  }
}

void checkpoint_storage::discard_all_but(const std::set<uint64_t>& keep,
                                         const std::set<std::string>& keep_files) noexcept {
  if (is_memory()) {
    std::lock_guard guard{mtx_};
    std::erase_if(images_, [&](auto& kv) { return keep.count(kv.first) == 0; });
    return;
  }
  std::error_code err;
  std::vector<fs::path> doomed;
  for (auto it = fs::directory_iterator(job_dir(), err); !err && it != fs::directory_iterator();
       it.increment(err)) {
    auto name = it->path().filename().string();
    if (name.rfind(checkpoint_dir_prefix, 0) != 0)
      continue;
    uint64_t id = 0;
    try {
      id = std::stoull(name.substr(4));
    } catch (...) {
      continue;
    }
    if (keep.count(id) == 0)
      doomed.push_back(it->path());
  }
  for (auto& dir : doomed) {
    try {
      remove_checkpoint_directory(dir);
    } catch (...) {
      // best effort; the caller's listing shows what is left
    }
  }
  std::vector<std::string> orphans;
  err.clear();
  for (auto it = fs::directory_iterator(job_dir() / shared_dir_name, err);
       !err && it != fs::directory_iterator(); it.increment(err)) {
    auto name = std::string{shared_dir_name} + "/" + it->path().filename().string();
    if (keep_files.count(name) == 0)
      orphans.push_back(std::move(name));
  }
  remove_files(orphans);
  for (auto sub : {shared_dir_name, task_owned_dir_name})
    fs::remove(job_dir() / sub, err); // only when empty
  fs::remove(job_dir(), err);         // only when empty
}

void checkpoint_storage::begin_writer() noexcept {
  std::lock_guard guard{mtx_};
  ++writers_;
}

void checkpoint_storage::end_writer() noexcept {
  std::lock_guard guard{mtx_};
  if (writers_ > 0 && --writers_ == 0)
    writers_cv_.notify_all();
}

bool checkpoint_storage::wait_for_writers(std::chrono::milliseconds timeout) {
  std::unique_lock guard{mtx_};
  return writers_cv_.wait_for(guard, timeout, [&] { return writers_ == 0; });
}

std::set<uint64_t> checkpoint_storage::completed_ids() const {
  std::set<uint64_t> result;
  if (is_memory()) {
    std::lock_guard guard{mtx_};
    for (auto& [id, image] : images_)
      result.insert(id);
    return result;
  }
  std::error_code err;
  for (auto it = fs::directory_iterator(job_dir(), err); !err && it != fs::directory_iterator();
       it.increment(err)) {
    auto name = it->path().filename().string();
    if (name.rfind(checkpoint_dir_prefix, 0) != 0)
      continue;
    if (!fs::exists(it->path() / metadata_file_name))
      continue;
    try {
      result.insert(std::stoull(name.substr(4)));
    } catch (...) {
      // not one of ours
    }
  }
  return result;
}

checkpoint_metadata checkpoint_storage::read_metadata(uint64_t id) const {
  if (is_memory()) {
    std::string image;
    {
      std::lock_guard guard{mtx_};
      auto i = images_.find(id);
      if (i == images_.end())
        throw exception(ec::io_error, location(id) + ": no such checkpoint");
      image = i->second;
    }
    return decode_metadata(image, location(id) + "/" + std::string{metadata_file_name});
  }
  return read_metadata_file(checkpoint_dir(id));
}

state_file_contents checkpoint_storage::read_state(uint64_t id, const state_handle& h,
                                                   key_group_range wanted) const {
  if (h.is_inline())
    return load_state_bytes(h.inline_bytes, location(id) + "/(inline)", wanted);
  if (h.relative_path.rfind("../", 0) == 0)
    return load_state_file(job_dir() / file_of(id, h), wanted);
  return load_state_file(checkpoint_dir(id) / h.relative_path, wanted);
}

void checkpoint_storage::fail_writes_of(std::function<bool(uint64_t)> pred) {
  std::lock_guard guard{mtx_};
  fail_writes_ = std::move(pred);
}

} // namespace sluice
