#include "snapshot/state_file_writer.hpp"

#include "snapshot/error.hpp"

#include "snapshot.capnp.h"

#include <optional>
#include <utility>
#include <vector>

#include <capnp/message.h>

namespace sluice {

namespace sf = snapshot_format;

namespace {

/// A piece of the arena.
struct piece {
  size_t offset;
  size_t size;
};

/// An entry or, with `deleted`, a tombstone (its value piece is empty).
struct staged_entry {
  piece key;
  piece value;
  bool deleted;
};

struct staged_group {
  uint32_t id;
  std::vector<staged_entry> entries;
};

struct staged_section {
  keyed_state_meta meta;
  std::vector<staged_group> groups;
};

struct staged_list {
  std::string name;
  std::vector<piece> items;
};

struct staged_channel {
  channel_direction direction;
  uint32_t channel;
  uint64_t seq; // of items[0]
  std::vector<piece> batches;
};

/// Structure bytes per item (list element, pointer, padding), for the chunk
/// size estimate.
constexpr size_t item_overhead = 32;

capnp::Data::Reader data_of(const std::string& arena, piece p) {
  return {reinterpret_cast<const kj::byte*>(arena.data()) + p.offset, p.size};
}

schema::StateKind to_schema(state_kind k) {
  switch (k) {
    case state_kind::value: return schema::StateKind::VALUE;
    case state_kind::list: return schema::StateKind::LIST;
    case state_kind::map: return schema::StateKind::MAP;
  }
  return schema::StateKind::VALUE;
}

/// Checked in every build, like key groups: readers reject such a file.
void check_info(const std::string& name, const state_file_info& info) {
  std::string problem;
  if (info.operator_uid.empty())
    problem = "empty operator uid";
  else if (info.max_parallelism == 0 || info.max_parallelism > upper_bound_max_parallelism)
    problem = "max parallelism " + std::to_string(info.max_parallelism) + " out of range";
  else if (!info.key_groups.empty() && info.key_groups.last >= info.max_parallelism)
    problem = "key groups exceed max parallelism " + std::to_string(info.max_parallelism);
  if (!problem.empty())
    throw exception(ec::io_error, name + ": invalid state file info: " + problem);
}

/// Checked in every build: a file with a stray key group would only fail at
/// restore time.
void check_key_group(const state_file_info& info, const std::string& file,
                     const keyed_state_meta& state, uint32_t key_group) {
  if (!info.key_groups.contains(key_group))
    throw exception(ec::io_error, file + ": key group " + std::to_string(key_group)
                                    + " of state '" + state.name
                                    + "' outside the subtask's key groups");
}

} // namespace

struct state_file_writer::impl {
  state_file_info info;
  snapshot_file_writer out;
  size_t chunk_target;
  // The chunk being staged.
  std::string arena;
  size_t items = 0;
  size_t structs = 0; // sections, groups, lists, channels
  std::vector<staged_section> sections;
  std::vector<staged_list> lists;
  std::vector<staged_channel> channels;
  size_t chunks = 0;

  impl(state_file_info i, snapshot_file_writer w, size_t target)
    : info(std::move(i)), out(std::move(w)), chunk_target(target) {
  }

  size_t staged_bytes() const noexcept {
    return arena.size() + items * item_overhead + structs * 64;
  }

  /// Flushes the chunk when `incoming` more bytes would take it over the
  /// target; checks the item limit.
  void make_room(size_t incoming, const char* what) {
    if (incoming > sf::max_item_bytes)
      throw exception(ec::io_error, out.name() + ": " + what + " of " + std::to_string(incoming)
                                      + " bytes exceeds the format's limit of "
                                      + std::to_string(sf::max_item_bytes) + " bytes");
    if (items > 0 && staged_bytes() + incoming + item_overhead > chunk_target)
      flush();
  }

  /// The group of `state` and `key_group` that takes the next entry or
  /// tombstone: the last one staged for that state when it has that id, else
  /// a new one (so a key group split over several calls stays in order).
  staged_group& group_for(const keyed_state_meta& state, uint32_t key_group);

  piece stage(std::string_view bytes) {
    piece p{arena.size(), bytes.size()};
    arena.append(bytes);
    ++items;
    return p;
  }

