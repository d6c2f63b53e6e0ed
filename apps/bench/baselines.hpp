// Hand-written single-threaded loops doing the work of each sluice-bench
// workload: same generator, same per-record work, no engine. The benchmark
// runs them in the same process as the engine and prints the ratio.
//
// Every loop returns the number of output records and a checksum that the
// engine's sink must reproduce: passthrough sums x + 1; the keyed workloads
// sum every rolling count they emit (per key 1 + 2 + ... + n, whatever the
// order of the records).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tsl/robin_map.h>

#include "apps/bench/generators.hpp"
#include "operators/sources.hpp"

namespace sluice::bench {

struct tally_result {
  uint64_t count = 0;
  uint64_t sum = 0;
};

/// passthrough: generate, map x + 1, sum.
inline tally_result passthrough_baseline(uint64_t records) {
  tally_result r;
  for (uint64_t i = 0; i < records; ++i) {
    int64_t x = sequence_value(i);
    r.sum += static_cast<uint64_t>(x + 1);
  }
  r.count = records;
  return r;
}

/// keyed-count: click events, rolling count per user.
inline tally_result keyed_count_baseline(uint64_t records, uint64_t keys) {
  click_source_options opts;
  opts.users = keys;
  tsl::robin_map<std::string, int64_t> counts;
  tally_result r;
  for (uint64_t i = 0; i < records; ++i) {
    event e = click_event_at(opts, i);
    r.sum += static_cast<uint64_t>(++counts[e.user]);
  }
  r.count = records;
  return r;
}

/// Lets the word-count map look words up by string_view (no copy per word).
struct word_hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

/// word-count: lines of text, split at spaces, rolling count per word.
inline tally_result word_count_baseline(uint64_t words, uint64_t keys) {
  tsl::robin_map<std::string, int64_t, word_hash, std::equal_to<>> counts;
  std::string line;
  tally_result r;
  for (uint64_t l = 0; l < lines_for(words); ++l) {
    make_line(l, words, keys, line);
    std::string_view rest = line;
    while (!rest.empty()) {
      auto word = rest.substr(0, rest.find(' '));
      rest.remove_prefix(word.size() < rest.size() ? word.size() + 1 : word.size());
      auto it = counts.find(word);
      if (it == counts.end())
        it = counts.emplace(std::string{word}, 0).first;
      r.sum += static_cast<uint64_t>(++it.value());
      ++r.count;
    }
  }
  return r;
}

} // namespace sluice::bench
