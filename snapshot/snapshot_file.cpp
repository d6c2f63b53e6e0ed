#include "snapshot/snapshot_file.hpp"

#include "snapshot/crc32c.hpp"
#include "snapshot/error.hpp"
#include "snapshot/fs_util.hpp"

#include "snapshot.capnp.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <optional>
#include <sstream>
#include <utility>

#include <capnp/serialize.h>
#include <kj/exception.h>
#include <kj/io.h>

namespace sluice {

namespace sf = snapshot_format;

static_assert(sf::current_version == schema::FORMAT_VERSION,
              "snapshot_format.hpp and snapshot.capnp disagree on the format version");
static_assert(sf::header_size % sizeof(capnp::word) == 0, "the body must stay word-aligned");

namespace {

uint32_t load_u32(const char* p) noexcept {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint64_t load_u64(const char* p) noexcept {
  return uint64_t{load_u32(p)} | (uint64_t{load_u32(p + 4)} << 32);
}

void store_u32(char* p, uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<char>(static_cast<unsigned char>(v >> (8 * i)));
}

void store_u64(char* p, uint64_t v) noexcept {
  store_u32(p, static_cast<uint32_t>(v));
  store_u32(p + 4, static_cast<uint32_t>(v >> 32));
}

std::array<char, sf::header_size> encode_header(snapshot_file_kind kind, uint64_t body_length,
                                                uint32_t body_crc) {
  std::array<char, sf::header_size> h{};
  std::memcpy(h.data(), sf::magic.data(), sf::magic.size());
  store_u32(h.data() + sf::version_offset, sf::current_version);
  store_u32(h.data() + sf::kind_offset, static_cast<uint32_t>(kind));
  store_u64(h.data() + sf::body_length_offset, body_length);
  store_u32(h.data() + sf::body_crc_offset, body_crc);
  store_u32(h.data() + sf::header_crc_offset, crc32c(h.data(), sf::header_crc_offset));
  return h;
}

std::string hex32(uint32_t v) {
  std::ostringstream out;
  out << "0x" << std::hex << v;
  return out.str();
}

bool known_kind(uint32_t k) noexcept {
  return k == static_cast<uint32_t>(snapshot_file_kind::metadata)
         || k == static_cast<uint32_t>(snapshot_file_kind::state);
}

/// Checks the header of `bytes` and returns the body.
std::string_view checked_body(std::string_view bytes, std::string_view name,
                              snapshot_file_kind expected) {
  if (bytes.empty())
    throw_corrupt_file(name, "empty file");
  auto magic_len = std::min(bytes.size(), sf::magic.size());
  if (std::memcmp(bytes.data(), sf::magic.data(), magic_len) != 0)
    throw_corrupt_file(name, "not a sluice snapshot file (bad magic number)");
  if (bytes.size() < sf::header_size)
    throw_corrupt_file(name, "truncated header (" + std::to_string(bytes.size()) + " of "
                               + std::to_string(sf::header_size) + " bytes)");
  const char* h = bytes.data();
  auto version = load_u32(h + sf::version_offset);
  if (version > sf::current_version)
    throw_corrupt_file(name, "format version " + std::to_string(version)
                               + " is newer than this build reads (up to "
                               + std::to_string(sf::current_version)
                               + "); use a newer sluice");
  if (version < sf::oldest_readable_version)
    throw_corrupt_file(name, "unsupported format version " + std::to_string(version));
  auto stored_header_crc = load_u32(h + sf::header_crc_offset);
  auto header_crc = crc32c(h, sf::header_crc_offset);
  if (stored_header_crc != header_crc)
    throw_corrupt_file(name, "header checksum mismatch (stored " + hex32(stored_header_crc)
                               + ", computed " + hex32(header_crc) + ")");
  auto kind = load_u32(h + sf::kind_offset);
  if (!known_kind(kind))
    throw_corrupt_file(name, "unknown file kind " + std::to_string(kind));
  if (kind != static_cast<uint32_t>(expected))
    throw_corrupt_file(name, std::string{"is a "} + to_string(snapshot_file_kind{kind})
                               + " file, expected a " + to_string(expected) + " file");
  auto body_length = load_u64(h + sf::body_length_offset);
  auto present = bytes.size() - sf::header_size;
  if (body_length > present)
    throw_corrupt_file(name, "truncated: header announces " + std::to_string(body_length)
                               + " body bytes, " + std::to_string(present) + " present");
  if (body_length < present)
    throw_corrupt_file(name, std::to_string(present - body_length)
                               + " unexpected bytes after the body");
  if (body_length == 0)
    throw_corrupt_file(name, "empty body");
  if (body_length % sizeof(capnp::word) != 0)
    throw_corrupt_file(name, "body length " + std::to_string(body_length)
                               + " is not a multiple of 8");
  auto body = bytes.substr(sf::header_size);
  auto stored_body_crc = load_u32(h + sf::body_crc_offset);
  auto body_crc = crc32c(body);
  if (stored_body_crc != body_crc)
    throw_corrupt_file(name, "body checksum mismatch (stored " + hex32(stored_body_crc)
                               + ", computed " + hex32(body_crc) + ")");
  return body;
}

/// kj::OutputStream over a writer's sink, counting and checksumming.
struct sink_stream final : kj::OutputStream {
  std::function<void(const void*, size_t)> append;
  crc32c_hasher crc;
  uint64_t size = 0;

  using kj::OutputStream::write;
  void write(const void* buffer, size_t n) override {
    append(buffer, n);
    crc.update(buffer, n);
    size += n;
  }
};

} // namespace

const char* to_string(snapshot_file_kind kind) noexcept {
  switch (kind) {
    case snapshot_file_kind::metadata: return "metadata";
    case snapshot_file_kind::state: return "state";
  }
  return "unknown";
}

capnp::ReaderOptions snapshot_reader_options(size_t message_words) noexcept {
  capnp::ReaderOptions options;
  uint64_t limit = sf::traversal_factor * message_words + sf::traversal_slack_words;
  options.traversalLimitInWords = std::min<uint64_t>(sf::traversal_limit_words, limit);
  options.nestingLimit = sf::nesting_limit;
  return options;
}

void throw_corrupt_file(std::string_view name, std::string_view what) {
  throw exception(ec::corrupt_file, std::string{name} + ": " + std::string{what});
}

size_t read_snapshot_messages(std::string_view bytes, std::string_view name,
                              snapshot_file_kind kind,
                              const snapshot_message_handler& on_message) {
  auto body = checked_body(bytes, name, kind);
  // Cap'n Proto reads words in place: copy a misaligned body once.
  kj::Array<capnp::word> copy;
  const capnp::word* begin;
  if (reinterpret_cast<uintptr_t>(body.data()) % alignof(capnp::word) == 0) {
    begin = reinterpret_cast<const capnp::word*>(body.data());
  } else {
    copy = kj::heapArray<capnp::word>(body.size() / sizeof(capnp::word));
    std::memcpy(copy.begin(), body.data(), body.size());
    begin = copy.begin();
  }
  const capnp::word* end = begin + body.size() / sizeof(capnp::word);
  size_t index = 0;
  for (auto pos = begin; pos != end; ++index) {
    auto offset = static_cast<size_t>(pos - begin) * sizeof(capnp::word);
    try {
      // A first reader only parses the segment table (where the message
      // ends); the second reads the message with a traversal limit derived
      // from its size.
      capnp::FlatArrayMessageReader framing({pos, end}, snapshot_reader_options());
      auto next = framing.getEnd();
      if (next <= pos || next > end)
        throw_corrupt_file(name, "message " + std::to_string(index) + " at body offset "
                                   + std::to_string(offset) + " has a bad segment table");
      auto words = static_cast<size_t>(next - pos);
      if (words * sizeof(capnp::word) > sf::max_message_bytes)
        throw_corrupt_file(name, "message " + std::to_string(index) + " is "
                                   + std::to_string(words * sizeof(capnp::word))
                                   + " bytes, over the format's limit of "
                                   + std::to_string(sf::max_message_bytes));
      capnp::FlatArrayMessageReader reader({pos, next}, snapshot_reader_options(words));
      on_message(reader, index);
      pos = next;
    } catch (const kj::Exception& e) {
      throw_corrupt_file(name, "message " + std::to_string(index) + " at body offset "
                                 + std::to_string(offset) + ": "
                                 + e.getDescription().cStr());
    }
  }
  return index;
}

// --- writer -----------------------------------------------------------------------

struct snapshot_file_writer::impl {
  std::string name;
  snapshot_file_kind kind;
  std::optional<output_file> file; // file writer
  std::string memory;              // memory writer: the whole image
  sink_stream stream;
  size_t messages = 0;
  bool finished = false;
  bool taken = false;

