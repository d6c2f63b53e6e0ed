#include "snapshot/state_file_reader.hpp"

#include "snapshot/capnp_views.hpp"
#include "snapshot/error.hpp"
#include "snapshot/fs_util.hpp"
#include "snapshot/snapshot_file.hpp"

#include "snapshot.capnp.h"

#include <optional>

namespace sluice {

void state_file_visitor::on_file_info(const state_file_info&) {
}

void state_file_visitor::on_keyed_entry(const keyed_state_meta&, uint32_t, std::string_view,
                                        std::string_view) {
}

void state_file_visitor::on_keyed_tombstone(const keyed_state_meta&, uint32_t,
                                            std::string_view) {
}

void state_file_visitor::on_operator_list_item(std::string_view, std::string_view) {
}

void state_file_visitor::on_channel_batch(channel_direction, uint32_t, uint64_t,
                                          std::string_view) {
}

namespace {

std::string describe(const state_file_info& i) {
  auto s = "operator '" + i.operator_uid + "' subtask " + std::to_string(i.subtask)
           + " max parallelism " + std::to_string(i.max_parallelism) + " key groups ";
  if (i.key_groups.empty())
    return s + "(none)";
  return s + "[" + std::to_string(i.key_groups.first) + ", " + std::to_string(i.key_groups.last)
         + "]";
}

/// Reads one StateFileChunk message into the visitor.
class chunk_reader {
public:
  chunk_reader(std::string_view name, state_file_visitor& visitor, key_group_range wanted)
    : name_(name), visitor_(visitor), wanted_(wanted) {
  }

  void read(capnp::MessageReader& message, size_t index) {
    prefix_ = "chunk " + std::to_string(index) + ": ";
    auto chunk = message.getRoot<schema::StateFileChunk>();
    if (!chunk.hasKeyed())
      fail("no keyed section (not a state file chunk)");
    auto keyed = chunk.getKeyed();
    state_file_info info;
    info.operator_uid = std::string{view_of(keyed.getOperatorUid())};
    info.subtask = keyed.getSubtask();
    info.max_parallelism = keyed.getMaxParallelism();
    info.key_groups = {keyed.getKeyGroupFirst(), keyed.getKeyGroupLast()};
    if (!info_) {
      check_info(info);
      info_ = info;
      visitor_.on_file_info(info);
    } else if (info != *info_) {
      fail("belongs to " + describe(info) + ", chunk 0 to " + describe(*info_));
    }
    read_keyed(keyed);
    read_operator_states(chunk.getOperatorStates());
    read_channel_states(chunk.getChannelStates());
  }

  state_file_info info() const {
    if (!info_)
      throw_corrupt_file(name_, "no chunk");
    return *info_;
  }

private:
  [[noreturn]] void fail(const std::string& what) const {
    throw_corrupt_file(name_, prefix_ + what);
  }

  void check_info(const state_file_info& info) const {
    if (info.operator_uid.empty())
      fail("empty operator uid");
    if (info.max_parallelism == 0 || info.max_parallelism > upper_bound_max_parallelism)
      fail("max parallelism " + std::to_string(info.max_parallelism) + " out of range");
    if (!info.key_groups.empty() && info.key_groups.last >= info.max_parallelism)
      fail("key group range [" + std::to_string(info.key_groups.first) + ", "
           + std::to_string(info.key_groups.last) + "] exceeds max parallelism "
           + std::to_string(info.max_parallelism));
  }

