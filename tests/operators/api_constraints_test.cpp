// The C++ API's templates say what they take: `window(a)` needs a
// `window_assigner`, a window's `aggregate(agg)` a `window_aggregate` of the
// stream's records (Flink's AggregateFunction). Anything else is not a
// viable call (a clear "constraints not satisfied" from the compiler)
// instead of an error deep inside the window operator.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <type_traits>
#include <utility>

#include "operators/environment.hpp"
#include "operators/stream.hpp"

namespace api_constraints_test {

namespace {

using namespace sluice;

struct by_value {
  int64_t operator()(int64_t x) const {
    return x;
  }
};

using keyed = decltype(std::declval<stream<int64_t>>().key_by(by_value{}));
using windowed = decltype(std::declval<keyed>().window(tumbling_event_time_windows::of(
  std::chrono::milliseconds{10})));

template <class S, class A>
concept can_window = requires(const S& s, A a) { s.window(a); };

template <class W, class Agg>
concept can_aggregate = requires(const W& w, Agg agg) { w.aggregate(agg); };

/// Sum of int64 records (create, add, result, merge).
struct sum_agg {
  int64_t create() const {
    return 0;
  }
  int64_t add(const int64_t& x, int64_t acc) const {
    return acc + x;
  }
  int64_t result(const int64_t& acc) const {
    return acc;
  }
  int64_t merge(int64_t a, int64_t b) const {
    return a + b;
  }
};

/// No merge: not Flink's AggregateFunction.
struct no_merge {
  int64_t create() const {
    return 0;
  }
  int64_t add(const int64_t& x, int64_t acc) const {
    return acc + x;
  }
  int64_t result(const int64_t& acc) const {
    return acc;
  }
};

struct not_an_assigner {};

static_assert(can_window<keyed, tumbling_event_time_windows>);
static_assert(can_window<keyed, sliding_processing_time_windows>);
static_assert(!can_window<keyed, int>);
static_assert(!can_window<keyed, not_an_assigner>);
static_assert(can_aggregate<windowed, sum_agg>);
static_assert(!can_aggregate<windowed, no_merge>);
static_assert(!can_aggregate<windowed, int>);
static_assert(window_aggregate<sum_agg, int64_t>);
static_assert(!window_aggregate<sum_agg, std::pair<int, int>>);

// One way to set each thing on the environment: the option groups are set
// whole through their set_* call; the accessors only read.
template <class T>
constexpr bool read_only = std::is_const_v<std::remove_reference_t<T>>;
static_assert(read_only<decltype(std::declval<environment&>().config())>);
static_assert(read_only<decltype(std::declval<environment&>().checkpointing())>);
static_assert(read_only<decltype(std::declval<environment&>().state())>);
static_assert(read_only<decltype(std::declval<environment&>().restart())>);
template <class E>
concept has_shortcut_setters = requires(E& e) { e.enable_checkpointing(std::chrono::seconds{1}); }
                               || requires(E& e) { e.set_restart_config(restart_config{}); }
                               || requires(E& e) { e.set_state_backend(state_backend_kind::lmdb); };
static_assert(!has_shortcut_setters<environment>);

} // namespace

BOOST_AUTO_TEST_SUITE(api_constraints)

BOOST_AUTO_TEST_CASE(window_and_aggregate_are_constrained_by_their_concepts) {
  // The checks are the static_asserts above; this case records that they
  // compiled.
  BOOST_CHECK(window_assigner<tumbling_event_time_windows>);
  BOOST_CHECK(!window_assigner<not_an_assigner>);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace api_constraints_test
