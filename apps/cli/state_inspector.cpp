#include "apps/cli/state_inspector.hpp"

#include "apps/cli/checkpoint_listing.hpp"
#include "apps/cli/state_json.hpp"
#include "snapshot/error.hpp"

#include <algorithm>
#include <array>

namespace sluice::apps {

namespace fs = std::filesystem;

namespace {

std::string channel_state_name(channel_direction d) {
  return d == channel_direction::input ? "channel:input" : "channel:output";
}

std::string range_text(key_group_range r) {
  if (r.empty())
    return "no key groups";
  return "key groups " + std::to_string(r.first) + "-" + std::to_string(r.last);
}

/// Rows with columns padded to their widest cell (numbers right-aligned).
std::string table(const std::vector<std::array<std::string, 5>>& rows, const std::string& indent) {
  std::array<size_t, 5> width{};
  for (auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (auto& r : rows) {
    out += indent;
    for (size_t i = 0; i < r.size(); ++i) {
      auto pad = std::string(width[i] - r[i].size(), ' ');
      out += i >= 3 ? pad + r[i] : r[i] + pad;
      out += i + 1 < r.size() ? "  " : "\n";
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  if (names.empty())
    return "(none)";
  std::string out;
  for (auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

} // namespace

operator_summary summarize_operator(const operator_snapshot& op,
                                    const operator_state_contents& state) {
  operator_summary s{op.uid, op.parallelism, op.max_parallelism, {}, {}};
  for (auto& [name, keyed] : state.keyed) {
    state_summary st{name, state_kind_name(keyed.meta), state_type_name(keyed.meta), 0, 0};
    for (auto& [key, value] : keyed.entries) {
      ++st.entries;
      st.bytes += key.second.size() + value.size();
    }
    s.states.push_back(std::move(st));
  }
  for (auto& [name, list] : state.lists) {
    state_summary st{name, "operator list", "bytes", list.items.size(), 0};
    for (auto& item : list.items)
      st.bytes += item.second.size();
    s.states.push_back(std::move(st));
  }
  for (auto& channel : state.channels) {
    state_summary st{channel_state_name(channel.direction), "channel", "bytes",
                     channel.batches.size(), 0};
    for (auto& b : channel.batches)
      st.bytes += b.bytes.size();
    s.states.push_back(std::move(st));
  }
  for (auto& sub : op.subtasks) {
    subtask_summary ss{sub.index, {}};
    for (auto& h : sub.handles)
      ss.files.push_back({handle_name(h), h.size, h.key_groups});
    s.subtasks.push_back(std::move(ss));
  }
  return s;
}

checkpoint_summary inspect_checkpoint(const fs::path& path) {
  checkpoint_summary s;
  s.location = locate_checkpoint(path);
  auto md = read_metadata_file(s.location.metadata_file);
  s.job_id = md.job_id;
  s.checkpoint_id = md.checkpoint_id;
  s.timestamp_ms = md.timestamp_ms;
  s.is_savepoint = md.is_savepoint;
  for (auto& op : md.operators)
    s.operators.push_back(summarize_operator(op, load_operator_state(s.location.dir, op)));
  return s;
}

std::string format_inspection(const checkpoint_summary& s) {
  std::string out;
  out += "path:          " + s.location.dir.string() + "\n";
  out += "job id:        " + s.job_id + "\n";
  out += "checkpoint id: " + std::to_string(s.checkpoint_id) + "\n";
  out += "time:          " + format_utc_iso8601(s.timestamp_ms) + "\n";
  out += std::string{"kind:          "} + (s.is_savepoint ? "savepoint" : "checkpoint") + "\n";
  out += "operators:     " + std::to_string(s.operators.size()) + "\n";
  for (auto& op : s.operators) {
    out += "\noperator " + op.uid + ": parallelism " + std::to_string(op.parallelism)
           + ", max parallelism " + std::to_string(op.max_parallelism) + "\n";
    if (op.states.empty()) {
      out += "  (no state)\n";
    } else {
      std::vector<std::array<std::string, 5>> rows{{"STATE", "KIND", "TYPE", "KEYS/ITEMS", "BYTES"}};
      for (auto& st : op.states)
        rows.push_back({st.name, st.kind, st.type, std::to_string(st.entries),
                        std::to_string(st.bytes)});
      out += table(rows, "  ");
    }
    for (auto& sub : op.subtasks)
      for (auto& f : sub.files)
        out += "  subtask " + std::to_string(sub.index) + ": " + f.name + " ("
               + std::to_string(f.size) + " bytes, " + range_text(f.key_groups) + ")\n";
  }
  return out;
}

uint64_t dump_state(const fs::path& path, const std::string& uid_state, std::ostream& out) {
  auto where = locate_checkpoint(path);
  auto md = read_metadata_file(where.metadata_file);
  const operator_snapshot* op = nullptr;
  for (auto& candidate : md.operators)
    if (uid_state.size() > candidate.uid.size() && uid_state.rfind(candidate.uid + "/", 0) == 0
        && (op == nullptr || candidate.uid.size() > op->uid.size()))
      op = &candidate;
  if (op == nullptr) {
    std::vector<std::string> uids;
    for (auto& o : md.operators)
      uids.push_back(o.uid);
    throw exception(ec::invalid_argument, "no operator '" + uid_state.substr(0, uid_state.find('/'))
                                            + "' in " + path.string()
                                            + "; operators: " + joined(uids));
  }
  auto name = uid_state.substr(op->uid.size() + 1);
  auto state = load_operator_state(where.dir, *op);
  uint64_t lines = 0;
  if (auto it = state.keyed.find(name); it != state.keyed.end()) {
    auto& meta = it->second.meta;
    for (auto& [key, value] : it->second.entries) {
      auto what = where.dir.string() + ": operator '" + op->uid + "' state '" + name
                  + "' key group " + std::to_string(key.first);
      out << keyed_entry_json(meta, key.first, key.second, value, what) << '\n';
      ++lines;
    }
    return lines;
  }
  if (auto it = state.lists.find(name); it != state.lists.end()) {
    for (auto& [subtask, item] : it->second.items) {
      out << list_item_json(subtask, item) << '\n';
      ++lines;
    }
    return lines;
  }
  for (auto& channel : state.channels) {
    if (channel_state_name(channel.direction) != name)
      continue;
    for (auto& b : channel.batches) {
      out << channel_batch_json(b.subtask, channel.direction, b.channel, b.seq, b.bytes) << '\n';
      ++lines;
    }
    return lines;
  }
  std::vector<std::string> names;
  for (auto& st : summarize_operator(*op, state).states)
    names.push_back(st.name);
  throw exception(ec::invalid_argument, "operator '" + op->uid + "' has no state '" + name
                                          + "'; states: " + joined(names));
}

} // namespace sluice::apps
