#include "apps/cli/sample_output.hpp"

namespace sluice::apps {

namespace {

/// Most repetitions of a fixed input.
constexpr uint64_t max_repeat = 1000000;

} // namespace

int refuse(std::ostream& err, const char* code, const std::string& why) {
  err << "sluice: " << code << ": " << why << '\n';
  return 2;
}

int check_sample_options(const sample_options& opts, std::ostream& err) {
  if (!opts.output.empty() && !opts.checkpointing)
    return refuse(err, "invalid_option",
                  "output = " + opts.output
                    + ": needs checkpointing.interval (the file sink commits what completed "
                      "checkpoints cover)");
  if (opts.generator.rate < 0)
    return refuse(err, "invalid_option",
                  "generator.rate = " + std::to_string(opts.generator.rate)
                    + ": must not be negative");
  if (opts.generator.splits == 0)
    return refuse(err, "invalid_option", "generator.splits = 0: must be at least 1");
  if (opts.repeat < 1 || opts.repeat > max_repeat)
    return refuse(err, "invalid_option",
                  "examples.repeat = " + std::to_string(opts.repeat) + ": must be 1 .. "
                    + std::to_string(max_repeat));
  if (opts.rate < 0)
    return refuse(err, "invalid_option",
                  "examples.rate = " + std::to_string(opts.rate) + ": must not be negative");
  return 0;
}

} // namespace sluice::apps
