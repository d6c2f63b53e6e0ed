// Flink's streaming WordCount: lines -> words -> keyBy(word) -> sum(count),
// printing every word's updated count (`(hello,3)`).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "operators/environment.hpp"

namespace sluice::apps {

/// A word and how often it was seen (Flink's Tuple2<String, Integer>).
struct word_count {
  std::string word;
  int64_t count = 0;

  friend bool operator==(const word_count&, const word_count&) = default;
};

/// CAF serialization: word counts can be in-flight data of unaligned
/// checkpoints.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, word_count& x) {
  return f(x.word, x.count);
}

/// "(word,count)", like Flink's Tuple2 in `print()`.
inline std::ostream& operator<<(std::ostream& os, const word_count& x) {
  return os << '(' << x.word << ',' << x.count << ')';
}

/// The words of `line` as Flink's WordCount finds them
/// (`line.toLowerCase().split("\\W+")`, empty tokens dropped): maximal
/// runs of ASCII letters, digits and '_' (Java's \w), lower-cased, so
/// "w12x" and "foo_bar" are one word each. Every other byte (punctuation,
/// white space, non-ASCII bytes, which Java's ASCII \W also splits at)
/// separates words.
inline std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  for (char c : line) {
    if (c >= 'A' && c <= 'Z') {
      word += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
      word += c;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty())
    words.push_back(std::move(word));
  return words;
}

/// lines -> flat_map(split_words, count 1) -> key_by(word) -> sum(count).
/// The caller adds the sink (`print` in the CLI, `collect` in tests).
inline stream<word_count> word_counts(const stream<std::string>& lines) {
  auto words = lines.flat_map<word_count>([](const std::string& line,
                                             collector<word_count>& out) {
    for (auto& w : split_words(line))
      out.collect(word_count{std::move(w), 1});
  });
  words.name("tokenizer").uid("tokenizer");
  auto counts = words.key_by([](const word_count& x) { return x.word; })
                  .sum(&word_count::count);
  counts.name("word-count").uid("word-count");
  return counts;
}

} // namespace sluice::apps
