// Serialized record batches, for the channel state of unaligned checkpoints
// (in-flight batches persisted with state_file_writer::add_channel_batch).
//
// A batch_codec is a pair of plain function pointers bound to one record
// type T: the output gate picks the codec when it learns its record type and
// encodes batch by batch; restore decodes the bytes back into a batch_ptr.
// The bytes are CAF 0.17's binary serialization of the pair (std::vector<T>
// of records, std::vector<int64_t> of their timestamps, empty when none)
// (snapshot/state_codec.hpp); `type_fingerprint` is
// type_fingerprint<std::vector<T>>() for callers that store it beside the
// bytes and check it before decoding.
//
// Stateless and thread-safe: encode and decode may run on any thread.
#pragma once

#include "actors/contract/batch.hpp"
#include "snapshot/error.hpp"
#include "snapshot/state_codec.hpp"

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <typeinfo>
#include <vector>

namespace sluice {

struct batch_codec {
  /// Appends the serialized records of `b` to `out`. Precondition:
  /// b.record_type() is the codec's record type. Throws
  /// sluice::exception(ec::not_serializable) if a record's inspect() fails.
  void (*encode)(const batch& b, std::string& out) = nullptr;

  /// Rebuilds a batch from exactly the bytes encode appended; throws
  /// sluice::exception(ec::corrupt_file, "<what>: ...") on bad bytes
  /// (truncated, malformed, bytes left over).
  batch_ptr (*decode)(std::string_view bytes, std::string_view what) = nullptr;

  /// type_fingerprint<std::vector<T>>(); 0 for the empty codec.
  uint64_t type_fingerprint = 0;

  /// False for the empty codec (records that cannot be serialized).
  explicit operator bool() const noexcept {
    return encode != nullptr;
  }
};

/// The codec of batches of T; the empty codec when !is_serializable_v<T>
/// (a job with such records cannot take unaligned checkpoints: the caller
/// reports ec::not_serializable naming the operator).
template <class T>
batch_codec make_batch_codec() {
  if constexpr (is_serializable_v<T> && std::is_default_constructible_v<T>) {
    batch_codec codec;
    codec.encode = [](const batch& b, std::string& out) {
      assert(b.record_type() == typeid(T));
      // A copy: channel state only (bounded by the credit window).
      encode_value(std::make_pair(records_of<T>(b), b.timestamps()), out);
    };
    codec.decode = [](std::string_view bytes, std::string_view what) -> batch_ptr {
      auto [records, ts] = decode_value<std::pair<std::vector<T>, std::vector<int64_t>>>(bytes, what);
      if (!ts.empty() && ts.size() != records.size())
        throw exception(ec::corrupt_file, std::string{what} + ": " + std::to_string(ts.size())
                                            + " timestamps for " + std::to_string(records.size())
                                            + " records");
      return make_batch(std::move(records), std::move(ts));
    };
    codec.type_fingerprint = sluice::type_fingerprint<std::vector<T>>();
    return codec;
  } else {
    return {};
  }
}

} // namespace sluice
