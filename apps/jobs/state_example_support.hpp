// What the keyed-state examples (state_examples.cpp,
// map_reducing_examples.cpp, aggregating_example.cpp) share: the source and
// the keyed process step of every example. Internal to apps/jobs/.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "apps/jobs/state_examples.hpp"

namespace sluice::apps::state_support {

/// in -> key_by(key) (the seed's keyBy(_._1)) -> process(fn), named and
/// uid'd `name`.
template <class Fn>
stream<typename Fn::output_type> keyed_example(const stream<keyed_reading>& in,
                                               const std::string& name, Fn fn) {
  auto by_key = [](const keyed_reading& x) { return x.key; };
  auto out = in.key_by(by_key).process(std::move(fn));
  out.name(name).uid(name);
  return out;
}

/// `input` as the examples' source, "collection-source".
inline stream<keyed_reading> collection(environment& env,
                                        std::vector<keyed_reading> input) {
  auto src = env.from_collection(std::move(input));
  src.name("collection-source").uid("collection-source");
  return src;
}

} // namespace sluice::apps::state_support
