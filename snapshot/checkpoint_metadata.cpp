#include "snapshot/checkpoint_metadata.hpp"

#include "snapshot/capnp_views.hpp"
#include "snapshot/error.hpp"
#include "snapshot/fs_util.hpp"
#include "snapshot/snapshot_file.hpp"

#include "snapshot.capnp.h"

#include <set>
#include <utility>

#include <capnp/message.h>

namespace fs = std::filesystem;

namespace sluice {

namespace {

capnp::Data::Reader data_of(const std::string& s) {
  return {reinterpret_cast<const kj::byte*>(s.data()), s.size()};
}

/// Why `p` is not a valid relative state file path, or empty.
std::string path_problem(std::string_view p) {
  if (p.empty())
    return "empty path";
  if (p.size() > 4096)
    return "path longer than 4096 bytes";
  if (p.find('\0') != std::string_view::npos)
    return "path contains a NUL byte";
  if (p.front() == '/')
    return "absolute path '" + std::string{p} + "'";
  size_t index = 0;
  for (size_t start = 0;; ++index) {
    auto end = p.find('/', start);
    auto part = p.substr(start, end == std::string_view::npos ? end : end - start);
    if (part.empty() || part == ".")
      return "path '" + std::string{p} + "' has an empty or '.' component";
    if (part == ".." && index > 0)
      return "path '" + std::string{p} + "' escapes the job directory";
    if (end == std::string_view::npos)
      return part == ".." ? "path '" + std::string{p} + "' names a directory" : "";
    start = end + 1;
  }
}

std::string range_text(key_group_range r) {
  return "[" + std::to_string(r.first) + ", " + std::to_string(r.last) + "]";
}

} // namespace

std::optional<std::string> metadata_problem(const checkpoint_metadata& md) {
  if (md.job_id.empty())
    return "empty job id";
  std::set<std::string_view> uids;
  for (auto& op : md.operators) {
    if (op.uid.empty())
      return "operator with an empty uid";
    auto where = "operator '" + op.uid + "'";
    if (!uids.insert(op.uid).second)
      return where + " appears twice";
    if (op.max_parallelism == 0 || op.max_parallelism > upper_bound_max_parallelism)
      return where + ": max parallelism " + std::to_string(op.max_parallelism)
             + " out of range";
    if (op.parallelism == 0 || op.parallelism > op.max_parallelism)
      return where + ": parallelism " + std::to_string(op.parallelism) + " not in [1, "
             + std::to_string(op.max_parallelism) + "]";
    std::set<uint32_t> indices;
    for (auto& st : op.subtasks) {
      auto sub = where + " subtask " + std::to_string(st.index);
      if (st.index >= op.parallelism)
        return sub + ": index not below parallelism " + std::to_string(op.parallelism);
      if (!indices.insert(st.index).second)
        return sub + " appears twice";
      for (size_t i = 0; i < st.handles.size(); ++i) {
        auto& h = st.handles[i];
        auto handle = sub + " handle " + std::to_string(i) + ": ";
        if (h.is_inline()) {
          if (h.inline_bytes.empty())
            return handle + "neither a path nor inline bytes";
          if (h.size != h.inline_bytes.size())
            return handle + "size " + std::to_string(h.size) + " but "
                   + std::to_string(h.inline_bytes.size()) + " inline bytes";
        } else {
          if (!h.inline_bytes.empty())
            return handle + "both a path and inline bytes";
          if (auto problem = path_problem(h.relative_path); !problem.empty())
            return handle + problem;
        }
        if (!h.key_groups.empty() && h.key_groups.last >= op.max_parallelism)
          return handle + "key groups " + range_text(h.key_groups)
                 + " exceed max parallelism " + std::to_string(op.max_parallelism);
      }
    }
  }
  return std::nullopt;
}

std::string encode_metadata(const checkpoint_metadata& md, std::string_view name) {
  if (auto problem = metadata_problem(md))
    throw exception(ec::io_error,
                    std::string{name} + ": refusing to write invalid metadata: " + *problem);
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::CheckpointMetadata>();
  root.setJobId(md.job_id);
  root.setCheckpointId(md.checkpoint_id);
  root.setTimestampMillis(md.timestamp_ms);
  root.setIsSavepoint(md.is_savepoint);
  auto ops = root.initOperators(static_cast<unsigned>(md.operators.size()));
  for (size_t i = 0; i < md.operators.size(); ++i) {
    auto& op = md.operators[i];
    auto o = ops[i];
    o.setUid(op.uid);
    o.setParallelism(op.parallelism);
    o.setMaxParallelism(op.max_parallelism);
    auto subs = o.initSubtasks(static_cast<unsigned>(op.subtasks.size()));
    for (size_t j = 0; j < op.subtasks.size(); ++j) {
      auto& st = op.subtasks[j];
      subs[j].setIndex(st.index);
      auto handles = subs[j].initHandles(static_cast<unsigned>(st.handles.size()));
      for (size_t k = 0; k < st.handles.size(); ++k) {
        auto& h = st.handles[k];
        auto out = handles[k];
        if (h.is_inline())
          out.setInlineBytes(data_of(h.inline_bytes));
        else
          out.setPath(h.relative_path);
        out.setSize(h.size);
        out.setKeyGroupFirst(h.key_groups.first);
        out.setKeyGroupLast(h.key_groups.last);
      }
    }
  }
  auto writer = snapshot_file_writer::to_memory(std::string{name}, snapshot_file_kind::metadata);
  writer.write_message(message);
  writer.finish();
  return writer.take_bytes();
}

checkpoint_metadata decode_metadata(std::string_view bytes, std::string_view name) {
  checkpoint_metadata md;
  read_snapshot_messages(
    bytes, name, snapshot_file_kind::metadata, [&](capnp::MessageReader& message, size_t index) {
      if (index > 0)
        throw_corrupt_file(name, "more than one message");
      auto root = message.getRoot<schema::CheckpointMetadata>();
      md.job_id = std::string{view_of(root.getJobId())};
      md.checkpoint_id = root.getCheckpointId();
      md.timestamp_ms = root.getTimestampMillis();
      md.is_savepoint = root.getIsSavepoint();
      auto ops = root.getOperators();
      md.operators.reserve(ops.size());
      for (auto o : ops) {
        auto& op = md.operators.emplace_back();
        op.uid = std::string{view_of(o.getUid())};
        op.parallelism = o.getParallelism();
        op.max_parallelism = o.getMaxParallelism();
        auto subs = o.getSubtasks();
        op.subtasks.reserve(subs.size());
        for (auto s : subs) {
          auto& st = op.subtasks.emplace_back();
          st.index = s.getIndex();
          auto handles = s.getHandles();
          st.handles.reserve(handles.size());
          for (auto h : handles) {
            auto& handle = st.handles.emplace_back();
            switch (h.which()) {
              case schema::StateHandle::PATH:
                handle.relative_path = std::string{view_of(h.getPath())};
                if (handle.relative_path.empty())
                  throw_corrupt_file(name, "operator '" + op.uid + "' subtask "
                                             + std::to_string(st.index)
                                             + ": state handle with an empty path");
                break;
              case schema::StateHandle::INLINE_BYTES:
                handle.inline_bytes = std::string{view_of(h.getInlineBytes())};
                if (handle.inline_bytes.empty())
                  throw_corrupt_file(name, "operator '" + op.uid + "' subtask "
                                             + std::to_string(st.index)
                                             + ": inline state handle without bytes");
                break;
              default:
                throw_corrupt_file(name, "operator '" + op.uid + "' subtask "
                                           + std::to_string(st.index)
                                           + ": state handle of unknown kind "
                                           + std::to_string(static_cast<int>(h.which())));
            }
            handle.size = h.getSize();
            handle.key_groups = {h.getKeyGroupFirst(), h.getKeyGroupLast()};
          }
        }
      }
    });
  if (auto problem = metadata_problem(md))
    throw_corrupt_file(name, *problem);
  return md;
}

uint64_t write_metadata_file(const fs::path& checkpoint_dir, const checkpoint_metadata& md) {
  auto path = checkpoint_dir / metadata_file_name;
  auto bytes = encode_metadata(md, path.string());
  write_file_atomically(path, bytes);
  return bytes.size();
}

checkpoint_metadata read_metadata_file(const fs::path& path) {
  auto file = path;
  std::error_code err;
  if (fs::is_directory(path, err))
    file /= metadata_file_name;
  auto bytes = read_whole_file(file);
  return decode_metadata(bytes.view(), file.string());
}

std::vector<const state_handle*> handles_overlapping(const operator_snapshot& op,
                                                     key_group_range range) {
  std::vector<const state_handle*> result;
  if (range.empty())
    return result;
  for (auto& st : op.subtasks)
    for (auto& h : st.handles)
      if (!h.key_groups.empty() && h.key_groups.first <= range.last
          && range.first <= h.key_groups.last)
        result.push_back(&h);
  return result;
}

} // namespace sluice
