// What every sample job shares, whichever program runs it (`sluice run`,
// apps/cli/sample_jobs.hpp; `sluice-click-counts`): the check of the
// sample options and the sink of the results.
#pragma once

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include "apps/cli/sample_jobs.hpp"
#include "operators/stream.hpp"
#include "operators/transactional_file_sink.hpp"

namespace sluice::apps {

/// Checks the sample options every job reads: 0, or 2 after writing
/// "sluice: invalid_option: <why>" to `err` (`output` without
/// checkpointing, a negative generator rate, no splits, a repeat count out
/// of range, a negative examples rate).
int check_sample_options(const sample_options& opts, std::ostream& err);

/// Writes "sluice: <code>: <why>" to `err` and returns 2.
int refuse(std::ostream& err, const char* code, const std::string& why);

/// The results of `s`: printed, or with an output directory written exactly
/// once by a transactional file sink (part files appear as checkpoints
/// complete).
template <class T>
void emit(const stream<T>& s, const std::string& output) {
  if (output.empty()) {
    s.print();
    return;
  }
  std::filesystem::path dir = output;
  s.template then<T>("file-sink", [dir] { return std::make_unique<transactional_file_sink<T>>(dir); })
    .uid("file-sink");
}

} // namespace sluice::apps
