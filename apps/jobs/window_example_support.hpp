// What the window examples (window_examples.cpp, tumbling_sum.cpp,
// count_windows.cpp, window_stats.cpp) share: parsing the seed's lines,
// event time from a line's timestamp, and the names and uids of their
// operators. Internal to apps/jobs/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "apps/jobs/window_examples.hpp"

namespace sluice::apps::window_support {

/// Scala's `s.toInt`, nullopt where it would throw.
std::optional<int64_t> to_int(std::string_view s);

/// The tokens of `s` between single spaces (Scala's split(" ") without the
/// empty tokens of repeated spaces).
std::vector<std::string_view> split_on_spaces(std::string_view s);

/// Event time from the line's timestamp; inputs ascend.
stream<timed_line> with_line_timestamps(const stream<timed_line>& in, const std::string& job);

/// The seed's `map(x => (1, x.toInt))`; lines that are no Int are skipped.
template <class T>
stream<keyed_int> to_keyed_ints(const stream<T>& in, const std::string& job) {
  auto out = in.template flat_map<keyed_int>([](const T& x, collector<keyed_int>& c) {
    std::string_view text;
    if constexpr (std::is_same_v<T, timed_line>)
      text = x.text;
    else
      text = x;
    if (auto n = to_int(text))
      c.collect(keyed_int{1, *n});
  });
  out.name(job + "-parse").uid(job + "-parse");
  return out;
}

/// Names and uids the window operator of `job`.
template <class T>
stream<T> named_window(stream<T> s, const std::string& job) {
  s.name(job + "-window").uid(job + "-window");
  return s;
}

/// `input` as the job's source, named and uid'd "<job>-source".
template <class T>
stream<T> collection(environment& env, std::vector<T> input, const std::string& job) {
  auto src = env.from_collection(std::move(input));
  src.name(job + "-source").uid(job + "-source");
  return src;
}

} // namespace sluice::apps::window_support
