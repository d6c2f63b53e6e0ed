#include "apps/cli/state_json.hpp"

#include "snapshot/error.hpp"
#include "snapshot/keyed_state_base.hpp"
#include "snapshot/type_fingerprint.hpp"

#include <cstdio>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/error.hpp>
#include <nlohmann/json.hpp>

namespace sluice::apps {

namespace {

using json = nlohmann::ordered_json;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json bytes_value(std::string_view bytes) {
  if (is_printable_utf8(bytes))
    return std::string{bytes};
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * bytes.size());
  for (unsigned char c : bytes) {
    hex += digits[c >> 4];
    hex += digits[c & 0xF];
  }
  return json{{"hex", std::move(hex)}};
}

// --- fingerprint recognition --------------------------------------------------

const std::vector<std::string>& scalar_types() {
  static const std::vector<std::string> types{"bool", "i8",  "i16", "i32", "i64", "u8",
                                              "u16",  "u32", "u64", "f32", "f64", "string"};
  return types;
}

using fingerprint_table = std::unordered_map<uint64_t, recognized_state_type>;

fingerprint_table build_table() {
  fingerprint_table table;
  auto add = [&](const std::string& kind, const std::string& type, uint64_t fp) {
    table.emplace(fp, recognized_state_type{kind, type, false});
    table.emplace(ttl_fingerprint(fp), recognized_state_type{kind, type, true});
  };
  std::vector<std::string> values;
  std::vector<std::string> pairs;
  for (auto& a : scalar_types()) {
    values.push_back(a);
    values.push_back("seq(" + a + ")");
    values.push_back("optional(" + a + ")");
    for (auto& b : scalar_types())
      pairs.push_back("tuple(" + a + "," + b + ")");
  }
  values.insert(values.end(), pairs.begin(), pairs.end());
  for (auto& v : values) {
    add("value", v, detail::fnv1a_64("sluice-v1:" + v));
    add("reducing", v, detail::kind_fingerprint("reducing", v));
    add("aggregating", v, detail::kind_fingerprint("aggregating", v));
    add("list", v, detail::kind_fingerprint("list", v));
  }
  for (auto& p : pairs)
    add("map", p, detail::kind_fingerprint("map", p));
  return table;
}

state_kind stored_kind(const std::string& kind) {
  if (kind == "list")
    return state_kind::list;
  if (kind == "map")
    return state_kind::map;
  return state_kind::value;
}

// --- decoding along a type description -----------------------------------------

struct type_node {
  std::string name; // a scalar, or "seq", "tuple", "optional"
  std::vector<type_node> children;
};

/// Parses "name" or "name(child,child...)"; throws std::runtime_error.
type_node parse_type(std::string_view text, size_t& pos) {
  type_node node;
  while (pos < text.size() && text[pos] != '(' && text[pos] != ',' && text[pos] != ')')
    node.name += text[pos++];
  if (node.name.empty())
    throw std::runtime_error("malformed type description");
  if (pos < text.size() && text[pos] == '(') {
    do {
      ++pos;
      node.children.push_back(parse_type(text, pos));
    } while (pos < text.size() && text[pos] == ',');
    if (pos >= text.size() || text[pos] != ')')
      throw std::runtime_error("malformed type description");
    ++pos;
  }
  return node;
}

void check(const caf::error& err) {
  if (err)
    throw std::runtime_error(caf::to_string(err));
}

template <class T>
json read_number(caf::binary_deserializer& src) {
  T x{};
  check(src.apply(x));
  return x;
}

size_t read_length(caf::binary_deserializer& src, const char* what) {
  size_t n = 0;
  check(src.begin_sequence(n));
  if (n > src.remaining()) // every element takes at least one byte
    throw std::runtime_error(std::string{what} + " of " + std::to_string(n)
                             + " elements cannot fit in the remaining "
                             + std::to_string(src.remaining()) + " bytes");
  return n;
}

json read_scalar(const std::string& name, caf::binary_deserializer& src) {
  if (name == "bool") {
    bool b = false;
    check(src.apply(b));
    return b;
  }
  if (name == "i8")
    return read_number<int8_t>(src);
  if (name == "i16")
    return read_number<int16_t>(src);
  if (name == "i32")
    return read_number<int32_t>(src);
  if (name == "i64")
    return read_number<int64_t>(src);
  if (name == "u8")
    return read_number<uint8_t>(src);
  if (name == "u16")
    return read_number<uint16_t>(src);
  if (name == "u32")
    return read_number<uint32_t>(src);
  if (name == "u64")
    return read_number<uint64_t>(src);
  if (name == "f32")
    return read_number<float>(src);
  if (name == "f64")
    return read_number<double>(src);
  if (name == "string") {
    auto n = read_length(src, "string");
    std::string s(n, '\0');
    check(src.apply_raw(n, s.data()));
    check(src.end_sequence());
    return bytes_value(s);
  }
  throw std::runtime_error("unsupported type '" + name + "'");
}

json read_value(const type_node& type, caf::binary_deserializer& src) {
  if (type.name == "seq" && type.children.size() == 1) {
    auto n = read_length(src, "sequence");
    auto out = json::array();
    for (size_t i = 0; i < n; ++i)
      out.push_back(read_value(type.children[0], src));
    check(src.end_sequence());
    return out;
  }
  if (type.name == "tuple") {
    auto out = json::array();
    for (auto& child : type.children)
      out.push_back(read_value(child, src));
    return out;
  }
  if (type.name == "optional" && type.children.size() == 1) {
    bool engaged = false;
    check(src.apply(engaged));
    return engaged ? read_value(type.children[0], src) : json(nullptr);
  }
  return read_scalar(type.name, src);
}

json decode(const std::string& type, std::string_view bytes, std::string_view what) {
  try {
    size_t pos = 0;
    auto node = parse_type(type, pos);
    if (pos != type.size())
      throw std::runtime_error("malformed type description");
    caf::binary_deserializer src{nullptr, bytes.data(), bytes.size()};
    auto result = read_value(node, src);
    if (src.remaining() != 0)
      throw std::runtime_error(std::to_string(src.remaining())
                               + " bytes left over (type mismatch?)");
    return result;
  } catch (const std::runtime_error& e) {
    throw exception(ec::corrupt_file, std::string{what} + ": cannot decode " + type + " from "
                                        + std::to_string(bytes.size()) + " bytes: " + e.what());
  }
}

} // namespace

