// Value codecs for keyed state and in-flight records: CAF 0.17's binary
// format (the bytes CAF's binary_serializer writes), plus, from
// type_fingerprint.hpp, `is_serializable_v<T>` and `type_fingerprint<T>()`,
// which restore compares before decoding.
//
// Header-only; includes CAF's serializer headers only (about 1 s of compile
// time, not caf/all.hpp). All functions are pure and thread-safe. Encoding
// never touches an actor system (no execution unit).
//
// Serializable types (`is_serializable_v<T>`): arithmetic and enum types,
// std::string/u16string/u32string, std::chrono durations and time points,
// std::pair, std::tuple, std::array, std::optional (type_fingerprint.hpp adds
// the inspect overload CAF 0.17 lacks; include it before a translation unit
// first serializes a std::optional), caf::optional, caf::variant, every
// container CAF can iterate and insert into (vector, deque, list, set, map,
// unordered_map, ...) of serializable elements, and user types with an
// ADL-visible `inspect(Inspector&, T&)` overload (CAF's usual form, ideally
// starting with `caf::meta::type_name("...")`). The trait looks at the
// signature of `inspect`, not its body: an inspect overload naming
// unserializable members is reported serializable and fails to compile when
// used. Decoding also needs every type to be default-constructible.
#pragma once

#include "snapshot/error.hpp"
#include "snapshot/type_fingerprint.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>

namespace sluice {

// --- encode / decode ------------------------------------------------------------

namespace detail {

/// CAF's binary_deserializer, refusing sequence lengths that cannot fit in
/// the remaining bytes before anything allocates for them (CAF resizes a
/// vector<char> to the announced length first: 5 corrupt bytes would
/// allocate 4 GiB). Bound: 8 elements per remaining byte (vector<bool>
/// packs 8 per byte), at least 65536 (sequences of zero-byte elements).
class bounded_deserializer final : public caf::deserializer {
public:
  bounded_deserializer(const char* data, size_t size) : inner_(nullptr, data, size) {
  }

  size_t remaining() const noexcept {
    return inner_.remaining();
  }

  /// The refused sequence length, 0 if none.
  size_t oversized_sequence = 0;

  caf::error begin_object(uint16_t& nr, std::string& name) override {
    return inner_.begin_object(nr, name);
  }
  caf::error end_object() override {
    return inner_.end_object();
  }
  caf::error begin_sequence(size_t& num) override {
    if (auto err = inner_.begin_sequence(num))
      return err;
    if (num > std::max<size_t>(8 * inner_.remaining(), 65536)) {
      oversized_sequence = num;
      num = 0;
      return caf::make_error(caf::sec::end_of_stream);
    }
    return {};
  }
  caf::error end_sequence() override {
    return inner_.end_sequence();
  }
  caf::error apply_raw(size_t num_bytes, void* data) override {
    return inner_.apply_raw(num_bytes, data);
  }

protected:
  caf::error apply_impl(int8_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(uint8_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(int16_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(uint16_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(int32_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(uint32_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(int64_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(uint64_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(float& x) override { return inner_.apply(x); }
  caf::error apply_impl(double& x) override { return inner_.apply(x); }
  caf::error apply_impl(long double& x) override { return inner_.apply(x); }
  caf::error apply_impl(std::string& x) override { return inner_.apply(x); }
  caf::error apply_impl(std::u16string& x) override { return inner_.apply(x); }
  caf::error apply_impl(std::u32string& x) override { return inner_.apply(x); }

private:
  caf::binary_deserializer inner_;
};

} // namespace detail

/// Appends CAF's binary serialization of `x` to `out`. Throws
/// sluice::exception(ec::not_serializable) if an inspect() overload reports
/// an error. Precondition (compile time): is_serializable_v<T>.
template <class T>
void encode_value(const T& x, std::string& out) {
  static_assert(is_serializable_v<T>, "encode_value: CAF cannot serialize this type; "
                                      "give it an inspect() overload");
  caf::serializer_impl<std::string> sink{nullptr, out};
  if (auto err = sink(const_cast<T&>(x))) // CAF's saving inspectors take T&, never write
    throw exception(ec::not_serializable, "cannot serialize " + type_description<T>() + ": "
                                            + caf::to_string(err));
}

/// Decodes one T that must span `bytes` exactly. Throws
/// sluice::exception(ec::corrupt_file, "<what>: ...") when the bytes are
/// truncated or malformed, when bytes remain after the value (a sign of a
/// type mismatch), or when decoding throws (allocation failure included).
template <class T>
T decode_value(std::string_view bytes, std::string_view what) {
  static_assert(is_serializable_v<T>, "decode_value: CAF cannot deserialize this type; "
                                      "give it an inspect() overload");
  static_assert(std::is_default_constructible_v<T>, "decode_value needs a default constructor");
  auto fail = [&](const std::string& why) {
    return exception(ec::corrupt_file, std::string{what} + ": cannot decode "
                                         + type_description<T>() + " from "
                                         + std::to_string(bytes.size()) + " bytes: " + why);
  };
  detail::bounded_deserializer source{bytes.data(), bytes.size()};
  T result{};
  caf::error err;
  try {
    err = source(result);
  } catch (const exception&) {
    throw;
  } catch (const std::exception& e) {
    throw fail(e.what());
  }
  if (source.oversized_sequence != 0)
    throw fail("sequence of " + std::to_string(source.oversized_sequence)
               + " elements cannot fit in the remaining bytes");
  if (err)
    throw fail(caf::to_string(err));
  if (source.remaining() != 0)
    throw fail(std::to_string(source.remaining()) + " bytes left over (type mismatch?)");
  return result;
}

} // namespace sluice
