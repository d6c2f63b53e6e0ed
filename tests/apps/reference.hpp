// Reference computations and output checks for the sample-job tests,
// written independently of the apps' code.
#pragma once

#include <cctype>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace sluice::test {

/// Deterministic text with mixed case, punctuation, digits, tabs, UTF-8,
/// CRLF and LF line ends, blank lines and no line break after the last line.
inline std::string make_text(size_t lines, uint32_t seed) {
  static const std::vector<std::string> vocabulary
    = {"the", "Quick", "BROWN", "fox", "jumps", "over", "lazy", "dog", "stream",
       "Flink", "sluice", "actor", "state", "key", "a", "I", "word"};
  static const std::vector<std::string> separators
    = {" ", " ", " ", ", ", "--", " 42 ", "\t", ". ", " \xc3\xa9 ", "_", "'"};
  std::mt19937 rng{seed};
  std::ostringstream out;
  for (size_t i = 0; i < lines; ++i) {
    auto words = rng() % 12;
    for (size_t j = 0; j < words; ++j) {
      if (j > 0)
        out << separators[rng() % separators.size()];
      out << vocabulary[rng() % vocabulary.size()];
    }
    if (i + 1 < lines)
      out << (rng() % 5 == 0 ? "\r\n" : "\n");
  }
  return out.str();
}

/// Occurrences of every word as Flink's WordCount splits (`\W+`): runs of
/// ASCII letters, digits and '_', lower-cased.
inline std::map<std::string, int64_t> reference_word_counts(const std::string& text) {
  std::map<std::string, int64_t> counts;
  auto is_word = [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; };
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_word(static_cast<unsigned char>(text[i])))
      ++i;
    auto begin = i;
    while (i < text.size() && is_word(static_cast<unsigned char>(text[i])))
      ++i;
    if (i > begin) {
      auto w = text.substr(begin, i - begin);
      for (auto& c : w)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      ++counts[w];
    }
  }
  return counts;
}

/// Every line click-counts prints without failures for the users of its
/// events in order: each user's running count once ("Mary visit count: 3").
inline std::multiset<std::string> running_count_lines(const std::vector<std::string>& users) {
  std::map<std::string, int64_t> per_user;
  std::multiset<std::string> lines;
  for (auto& user : users)
    lines.insert(user + " visit count: " + std::to_string(++per_user[user]));
  return lines;
}

/// The lines of `text` (without line breaks).
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    result.push_back(line);
  return result;
}

/// Strips a print sink's "i> " subtask prefix.
inline std::string strip_subtask_prefix(const std::string& line) {
  auto pos = line.find("> ");
  if (pos != std::string::npos && pos > 0 && line.find_first_not_of("0123456789") == pos)
    return line.substr(pos + 2);
  return line;
}

/// Checks a keyed running count: every key's counts rise by exactly one
/// from 1 and end at `expected`'s value; the number of updates equals the
/// sum of `expected`. Returns an empty string or what is wrong.
template <class Parse>
std::string check_running_counts(const std::vector<std::string>& lines,
                                 const std::map<std::string, int64_t>& expected,
                                 Parse parse) {
  std::map<std::string, int64_t> last;
  int64_t total = 0;
  for (auto& raw : lines) {
    auto line = strip_subtask_prefix(raw);
    std::string key;
    int64_t n = 0;
    if (!parse(line, key, n))
      return "unexpected output line: '" + raw + "'";
    if (n != last[key] + 1)
      return "count of '" + key + "' went from " + std::to_string(last[key]) + " to "
             + std::to_string(n);
    last[key] = n;
    ++total;
  }
  int64_t expected_total = 0;
  for (auto& [k, v] : expected)
    expected_total += v;
  if (total != expected_total)
    return std::to_string(total) + " updates, expected " + std::to_string(expected_total);
  if (last != expected)
    return "final counts differ from the reference";
  return {};
}

/// Parses "(word,count)".
inline bool parse_word_count(const std::string& line, std::string& word, int64_t& n) {
  if (line.size() < 5 || line.front() != '(' || line.back() != ')')
    return false;
  auto comma = line.rfind(',');
  if (comma == std::string::npos)
    return false;
  word = line.substr(1, comma - 1);
  try {
    n = std::stoll(line.substr(comma + 1, line.size() - comma - 2));
  } catch (...) {
    return false;
  }
  return true;
}

/// Parses "Mary visit count: 3".
inline bool parse_visit_count(const std::string& line, std::string& user, int64_t& n) {
  auto pos = line.find(" visit count: ");
  if (pos == std::string::npos)
    return false;
  user = line.substr(0, pos);
  try {
    n = std::stoll(line.substr(pos + 14));
  } catch (...) {
    return false;
  }
  return true;
}

} // namespace sluice::test