  impl(std::string n, snapshot_file_kind k) : name(std::move(n)), kind(k) {
  }
};

snapshot_file_writer::snapshot_file_writer(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

snapshot_file_writer snapshot_file_writer::to_file(const std::filesystem::path& path,
                                                   snapshot_file_kind kind) {
  auto p = std::make_unique<impl>(path.string(), kind);
  p->file.emplace(path);
  auto* f = &*p->file;
  std::array<char, sf::header_size> placeholder{};
  f->write(placeholder.data(), placeholder.size());
  p->stream.append = [f](const void* data, size_t n) { f->write(data, n); };
  return snapshot_file_writer{std::move(p)};
}

snapshot_file_writer snapshot_file_writer::to_memory(std::string name,
                                                     snapshot_file_kind kind) {
  auto p = std::make_unique<impl>(std::move(name), kind);
  p->memory.assign(sf::header_size, '\0');
  auto* m = &p->memory;
  p->stream.append = [m](const void* data, size_t n) {
    m->append(static_cast<const char*>(data), n);
  };
  return snapshot_file_writer{std::move(p)};
}

snapshot_file_writer::snapshot_file_writer(snapshot_file_writer&&) noexcept = default;
snapshot_file_writer& snapshot_file_writer::operator=(snapshot_file_writer&&) noexcept
  = default;

snapshot_file_writer::~snapshot_file_writer() {
  if (!impl_ || !impl_->file || impl_->finished)
    return;
  auto path = impl_->file->path();
  impl_->file.reset(); // closes
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

void snapshot_file_writer::write_message(capnp::MessageBuilder& message) {
  assert(impl_ && !impl_->finished);
  auto bytes = capnp::computeSerializedSizeInWords(message) * sizeof(capnp::word);
  if (bytes > sf::max_message_bytes)
    throw exception(ec::io_error, impl_->name + ": message of " + std::to_string(bytes)
                                    + " bytes exceeds the format's limit of "
                                    + std::to_string(sf::max_message_bytes));
  capnp::writeMessage(impl_->stream, message);
  ++impl_->messages;
}

uint64_t snapshot_file_writer::body_size() const noexcept {
  return impl_->stream.size;
}

uint64_t snapshot_file_writer::finish() {
  assert(impl_ && !impl_->finished && impl_->messages > 0);
  auto header = encode_header(impl_->kind, impl_->stream.size, impl_->stream.crc.value());
  if (impl_->file) {
    impl_->file->write_at(0, header.data(), header.size());
    impl_->file->sync();
    impl_->file->close();
  } else {
    std::memcpy(impl_->memory.data(), header.data(), header.size());
  }
  impl_->finished = true;
  return sf::header_size + impl_->stream.size;
}

std::string snapshot_file_writer::take_bytes() {
  assert(impl_ && impl_->finished && !impl_->file && !impl_->taken);
  impl_->taken = true;
  return std::move(impl_->memory);
}

const std::string& snapshot_file_writer::name() const noexcept {
  return impl_->name;
}

} // namespace sluice
