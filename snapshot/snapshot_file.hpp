// The snapshot file container: raw header (magic, format version, file kind,
// body length, CRC32C; layout in snapshot_format.hpp) followed by Cap'n Proto
// messages. Shared by `_metadata` (checkpoint_metadata.hpp) and state files
// (state_file_writer.hpp, state_file_reader.hpp); callers normally use those.
//
// Reading validates everything before a message is parsed and turns every
// problem -- short file, bad magic, newer version, wrong kind, length or CRC
// mismatch, a Cap'n Proto error (kj::Exception) -- into
// sluice::exception(ec::corrupt_file, "<name>: <what is wrong>"). Writing
// fails with ec::io_error naming the file.
//
// Plain code without CAF. Not thread-safe per object; distinct objects may be
// used from distinct threads.
#pragma once

#include "snapshot/snapshot_format.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <capnp/message.h>

namespace sluice {

/// What a snapshot file holds (header field "file kind").
enum class snapshot_file_kind : uint32_t {
  /// `_metadata`: one CheckpointMetadata message.
  metadata = 1,
  /// A state file: StateFileChunk messages.
  state = 2,
};

/// "metadata", "state" or "unknown".
const char* to_string(snapshot_file_kind kind) noexcept;

/// The ReaderOptions of every snapshot reader (set explicitly, not Cap'n
/// Proto's defaults): nesting limit snapshot_format::nesting_limit;
/// traversal limit traversal_factor * message_words + traversal_slack_words,
/// at most traversal_limit_words. Our decoders visit each word of a message
/// once, so a valid message never reaches it, while a crafted list of
/// zero-sized elements (which costs Cap'n Proto one word per element) cannot
/// make a small file produce millions of items.
capnp::ReaderOptions snapshot_reader_options(
  size_t message_words = snapshot_format::traversal_limit_words) noexcept;

/// Throws sluice::exception(ec::corrupt_file, "<name>: <what>").
[[noreturn]] void throw_corrupt_file(std::string_view name, std::string_view what);

/// Receives the messages of a file body in order; `index` counts from 0. It
/// may throw kj::Exception (any Cap'n Proto accessor on bad data does):
/// read_snapshot_messages turns it into ec::corrupt_file naming the file and
/// the message. A sluice::exception passes through unchanged.
using snapshot_message_handler
  = std::function<void(capnp::MessageReader& message, size_t index)>;

/// Validates `bytes`, the complete image of the snapshot file `name` (read
/// from disk or kept by the memory storage), as a file of `kind`: magic,
/// version, header CRC, kind, body length, body CRC -- then calls
/// `on_message` for every message of the body and returns how many there
/// were. `bytes` need not be aligned (a misaligned body is copied once).
/// Throws ec::corrupt_file "<name>: ..." on any problem, including an empty
/// body. When a message turns out bad after earlier messages were handed
/// out, it still throws: callers discard what they built from the file.
size_t read_snapshot_messages(std::string_view bytes, std::string_view name,
                              snapshot_file_kind kind,
                              const snapshot_message_handler& on_message);

/// Writes one snapshot file: a placeholder header, the messages, and on
/// finish() the real header. Move-only; one thread at a time.
///
/// A file writer creates (truncates) its file right away; finish() writes
/// the header and fsyncs and closes the file. A writer destroyed before
/// finish() (or after a failed one) removes its file, so no file with a
/// half-written body and a valid header can exist. (The placeholder header
/// is all zeros: a crash mid-write leaves a file readers reject as "bad
/// magic".)
class snapshot_file_writer {
public:
  /// A writer of the file at `path`. Throws ec::io_error when it cannot be
  /// created.
  static snapshot_file_writer to_file(const std::filesystem::path& path,
                                      snapshot_file_kind kind);

  /// A writer into memory (the `memory` checkpoint storage); `name` only
  /// appears in error messages.
  static snapshot_file_writer to_memory(std::string name, snapshot_file_kind kind);

  snapshot_file_writer(snapshot_file_writer&&) noexcept;
  snapshot_file_writer& operator=(snapshot_file_writer&&) noexcept;
  ~snapshot_file_writer();

  /// Appends `message` in Cap'n Proto's standard framing. Throws
  /// ec::io_error on a write error or when the message exceeds
  /// snapshot_format::max_message_bytes.
  void write_message(capnp::MessageBuilder& message);

  /// Body bytes written so far.
  uint64_t body_size() const noexcept;

  /// Completes the file and returns its size in bytes (header + body). Call
  /// once, after at least one message.
  uint64_t finish();

  /// The file image of a memory writer, after finish(). Call once.
  std::string take_bytes();

  /// The path or memory name given at creation.
  const std::string& name() const noexcept;

private:
  struct impl;
  explicit snapshot_file_writer(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace sluice
