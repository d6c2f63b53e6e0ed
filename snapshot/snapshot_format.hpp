// Constants of the on-disk snapshot format, version 1 (constants only, like
// LevelDB's log_format.h). Every file sluice writes for a checkpoint or
// savepoint -- `_metadata` and state files -- is a snapshot file:
//
//   offset size  field (all integers little-endian)
//        0    8  magic            89 53 4C 43 0D 0A 1A 0A  ("\x89SLC\r\n\x1a\n")
//        8    4  format version   1 (= schema::FORMAT_VERSION)
//       12    4  file kind        1 = metadata, 2 = state (snapshot_file_kind)
//       16    8  body length      bytes after the header, a multiple of 8
//       24    4  body CRC32C      of the body bytes
//       28    4  header CRC32C    of header bytes 0..27
//       32       body: one or more Cap'n Proto messages, each in Cap'n
//                Proto's standard framing (segment table, then segments),
//                back to back. `_metadata`: exactly one CheckpointMetadata;
//                state files: one StateFileChunk per message.
//
// Magic and version stay at offsets 0 and 8 in every future version, so an
// old reader can always say "newer format" instead of "corrupt". The magic
// (like PNG's) also catches text-mode and 7-bit transfers. Schemas are in
// snapshot/schema/snapshot.capnp; readers and writers in snapshot_file.hpp.
#pragma once

#include "snapshot/file_names.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::snapshot_format {

inline constexpr std::array<unsigned char, 8> magic = {0x89, 'S', 'L', 'C', '\r', '\n', 0x1A,
                                                      '\n'};

/// The version this build writes and the newest it reads.
inline constexpr uint32_t current_version = 1;

/// The oldest version this build reads.
inline constexpr uint32_t oldest_readable_version = 1;

inline constexpr size_t header_size = 32;

// Byte offsets of the header fields.
inline constexpr size_t version_offset = 8;
inline constexpr size_t kind_offset = 12;
inline constexpr size_t body_length_offset = 16;
inline constexpr size_t body_crc_offset = 24;
inline constexpr size_t header_crc_offset = 28;

/// Largest Cap'n Proto message a reader accepts. Writers stay far below.
inline constexpr size_t max_message_bytes = size_t{256} << 20;

/// Upper bound of every reader's traversal limit, in 8-byte words.
inline constexpr uint64_t traversal_limit_words = max_message_bytes / 8;

/// A reader's traversal limit for one message of n words is
/// traversal_factor * n + traversal_slack_words (at most
/// traversal_limit_words): our decoders read each word once, so this is
/// never reached by a valid message, and a crafted one cannot amplify.
inline constexpr uint64_t traversal_factor = 2;
inline constexpr uint64_t traversal_slack_words = 1024;

/// Nesting limit of every reader. The deepest path of the schema
/// (StateFileChunk > keyed > sections > keyGroups > entries > value) is
/// 8 pointers deep; anything deeper is not ours.
inline constexpr int nesting_limit = 16;

/// State files cut a new message (chunk) once the current one holds this
/// many bytes of keys, values, items and batches.
inline constexpr size_t chunk_target_bytes = size_t{4} << 20;

/// Largest single item a state file holds: key + value of one keyed entry,
/// one operator list item, one channel batch. Keeps every message (at most
/// chunk_target_bytes + one item + structure) far below max_message_bytes.
inline constexpr size_t max_item_bytes = size_t{64} << 20;

// metadata_file_name: snapshot/file_names.hpp.

} // namespace sluice::snapshot_format
