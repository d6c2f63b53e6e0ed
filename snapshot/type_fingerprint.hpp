// What a state's or record's value type looks like to CAF 0.17's binary
// serializer: `is_serializable_v<T>` (can it be written at all) and
// `type_fingerprint<T>()` (a stable 64-bit name of its serialized form, stored
// with keyed state and compared on restore). Used through state_codec.hpp.
// Also gives CAF 0.17 an inspect overload for std::optional (in namespace
// caf, found by ADL through the inspector), in caf::optional's format.
//
// Header-only, pure, thread-safe. Includes CAF's serializer headers only.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/meta/annotation.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/serializer.hpp>
#include <caf/variant.hpp>

namespace caf {

/// std::optional in CAF's format of caf::optional: a bool flag, then the
/// value when engaged.
template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, std::optional<T>& x) {
  if constexpr (Inspector::reads_state) {
    return x ? f(true, *x) : f(false);
  } else {
    bool engaged = false;
    if (auto err = f(engaged))
      return err;
    if (!engaged) {
      x.reset();
      return {};
    }
    T value{};
    if (auto err = f(value))
      return err;
    x = std::move(value);
    return {};
  }
}

} // namespace caf

namespace sluice {

// --- is_serializable_v -------------------------------------------------------

namespace detail {

template <class T>
struct serializable;

/// CAF's own trait for scalars and user types; containers, optionals and
/// tuples are taken apart here, because CAF's trait accepts std::optional of
/// anything (the inspect overload above is unconstrained) and asks CAF's
/// trait, not ours, about container elements.
template <class T, class = void>
struct serializable_impl : std::bool_constant<caf::detail::is_serializable<T>::value> {};

template <class T>
struct serializable_impl<T, std::enable_if_t<caf::detail::is_iterable<T>::value
                                             && !caf::detail::is_inspectable<caf::serializer,
                                                                             T>::value>>
  : serializable<typename T::value_type> {};

template <class T>
struct serializable : serializable_impl<T> {};
template <class T>
struct serializable<const T> : serializable<T> {};
template <class T>
struct serializable<T*> : std::false_type {};
template <class T>
struct serializable<std::optional<T>> : serializable<T> {};
template <class T>
struct serializable<caf::optional<T>> : serializable<T> {};
template <class A, class B>
struct serializable<std::pair<A, B>> : std::bool_constant<serializable<A>::value
                                                          && serializable<B>::value> {};
template <class... Ts>
struct serializable<std::tuple<Ts...>> : std::bool_constant<(serializable<Ts>::value && ...)> {
};
template <class... Ts>
struct serializable<caf::variant<Ts...>>
  : std::bool_constant<(serializable<Ts>::value && ...)> {};
template <class T, size_t N>
struct serializable<std::array<T, N>> : serializable<T> {};
template <>
struct serializable<std::vector<bool>> : std::true_type {};

} // namespace detail

/// Whether encode_value/decode_value accept T (see the header comment for
/// what is covered and the one approximation).
template <class T>
inline constexpr bool is_serializable_v = detail::serializable<std::remove_cv_t<T>>::value;

// --- type description and fingerprint -----------------------------------------

namespace detail {

/// Types being described, outermost first: detects recursive types.
using type_stack = std::vector<const std::type_info*>;

template <class T>
void describe(std::string& out, type_stack& stack);

template <class T>
struct describe_tag {};

/// Mimics a CAF serializer to learn what a user type's inspect() writes: the
/// name of its type_name annotation and the description of every field.
class inspect_probe {
public:
  using result_type = caf::error;
  static constexpr bool reads_state = true;
  static constexpr bool writes_state = false;
  using is_saving = std::true_type;
  using is_loading = std::false_type;

  inspect_probe(std::string& fields, type_stack& stack) : fields_(fields), stack_(stack) {
  }

  template <class... Ts>
  caf::error operator()(Ts&&... xs) {
    (visit(xs), ...);
    return {};
  }

  caf::execution_unit* context() const noexcept {
    return nullptr;
  }

  std::string name;

private:
  template <class X>
  void visit(X& x) {
    using U = std::remove_cv_t<std::remove_reference_t<X>>;
    if constexpr (std::is_same_v<U, caf::meta::type_name_t>) {
      if (name.empty())
        name = x.value;
    } else if constexpr (caf::meta::is_annotation<U>::value
                         || caf::is_allowed_unsafe_message_type<U>::value) {
      // Not written by CAF's serializers (callbacks, formatting hints).
    } else {
      if (!fields_.empty())
        fields_ += ',';
      describe<U>(fields_, stack_);
    }
  }

