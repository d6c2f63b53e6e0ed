#include "apps/cli/checkpoint_state.hpp"

#include "snapshot/error.hpp"
#include "snapshot/snapshot_format.hpp"
#include "snapshot/state_file_reader.hpp"

namespace sluice::apps {

namespace fs = std::filesystem;

checkpoint_location locate_checkpoint(const fs::path& path) {
  std::error_code err;
  auto status = fs::status(path, err);
  if (!fs::exists(status))
    throw exception(ec::io_error, path.string() + ": no such file or directory");
  if (fs::is_directory(status)) {
    auto file = path / metadata_file_name;
    if (!fs::exists(file, err))
      throw exception(ec::io_error, path.string()
                                      + ": no _metadata in this directory (not a checkpoint or "
                                        "savepoint, or one that never completed)");
    return {path, file};
  }
  auto dir = path.parent_path();
  return {dir.empty() ? fs::path{"."} : dir, path};
}

fs::path state_file_path(const fs::path& dir, const state_handle& h) {
  return (dir / fs::path{h.relative_path}).lexically_normal();
}

std::string handle_name(const state_handle& h) {
  return h.is_inline() ? std::string{"(inline)"} : h.relative_path;
}

namespace {

/// Collects one state file into an operator's contents.
class collector final : public state_file_visitor {
public:
  collector(operator_state_contents& out, const std::string& file, uint32_t subtask,
            const std::string& uid)
    : out_(out), file_(file), subtask_(subtask), uid_(uid) {
  }

  void on_file_info(const state_file_info& info) override {
    if (info.operator_uid != uid_)
      throw exception(ec::corrupt_file, file_ + ": holds state of operator '"
                                          + info.operator_uid + "', but _metadata lists it for '"
                                          + uid_ + "'");
  }

  void on_keyed_entry(const keyed_state_meta& state, uint32_t key_group, std::string_view key,
                      std::string_view value) override {
    state_of(state).entries[{key_group, std::string{key}}] = std::string{value};
  }

  void on_keyed_tombstone(const keyed_state_meta& state, uint32_t key_group,
                          std::string_view key) override {
    state_of(state).entries.erase({key_group, std::string{key}});
  }

  void on_operator_list_item(std::string_view state_name, std::string_view item) override {
    auto& list = out_.lists[std::string{state_name}];
    list.name = state_name;
    list.items.emplace_back(subtask_, std::string{item});
  }

  void on_channel_batch(channel_direction direction, uint32_t channel, uint64_t seq,
                        std::string_view batch) override {
    auto& channels = out_.channels;
    auto it = channels.begin();
    while (it != channels.end() && it->direction != direction)
      ++it;
    if (it == channels.end()) {
      channel_state_contents c;
      c.direction = direction;
      it = direction == channel_direction::input ? channels.insert(channels.begin(), c)
                                                 : channels.insert(channels.end(), c);
    }
    it->batches.push_back({subtask_, channel, seq, std::string{batch}});
  }

private:
  keyed_state_contents& state_of(const keyed_state_meta& meta) {
    auto [it, fresh] = out_.keyed.try_emplace(meta.name);
    if (fresh) {
      it->second.meta = meta;
    } else if (it->second.meta != meta) {
      throw exception(ec::corrupt_file,
                      file_ + ": keyed state '" + meta.name
                        + "' has another kind or type fingerprint than in the operator's "
                          "other state files");
    }
    return it->second;
  }

  operator_state_contents& out_;
  const std::string& file_;
  uint32_t subtask_;
  const std::string& uid_;
};

} // namespace

operator_state_contents load_operator_state(const fs::path& dir, const operator_snapshot& op) {
  operator_state_contents out;
  for (auto& sub : op.subtasks) {
    for (auto& h : sub.handles) {
      if (h.is_inline()) {
        auto name = "inline state of operator '" + op.uid + "' subtask "
                    + std::to_string(sub.index);
        collector c{out, name, sub.index, op.uid};
        read_state_bytes(h.inline_bytes, name, c);
      } else {
        auto path = state_file_path(dir, h);
        auto name = path.string();
        collector c{out, name, sub.index, op.uid};
        read_state_file(path, c);
      }
    }
  }
  return out;
}

} // namespace sluice::apps