std::optional<recognized_state_type> recognize_state_type(const keyed_state_meta& state) {
  static const fingerprint_table table = build_table();
  auto i = table.find(state.type_fingerprint);
  if (i == table.end() || stored_kind(i->second.kind) != state.kind)
    return std::nullopt;
  return i->second;
}

std::string state_kind_name(const keyed_state_meta& state) {
  if (auto t = recognize_state_type(state))
    return t->kind;
  switch (state.kind) {
    case state_kind::list:
      return "list";
    case state_kind::map:
      return "map";
    case state_kind::value:
      break;
  }
  return "value";
}

std::string state_type_name(const keyed_state_meta& state) {
  if (auto t = recognize_state_type(state))
    return t->type + (t->ttl ? ", ttl" : "");
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%016llx",
                static_cast<unsigned long long>(state.type_fingerprint));
  return std::string{"unknown (fingerprint "} + buf + ")";
}

bool is_printable_utf8(std::string_view s) {
  static constexpr uint32_t min_code_point[] = {0, 0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0;
    size_t len = 0;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1Fu;
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0Fu;
      len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07u;
      len = 4;
    } else {
      return false;
    }
    if (i + len > s.size())
      return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if (cp < min_code_point[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
      return false;
    i += len;
  }
  return true;
}

std::string bytes_json(std::string_view bytes) {
  return dump(bytes_value(bytes));
}

std::string decode_value_json(const std::string& type, std::string_view bytes,
                              std::string_view what) {
  return dump(decode(type, bytes, what));
}

std::string keyed_entry_json(const keyed_state_meta& state, uint32_t key_group,
                             std::string_view key, std::string_view value,
                             std::string_view what) {
  json line;
  line["key_group"] = key_group;
  line["key"] = bytes_value(key);
  auto type = recognize_state_type(state);
  if (!type) {
    line["value"] = bytes_value(value);
    return dump(line);
  }
  if (type->ttl) {
    if (value.size() < 8)
      throw exception(ec::corrupt_file, std::string{what} + ": entry with time-to-live has "
                                          + std::to_string(value.size())
                                          + " bytes, less than its 8-byte timestamp");
    uint64_t stamp = 0;
    for (size_t i = 0; i < 8; ++i)
      stamp = (stamp << 8) | static_cast<unsigned char>(value[i]);
    value.remove_prefix(8);
    line["ttl_stamp_ms"] = static_cast<int64_t>(stamp);
  }
  auto whole = type->kind == "list" || type->kind == "map" ? "seq(" + type->type + ")"
                                                            : type->type;
  line["value"] = decode(whole, value, what);
  return dump(line);
}

std::string list_item_json(uint32_t subtask, std::string_view item) {
  json line;
  line["subtask"] = subtask;
  line["item"] = bytes_value(item);
  return dump(line);
}

std::string channel_batch_json(uint32_t subtask, channel_direction direction, uint32_t channel,
                               uint64_t seq, std::string_view batch) {
  json line;
  line["subtask"] = subtask;
  line["direction"] = direction == channel_direction::input ? "input" : "output";
  line["channel"] = channel;
  line["seq"] = seq;
  line["batch"] = bytes_value(batch);
  return dump(line);
}

} // namespace sluice::apps
