// What separates the lines a job committed from the lines it should have
// committed, for the exactly-once fault tests: the missing ones (lost) and
// the extra ones (wrong, foreign or repeated).
#pragma once

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

namespace sluice::testing {

struct line_diff {
  std::vector<std::string> missing;
  std::vector<std::string> extra;

  /// The first line of `lines`, or "" (for "e.g." messages).
  static std::string first(const std::vector<std::string>& lines) {
    return lines.empty() ? std::string{} : lines.front();
  }
};

/// Multiset differences of two sorted vectors: a line `got` holds twice but
/// `expected` once is extra once.
inline line_diff diff_sorted_lines(const std::vector<std::string>& expected,
                                   const std::vector<std::string>& got) {
  line_diff d;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                      std::back_inserter(d.missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                      std::back_inserter(d.extra));
  return d;
}

} // namespace sluice::testing
