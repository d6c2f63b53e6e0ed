// Rendering of keyed state, list items and in-flight batches as JSON for
// `sluice inspect --dump` (apps/cli/state_inspector.hpp), and recognition of a
// keyed state's value type from the type fingerprint its state file records.
//
// A state file stores no codec or type name, only a 64-bit fingerprint
// (snapshot/type_fingerprint.hpp, snapshot/keyed_state_base.hpp). We
// recognise the fingerprints of common types by computing the fingerprints
// of candidate type descriptions: the scalars (bool, i8..i64, u8..u64, f32,
// f64, string), and seq/optional of a scalar and tuple of two scalars, for
// value, reducing and aggregating state; those element types for list state;
// maps of a scalar to a scalar; each also with time-to-live. A recognised
// value is decoded with CAF's binary deserializer following the description;
// anything else stays opaque bytes. Keys are never typed in a state file
// (key_codec bytes: raw for strings, little-endian for numbers): they are
// rendered as bytes.
//
// Bytes are rendered as a JSON string when they are valid UTF-8 without
// control characters, otherwise as {"hex":"..."}.
//
// Pure functions, thread-safe (the fingerprint table is built once, under a
// static's guard). No nlohmann type appears here: results are JSON text.
#pragma once

#include "snapshot/state_file.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::apps {

/// A keyed state's value type as recognised from its fingerprint.
struct recognized_state_type {
  /// "value", "reducing", "aggregating", "list" or "map".
  std::string kind;
  /// The serialized form, as type_description<T>() writes it: "i64",
  /// "string", "seq(i32)", "tuple(string,f64)"; for a list state the
  /// element type, for a map state "tuple(UK,UV)".
  std::string type;
  /// Entries carry an 8-byte big-endian timestamp before the value.
  bool ttl = false;
};

/// The type of keyed state `state`, or nullopt when its fingerprint is none
/// of the candidates (user types, nested containers, ...) or does not fit
/// its recorded kind.
std::optional<recognized_state_type> recognize_state_type(const keyed_state_meta& state);

/// What `inspect` prints as a state's kind: "value", "list", "map", or the
/// recognised "reducing"/"aggregating" (a value state on disk).
std::string state_kind_name(const keyed_state_meta& state);

/// What `inspect` prints as a state's type: the recognised description
/// (", ttl" appended) or "unknown (fingerprint 0x...)".
std::string state_type_name(const keyed_state_meta& state);

/// Whether `bytes` are valid UTF-8 (no overlong forms, surrogates or code
/// points above U+10FFFF) without C0/C1 control characters or DEL.
bool is_printable_utf8(std::string_view bytes);

/// `bytes` as JSON text: a string when is_printable_utf8, else
/// {"hex":"<lowercase hex>"}.
std::string bytes_json(std::string_view bytes);

/// Decodes `bytes` as `type` (a description from recognize_state_type,
/// without the TTL timestamp) into JSON text: numbers, strings (as
/// bytes_json), arrays for seq and tuple, null for an empty optional.
/// Throws sluice::exception(ec::corrupt_file, "<what>: cannot decode
/// <type> from N bytes: ...") when the bytes do not fit.
std::string decode_value_json(const std::string& type, std::string_view bytes,
                              std::string_view what);

/// One keyed entry as a JSON line (no newline):
/// {"key_group":7,"key":<bytes_json>,"value":<decoded or bytes_json>}; with
/// TTL also "ttl_stamp_ms". A map state's value is an array of [key, value]
/// pairs, a list state's an array. `what` names the entry in errors.
std::string keyed_entry_json(const keyed_state_meta& state, uint32_t key_group,
                             std::string_view key, std::string_view value,
                             std::string_view what);

/// {"subtask":0,"item":<bytes_json>}
std::string list_item_json(uint32_t subtask, std::string_view item);

/// {"subtask":0,"direction":"input","channel":2,"seq":41,"batch":<bytes_json>}
std::string channel_batch_json(uint32_t subtask, channel_direction direction, uint32_t channel,
                               uint64_t seq, std::string_view batch);

} // namespace sluice::apps
