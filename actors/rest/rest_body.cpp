#include "actors/rest/rest_body.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace sluice::rest_body {

namespace {

using json = nlohmann::json;

constexpr size_t max_depth = 32;

/// Reads one field's value (never null: null means absent); an error
/// message when it has the wrong type or value.
using field_reader = std::function<std::optional<std::string>(const json&)>;

struct field {
  std::string_view name;
  field_reader read;
};

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
      return false;
  return true;
}

/// Nesting depth of arrays and objects, strings skipped; stops counting
/// once past `max_depth`.
size_t nesting(std::string_view s) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size() && deepest <= max_depth; ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

/// Nullopt when `body` is empty or an object whose fields all are in
/// `fields` and read fine; else the first problem.
std::optional<std::string> read_fields(std::string_view body, const std::vector<field>& fields) {
  if (blank(body))
    return std::nullopt;
  if (nesting(body) > max_depth)
    return "request body nests deeper than " + std::to_string(max_depth) + " levels";
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded())
    return std::string{"request body is not valid JSON"};
  if (!j.is_object())
    return std::string{"request body must be a JSON object"};
  for (auto& [key, value] : j.items()) {
    const field* f = nullptr;
    for (auto& candidate : fields)
      if (candidate.name == key)
        f = &candidate;
    if (f == nullptr) {
      std::string known;
      for (auto& candidate : fields)
        known += (known.empty() ? "" : ", ") + std::string{candidate.name};
      return "unknown field \"" + key.substr(0, 64) + "\" in request body (known: " + known + ")";
    }
    if (value.is_null())
      continue;
    if (auto err = f->read(value))
      return err;
  }
  return std::nullopt;
}

field string_field(std::string_view name, std::optional<std::string>& out) {
  return {name, [name, &out](const json& v) -> std::optional<std::string> {
            if (!v.is_string())
              return "field \"" + std::string{name} + "\" must be a string";
            auto s = v.get<std::string>();
            if (s.empty())
              return "field \"" + std::string{name} + "\" must not be empty";
            out = std::move(s);
            return std::nullopt;
          }};
}

field bool_field(std::string_view name, bool& out) {
  return {name, [name, &out](const json& v) -> std::optional<std::string> {
            if (!v.is_boolean())
              return "field \"" + std::string{name} + "\" must be true or false";
            out = v.get<bool>();
            return std::nullopt;
          }};
}

field trigger_id_field(std::optional<std::string>& out) {
  return {"triggerId", [&out](const json& v) -> std::optional<std::string> {
            if (!v.is_string() || !is_rest_id(v.get_ref<const std::string&>()))
              return std::string{"field \"triggerId\" must be 32 lowercase hex digits"};
            out = v.get<std::string>();
            return std::nullopt;
          }};
}

/// A string field with a fixed set of values.
template <class Enum>
field enum_field(std::string_view name, Enum& out,
                 std::vector<std::pair<std::string_view, Enum>> values) {
  return {name, [name, &out, values = std::move(values)](const json& v)
                  -> std::optional<std::string> {
            if (v.is_string())
              for (auto& [text, value] : values)
                if (v.get_ref<const std::string&>() == text) {
                  out = value;
                  return std::nullopt;
                }
            std::string allowed;
            for (auto& [text, value] : values)
              allowed += (allowed.empty() ? "" : ", ") + std::string{text};
            return "field \"" + std::string{name} + "\" must be one of " + allowed;
          }};
}

field format_field(rest_savepoint_format& out) {
  return enum_field<rest_savepoint_format>(
    "formatType", out,
    {{"CANONICAL", rest_savepoint_format::canonical}, {"NATIVE", rest_savepoint_format::native}});
}

} // namespace

parsed<rest_savepoint_request> savepoint_request(std::string_view body) {
  rest_savepoint_request r;
  auto err = read_fields(body, {string_field("target-directory", r.target_directory),
                                bool_field("cancel-job", r.cancel_job),
                                trigger_id_field(r.trigger_id), format_field(r.format)});
  if (err)
    return *err;
  return r;
}

parsed<rest_stop_request> stop_request(std::string_view body) {
  rest_stop_request r;
  auto err = read_fields(body, {string_field("targetDirectory", r.target_directory),
                                bool_field("drain", r.drain), trigger_id_field(r.trigger_id),
                                format_field(r.format)});
  if (err)
    return *err;
  return r;
}

parsed<rest_checkpoint_request> checkpoint_request(std::string_view body) {
  rest_checkpoint_request r;
  auto err = read_fields(
    body, {enum_field<rest_checkpoint_type>("checkpointType", r.type,
                                            {{"CONFIGURED", rest_checkpoint_type::configured},
                                             {"FULL", rest_checkpoint_type::full},
                                             {"INCREMENTAL", rest_checkpoint_type::incremental}}),
           trigger_id_field(r.trigger_id)});
  if (err)
    return *err;
  return r;
}

} // namespace sluice::rest_body