  void flush();
};

void state_file_writer::impl::flush() {
  auto words = (arena.size() + items * 16 + structs * 64) / sizeof(capnp::word) + 256;
  capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
  auto chunk = message.initRoot<schema::StateFileChunk>();
  auto keyed = chunk.initKeyed();
  keyed.setOperatorUid(info.operator_uid);
  keyed.setSubtask(info.subtask);
  keyed.setMaxParallelism(info.max_parallelism);
  keyed.setKeyGroupFirst(info.key_groups.first);
  keyed.setKeyGroupLast(info.key_groups.last);
  auto out_sections = keyed.initSections(static_cast<unsigned>(sections.size()));
  for (size_t i = 0; i < sections.size(); ++i) {
    auto& s = sections[i];
    auto os = out_sections[i];
    os.setName(s.meta.name);
    os.setTypeFingerprint(s.meta.type_fingerprint);
    os.setKind(to_schema(s.meta.kind));
    auto groups = os.initKeyGroups(static_cast<unsigned>(s.groups.size()));
    for (size_t j = 0; j < s.groups.size(); ++j) {
      auto& g = s.groups[j];
      groups[j].setId(g.id);
      auto entries = groups[j].initEntries(static_cast<unsigned>(g.entries.size()));
      for (size_t k = 0; k < g.entries.size(); ++k) {
        auto& e = g.entries[k];
        entries[k].setKey(data_of(arena, e.key));
        if (e.deleted)
          entries[k].setDeleted(true); // no value: readers refuse one
        else
          entries[k].setValue(data_of(arena, e.value));
      }
    }
  }
  auto out_lists = chunk.initOperatorStates(static_cast<unsigned>(lists.size()));
  for (size_t i = 0; i < lists.size(); ++i) {
    out_lists[i].setName(lists[i].name);
    auto items_out = out_lists[i].initItems(static_cast<unsigned>(lists[i].items.size()));
    for (size_t k = 0; k < lists[i].items.size(); ++k)
      items_out.set(static_cast<unsigned>(k), data_of(arena, lists[i].items[k]));
  }
  auto out_channels = chunk.initChannelStates(static_cast<unsigned>(channels.size()));
  for (size_t i = 0; i < channels.size(); ++i) {
    auto& c = channels[i];
    auto oc = out_channels[i];
    oc.setChannel(c.channel);
    oc.setSeq(c.seq);
    oc.setDirection(c.direction == channel_direction::input ? schema::ChannelDirection::INPUT
                                                            : schema::ChannelDirection::OUTPUT);
    auto batches = oc.initBatches(static_cast<unsigned>(c.batches.size()));
    for (size_t k = 0; k < c.batches.size(); ++k)
      batches.set(static_cast<unsigned>(k), data_of(arena, c.batches[k]));
  }
  out.write_message(message);
  ++chunks;
  arena.clear();
  items = 0;
  structs = 0;
  sections.clear();
  lists.clear();
  channels.clear();
}

state_file_writer::state_file_writer(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

state_file_writer state_file_writer::to_file(const std::filesystem::path& path,
                                             state_file_info info, size_t chunk_target) {
  check_info(path.string(), info);
  auto w = snapshot_file_writer::to_file(path, snapshot_file_kind::state);
  return state_file_writer{std::make_unique<impl>(std::move(info), std::move(w), chunk_target)};
}

state_file_writer state_file_writer::to_memory(std::string name, state_file_info info,
                                               size_t chunk_target) {
  check_info(name, info);
  auto w = snapshot_file_writer::to_memory(std::move(name), snapshot_file_kind::state);
  return state_file_writer{std::make_unique<impl>(std::move(info), std::move(w), chunk_target)};
}

state_file_writer::state_file_writer(state_file_writer&&) noexcept = default;
state_file_writer& state_file_writer::operator=(state_file_writer&&) noexcept = default;
state_file_writer::~state_file_writer() = default;

staged_group& state_file_writer::impl::group_for(const keyed_state_meta& state,
                                                 uint32_t key_group) {
  staged_section* section = nullptr;
  for (auto& s : sections)
    if (s.meta == state)
      section = &s;
  if (section == nullptr) {
    section = &sections.emplace_back(staged_section{state, {}});
    ++structs;
  }
  if (section->groups.empty() || section->groups.back().id != key_group) {
    section->groups.push_back(staged_group{key_group, {}});
    ++structs;
  }
  return section->groups.back();
}

void state_file_writer::add_keyed_entry(const keyed_state_meta& state, uint32_t key_group,
                                        std::string_view key, std::string_view value) {
  auto& m = *impl_;
  check_key_group(m.info, m.out.name(), state, key_group);
  m.make_room(key.size() + value.size(), "keyed entry");
  auto& group = m.group_for(state, key_group);
  auto k = m.stage(key);
  auto v = m.stage(value);
  --m.items; // one entry, two pieces
  group.entries.push_back({k, v, false});
}

void state_file_writer::add_keyed_tombstone(const keyed_state_meta& state, uint32_t key_group,
                                            std::string_view key) {
  auto& m = *impl_;
  check_key_group(m.info, m.out.name(), state, key_group);
  m.make_room(key.size(), "keyed tombstone");
  auto& group = m.group_for(state, key_group);
  auto k = m.stage(key);
  group.entries.push_back({k, piece{m.arena.size(), 0}, true});
}

void state_file_writer::add_operator_list_item(std::string_view state_name,
                                               std::string_view item) {
  auto& m = *impl_;
  m.make_room(item.size(), "operator list item");
  staged_list* list = nullptr;
  for (auto& l : m.lists)
    if (l.name == state_name)
      list = &l;
  if (list == nullptr) {
    list = &m.lists.emplace_back(staged_list{std::string{state_name}, {}});
    ++m.structs;
  }
  list->items.push_back(m.stage(item));
}

void state_file_writer::add_channel_batch(channel_direction direction, uint32_t channel,
                                          uint64_t seq, std::string_view batch) {
  auto& m = *impl_;
  m.make_room(batch.size(), "channel batch");
  staged_channel* run = nullptr;
  for (auto& c : m.channels)
    if (c.direction == direction && c.channel == channel)
      run = &c;
  if (run == nullptr || run->seq + run->batches.size() != seq) {
    run = &m.channels.emplace_back(staged_channel{direction, channel, seq, {}});
    ++m.structs;
  }
  run->batches.push_back(m.stage(batch));
}

uint64_t state_file_writer::finish() {
  auto& m = *impl_;
  if (m.items > 0 || m.chunks == 0)
    m.flush();
  return m.out.finish();
}

std::string state_file_writer::take_bytes() {
  return impl_->out.take_bytes();
}

const state_file_info& state_file_writer::info() const noexcept {
  return impl_->info;
}

} // namespace sluice
