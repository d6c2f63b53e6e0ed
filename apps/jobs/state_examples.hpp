// The keyed-state examples of the seed article (003, section 1.3 "Keyed State
// 案例演示"): a small fixed collection of (Long, Double) tuples, keyBy(_._1),
// then a RichFlatMapFunction keeping one kind of keyed state. Each example
// is a keyed_process_function here (apps/jobs/state_examples.cpp); the functions
// below add it to a job, and `sluice run <job>` runs them:
//
//   job                         state              seed class
//   value-state-average         value_state        CountAverageWithValue
//   list-state-average          list_state         CountAverageWithList
//   map-state-average           map_state          CountAverageMapState
//   reducing-state-sum          reducing_state     CountAverageReduceStage
//   aggregating-state-contains  aggregating_state  AggregrageState (sic)
//
// Output looks like the seed's `print()` of Scala tuples: "(1,4.0)",
// "(1,Contains-3.0-5.0)". Scala prints a Double with Java's
// Double.toString ("4.0", "4.75", "1.0E7"), so `scala_double` does too; the
// seed's comment writes the aggregate as "Contains-3-5-7", but its code
// (`accumulator + "-" + value` with a Double value) yields
// "Contains-3.0-5.0-7.0", which is what is reproduced here.
//
// Where the sample follows the seed's code rather than its prose (see each
// function): the value-state example does not clear its state (the seed's
// `sum.clear()` is commented out); the reducing-state example counts per key
// (the seed's counter is a field of the function instance, shared by every
// key of a subtask, so its output would depend on how keys are spread over
// subtasks).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "operators/environment.hpp"

namespace sluice::apps {

/// A (Long, Double) tuple of the seed: input records and the averages the
/// first four examples emit. Inspectable, so it can be checkpointed in
/// state (the list-state example keeps whole records) and in flight.
struct keyed_reading {
  int64_t key = 0;
  double value = 0;

  friend bool operator==(const keyed_reading&, const keyed_reading&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, keyed_reading& x) {
  return f(caf::meta::type_name("keyed_reading"), x.key, x.value);
}

/// A (Long, String) tuple: what the aggregating-state example emits.
struct keyed_text {
  int64_t key = 0;
  std::string text;

  friend bool operator==(const keyed_text&, const keyed_text&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, keyed_text& x) {
  return f(caf::meta::type_name("keyed_text"), x.key, x.text);
}

/// Java's Double.toString (what Scala prints for a Double): "NaN",
/// "Infinity", "-0.0"; plain decimals with at least one fraction digit for
/// 1e-3 <= |x| < 1e7 ("4.0", "4.75", "0.001"); otherwise "d.dddE[-]n"
/// ("1.0E7", "1.5E-4"). Digits are the shortest that read back as `x`
/// (Java 19 and later; older JDKs sometimes print a longer form).
std::string scala_double(double x);

/// "(1,4.0)", like a Scala (Long, Double) tuple in `print()`.
std::ostream& operator<<(std::ostream& os, const keyed_reading& x);

/// "(1,Contains-3.0)", like a Scala (Long, String) tuple in `print()`.
std::ostream& operator<<(std::ostream& os, const keyed_text& x);

/// The seed's input of the ValueState example:
/// (1,3), (1,5), (1,7), (1,4), (1,2).
std::vector<keyed_reading> value_state_input();

/// The seed's input of the other four examples:
/// (1,3), (1,5), (1,7), (2,4), (2,2), (2,6).
std::vector<keyed_reading> keyed_state_input();

// --- the examples --------------------------------------------------------------
// Each takes the input stream and returns the keyed operator's output; the
// caller adds the sink (`print` in the CLI, `collect` in tests). The
// environment overloads read `input` with `from_collection` (parallelism 1,
// like Flink's fromCollection) and default to the seed's input. The keyed
// operators run at the environment's parallelism.

/// ValueState "average" holding (count, sum) per key: every record adds one
/// to count and its value to sum; once count >= 2, emits (key, sum / count).
/// The state is never cleared (the seed comments `sum.clear()` out), so
/// this is a running average from the second record of a key on:
/// (1,4.0), (1,5.0), (1,4.75), (1,4.2) for the seed's input.
stream<keyed_reading> value_state_average(const stream<keyed_reading>& in);
stream<keyed_reading> value_state_average(environment& env,
                                          std::vector<keyed_reading> input
                                          = value_state_input());

/// ListState "listState" holding every record of a key: appends the record;
/// once the list has >= 3 elements, emits (key, average of the list). Never
/// cleared: (1,5.0), (2,4.0) for the seed's input.
stream<keyed_reading> list_state_average(const stream<keyed_reading>& in);
stream<keyed_reading> list_state_average(environment& env,
                                         std::vector<keyed_reading> input
                                         = keyed_state_input());

/// MapState "mapStateOperate" (String -> Double) per key: puts the value
/// under a fresh id; once the map has >= 3 values, emits (key, average of
/// the values). The seed's ids are random UUIDs; here the id is the key's
/// number of mappings so far ("0", "1", ...): unique per key because nothing
/// is removed, and deterministic, so a restored job picks up where it left.
/// (1,5.0), (2,4.0) for the seed's input.
stream<keyed_reading> map_state_average(const stream<keyed_reading>& in);
stream<keyed_reading> map_state_average(environment& env,
                                        std::vector<keyed_reading> input
                                        = keyed_state_input());

/// ReducingState "reduceSum" (reduce: a + b) holding the running sum of a
/// key's values; emits (key, sum / count) per record, as the seed does. The
/// count is keyed state too ("count", a value_state), where the seed keeps
/// one counter per function instance for all keys. (1,3.0), (1,4.0),
/// (1,5.0), (2,4.0), (2,3.0), (2,4.0) for the seed's input.
stream<keyed_reading> reducing_state_sum(const stream<keyed_reading>& in);
stream<keyed_reading> reducing_state_sum(environment& env,
                                         std::vector<keyed_reading> input
                                         = keyed_state_input());

/// AggregatingState "aggregateState" (Double in, String accumulator and
/// result): the accumulator starts as "Contains" and `add` appends "-" and
/// scala_double(value); emits (key, result) per record: (1,Contains-3.0),
/// (1,Contains-3.0-5.0), (1,Contains-3.0-5.0-7.0), (2,Contains-4.0), ...
stream<keyed_text> aggregating_state_contains(const stream<keyed_reading>& in);
stream<keyed_text> aggregating_state_contains(environment& env,
                                              std::vector<keyed_reading> input
                                              = keyed_state_input());

} // namespace sluice::apps
