// The record generators of sluice-bench, shared by the engine's sources and
// the hand-written baselines so that both do exactly the same work per
// record. Pure functions of the record index: parallel source instances can
// take every n-th index and together produce the same records as one loop.
//
// keyed-count uses the engine's own click generator (`click_event_at` in
// operators/sources.hpp) with `users` = number of keys.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::bench {

/// splitmix64: cheap and well mixed, so no compiler can fold a loop over it.
inline uint64_t mix64(uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// passthrough: record i, a non-negative int64 (so x + 1 cannot overflow).
inline int64_t sequence_value(uint64_t i) noexcept {
  return static_cast<int64_t>(mix64(i) >> 1);
}

/// word-count: words per line (the last line may be shorter).
inline constexpr uint64_t words_per_line = 8;

/// word-count: number of lines holding `words` words.
inline uint64_t lines_for(uint64_t words) noexcept {
  return (words + words_per_line - 1) / words_per_line;
}

/// word-count: line `line` of a text of `words` words drawn from `keys`
/// distinct words ("a", "b", ..., "ba", ...: word k is k in base 26, least
/// significant letter first), separated by single spaces. Writes into `out`
/// (cleared first) so a caller may reuse one buffer.
inline void make_line(uint64_t line, uint64_t words, uint64_t keys, std::string& out) {
  out.clear();
  auto first = line * words_per_line;
  auto last = first + words_per_line < words ? first + words_per_line : words;
  for (auto w = first; w < last; ++w) {
    if (w != first)
      out += ' ';
    auto k = mix64(w ^ 0x5eed) % keys;
    do {
      out += static_cast<char>('a' + k % 26);
      k /= 26;
    } while (k != 0);
  }
}

} // namespace sluice::bench