  std::string& fields_;
  type_stack& stack_;
};

template <class T>
void describe_integral(std::string& out) {
  out += std::is_signed_v<T> ? 'i' : 'u';
  out += std::to_string(8 * sizeof(T));
}

template <class... Ts>
void describe_list(std::string& out, type_stack& stack, const char* head) {
  out += head;
  out += '(';
  bool first = true;
  ((out += first ? "" : ",", first = false, describe<std::remove_cv_t<Ts>>(out, stack)), ...);
  out += ')';
}

template <class T>
void describe_inspectable(std::string& out, type_stack& stack) {
  if constexpr (!std::is_default_constructible_v<T>
                || !caf::detail::is_inspectable<inspect_probe, T>::value) {
    out += "opaque(";
    out += typeid(T).name();
    out += ')';
  } else {
    T probe_value{};
    std::string fields;
    inspect_probe probe{fields, stack};
    inspect(probe, probe_value);
    out += "struct ";
    out += probe.name;
    out += '{';
    out += fields;
    out += '}';
  }
}

template <class T>
struct is_std_optional : std::false_type {};
template <class T>
struct is_std_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_std_optional<caf::optional<T>> : std::true_type {};

template <class T>
void describe_special(std::string& out, type_stack& stack, describe_tag<T>) {
  if constexpr (std::is_same_v<T, bool>) {
    out += "bool";
  } else if constexpr (std::is_integral_v<T>) {
    describe_integral<T>(out);
  } else if constexpr (std::is_floating_point_v<T>) {
    out += 'f';
    out += std::to_string(8 * sizeof(T));
  } else if constexpr (std::is_enum_v<T>) {
    describe_list<std::underlying_type_t<T>>(out, stack, "enum");
  } else if constexpr (std::is_same_v<T, std::string>) {
    out += "string";
  } else if constexpr (std::is_same_v<T, std::u16string>) {
    out += "u16string";
  } else if constexpr (std::is_same_v<T, std::u32string>) {
    out += "u32string";
  } else if constexpr (is_std_optional<T>::value) {
    describe_list<typename T::value_type>(out, stack, "optional");
  } else if constexpr (std::is_same_v<T, std::vector<bool>>) {
    out += "bitseq"; // CAF packs vector<bool> into bits
  } else if constexpr (caf::detail::is_inspectable<caf::serializer, T>::value) {
    describe_inspectable<T>(out, stack);
  } else if constexpr (caf::detail::is_iterable<T>::value) {
    describe_list<typename T::value_type>(out, stack, "seq");
  } else if constexpr (std::is_empty_v<T>) {
    out += "empty";
  } else {
    out += "opaque(";
    out += typeid(T).name();
    out += ')';
  }
}

template <class Rep, class Period>
void describe_special(std::string& out, type_stack& stack,
                      describe_tag<std::chrono::duration<Rep, Period>>) {
  out += "duration(";
  describe<Rep>(out, stack);
  out += ',' + std::to_string(Period::num) + '/' + std::to_string(Period::den) + ')';
}

template <class Clock, class Duration>
void describe_special(std::string& out, type_stack& stack,
                      describe_tag<std::chrono::time_point<Clock, Duration>>) {
  describe_list<Duration>(out, stack, "time_point");
}

template <class A, class B>
void describe_special(std::string& out, type_stack& stack, describe_tag<std::pair<A, B>>) {
  describe_list<A, B>(out, stack, "tuple"); // CAF writes a pair like a 2-tuple
}

template <class... Ts>
void describe_special(std::string& out, type_stack& stack, describe_tag<std::tuple<Ts...>>) {
  describe_list<Ts...>(out, stack, "tuple");
}

template <class... Ts>
void describe_special(std::string& out, type_stack& stack, describe_tag<caf::variant<Ts...>>) {
  describe_list<Ts...>(out, stack, "variant");
}

template <class T, size_t N>
void describe_special(std::string& out, type_stack& stack, describe_tag<std::array<T, N>>) {
  out += "array(";
  describe<T>(out, stack);
  out += ',' + std::to_string(N) + ')';
}

template <class T>
void describe(std::string& out, type_stack& stack) {
  for (size_t i = 0; i < stack.size(); ++i) {
    if (*stack[i] == typeid(T)) { // recursive type: refer to the enclosing one
      out += "rec" + std::to_string(stack.size() - i);
      return;
    }
  }
  stack.push_back(&typeid(T));
  describe_special(out, stack, describe_tag<T>{});
  stack.pop_back();
}

inline uint64_t fnv1a_64(std::string_view bytes) noexcept {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

} // namespace detail

/// Canonical description of T as serialized, e.g. "i64", "seq(string)",
/// "tuple(string,i64)", "struct click{string,string,i64}". Built from the
/// type's structure (user types: the type_name annotation and field types
/// their inspect() reports for a default-constructed value; a user type
/// without a type_name annotation is "struct {...}"), never from addresses
/// or the compiler, except "opaque(<typeid name>)" (mangled name: stable for
/// one compiler and ABI) for types that are not standard and have no
/// inspect() callable on a default-constructed value with a generic
/// inspector (such types are rarely serializable anyway). Recursive types
/// refer to an enclosing type as "recN" (N levels up).
template <class T>
std::string type_description() {
  std::string out;
  detail::type_stack stack;
  detail::describe<std::remove_cv_t<T>>(out, stack);
  return out;
}

/// FNV-1a 64 of "sluice-v1:" + type_description<T>(), computed once per
/// process. Guarantees: deterministic across processes, machines and builds
/// of the same source (for opaque types: of the same compiler); distinct for
/// distinct descriptions barring 64-bit collisions (so int32_t, int64_t,
/// double, std::string, std::vector<int64_t>, std::pair<std::string,
/// int64_t> all differ, and so do user types with different type names or
/// fields); equal for types CAF writes alike (int64_t and long long; vector,
/// deque and list of one element type; std::map<K, V> and
/// std::vector<std::pair<K, V>>; std::optional and caf::optional). Enums are
/// described by their underlying type only; durations include their period.
/// Not detected: a user inspect() whose fields depend on the value, or a
/// change of field meaning that keeps the field types.
template <class T>
uint64_t type_fingerprint() {
  static const uint64_t fingerprint = detail::fnv1a_64("sluice-v1:" + type_description<T>());
  return fingerprint;
}

} // namespace sluice