  void read_keyed(schema::KeyedStateChunk::Reader keyed) {
    for (auto section : keyed.getSections()) {
      keyed_state_meta meta;
      meta.name = std::string{view_of(section.getName())};
      if (meta.name.empty())
        fail("keyed state with an empty name");
      meta.type_fingerprint = section.getTypeFingerprint();
      auto kind = static_cast<uint16_t>(section.getKind());
      if (kind > static_cast<uint16_t>(state_kind::map))
        fail("keyed state '" + meta.name + "' has unknown kind " + std::to_string(kind));
      meta.kind = static_cast<state_kind>(kind);
      for (auto group : section.getKeyGroups()) {
        auto id = group.getId();
        if (!info_->key_groups.contains(id))
          fail("key group " + std::to_string(id) + " of state '" + meta.name
               + "' outside the file's key groups");
        if (!wanted_.contains(id))
          continue;
        for (auto entry : group.getEntries()) {
          if (!entry.getDeleted()) {
            visitor_.on_keyed_entry(meta, id, view_of(entry.getKey()), view_of(entry.getValue()));
            continue;
          }
          if (entry.getValue().size() != 0)
            fail("tombstone of state '" + meta.name + "' in key group " + std::to_string(id)
                 + " has a value of " + std::to_string(entry.getValue().size()) + " bytes");
          visitor_.on_keyed_tombstone(meta, id, view_of(entry.getKey()));
        }
      }
    }
  }

  void read_operator_states(capnp::List<schema::OperatorListState>::Reader lists) {
    for (auto list : lists) {
      auto name = view_of(list.getName());
      if (name.empty())
        fail("operator list state with an empty name");
      for (auto item : list.getItems())
        visitor_.on_operator_list_item(name, view_of(item));
    }
  }

  void read_channel_states(capnp::List<schema::ChannelState>::Reader channels) {
    for (auto c : channels) {
      auto raw = static_cast<uint16_t>(c.getDirection());
      if (raw > static_cast<uint16_t>(channel_direction::output))
        fail("channel " + std::to_string(c.getChannel()) + " has unknown direction "
             + std::to_string(raw));
      auto direction = static_cast<channel_direction>(raw);
      auto seq = c.getSeq();
      auto batches = c.getBatches();
      if (seq > UINT64_MAX - batches.size())
        fail("channel " + std::to_string(c.getChannel()) + ": sequence numbers overflow");
      for (auto batch : batches)
        visitor_.on_channel_batch(direction, c.getChannel(), seq++, view_of(batch));
    }
  }

  std::string_view name_;
  state_file_visitor& visitor_;
  key_group_range wanted_;
  std::optional<state_file_info> info_;
  std::string prefix_;
};

struct entry_collector final : state_file_visitor {
  state_file_contents contents;

  void on_file_info(const state_file_info& info) override {
    contents.info = info;
  }

  void on_keyed_entry(const keyed_state_meta& state, uint32_t key_group, std::string_view key,
                      std::string_view value) override {
    contents.keyed.push_back({state, key_group, std::string{key}, std::string{value}, false});
  }

  void on_keyed_tombstone(const keyed_state_meta& state, uint32_t key_group,
                          std::string_view key) override {
    contents.keyed.push_back({state, key_group, std::string{key}, std::string{}, true});
  }

  void on_operator_list_item(std::string_view state, std::string_view item) override {
    contents.operator_lists.push_back({std::string{state}, std::string{item}});
  }

  void on_channel_batch(channel_direction direction, uint32_t channel, uint64_t seq,
                        std::string_view batch) override {
    contents.channel_batches.push_back({direction, channel, seq, std::string{batch}});
  }
};

} // namespace

state_file_info read_state_bytes(std::string_view bytes, std::string_view name,
                                 state_file_visitor& visitor, key_group_range wanted) {
  chunk_reader reader{name, visitor, wanted};
  read_snapshot_messages(bytes, name, snapshot_file_kind::state,
                         [&](capnp::MessageReader& message, size_t index) {
                           reader.read(message, index);
                         });
  return reader.info();
}

state_file_info read_state_file(const std::filesystem::path& path, state_file_visitor& visitor,
                                key_group_range wanted) {
  auto bytes = read_whole_file(path);
  return read_state_bytes(bytes.view(), path.string(), visitor, wanted);
}

state_file_contents load_state_bytes(std::string_view bytes, std::string_view name,
                                     key_group_range wanted) {
  entry_collector c;
  read_state_bytes(bytes, name, c, wanted);
  return std::move(c.contents);
}

state_file_contents load_state_file(const std::filesystem::path& path,
                                    key_group_range wanted) {
  entry_collector c;
  read_state_file(path, c, wanted);
  return std::move(c.contents);
}

} // namespace sluice
