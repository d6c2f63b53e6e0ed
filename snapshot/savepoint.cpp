#include "snapshot/savepoint.hpp"

#include <cstdio>
#include <map>
#include <set>

#include "snapshot/checkpoint_storage.hpp"
#include "snapshot/error.hpp"
#include "snapshot/fs_util.hpp"

namespace sluice {

namespace fs = std::filesystem;

namespace {

/// A file name inside the savepoint for the source `file`, unique among
/// `taken` ("counts-0.state", then "counts-0-2.state", ...).
std::string unique_name(const std::string& file, std::set<std::string>& taken) {
  auto base = fs::path{file}.filename().string();
  if (base.empty())
    base = "state";
  auto stem = fs::path{base}.stem().string();
  auto ext = fs::path{base}.extension().string();
  auto name = base;
  for (int n = 2; taken.count(name) > 0; ++n)
    name = stem + "-" + std::to_string(n) + ext;
  taken.insert(name);
  return name;
}

} // namespace

fs::path write_savepoint(const checkpoint_storage& from, const checkpoint_metadata& md,
                         const fs::path& parent, uint64_t random) {
  std::error_code err;
  fs::create_directories(parent, err);
  if (err)
    throw exception(ec::io_error, parent.string() + ": cannot create the savepoint directory: "
                                    + err.message());
  auto dir = parent / savepoint_dir_name(md.job_id, random);
  if (!fs::create_directory(dir, err))
    throw exception(ec::io_error, dir.string() + ": cannot create: "
                                    + (err ? err.message() : std::string{"exists already"}));
  try {
    auto out = md;
    out.is_savepoint = true;
    std::map<std::string, std::string> copied; // source file -> name in dir
    std::set<std::string> taken{std::string{metadata_file_name}};
    for (auto& op : out.operators) {
      for (auto& sub : op.subtasks) {
        for (auto& h : sub.handles) {
          if (h.is_inline()) {
            auto name = unique_name(state_file_name(op.uid, sub.index), taken);
            write_file_atomically(dir / name, h.inline_bytes);
            h.inline_bytes.clear();
            h.relative_path = name;
            continue;
          }
          auto source = checkpoint_storage::file_of(md.checkpoint_id, h);
          auto it = copied.find(source);
          if (it == copied.end()) {
            auto name = unique_name(source, taken);
            auto bytes = read_whole_file(from.job_dir() / source);
            write_file_atomically(dir / name, bytes.view());
            it = copied.emplace(source, name).first;
          }
          h.relative_path = it->second;
        }
      }
    }
    write_metadata_file(dir, out);
    return dir;
  } catch (...) {
    fs::remove_all(dir, err);
    throw;
  }
}

state_file_contents read_savepoint_state(const fs::path& dir, const state_handle& h,
                                         key_group_range wanted) {
  if (h.is_inline())
    return load_state_bytes(h.inline_bytes, (dir / "(inline)").string(), wanted);
  return load_state_file(dir / h.relative_path, wanted);
}

} // namespace sluice
