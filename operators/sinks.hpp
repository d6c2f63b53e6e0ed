// Sinks: `print` (stdout, Flink's print()) and `collect` (into memory for
// the caller). Both are at-least-once: after a restart they may show
// records again (DESIGN.md invariant 3).
#pragma once

#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "actors/contract/operator.hpp"

namespace sluice {

/// Serializes whole batches of lines onto std::cout across subtasks.
std::mutex& stdout_mutex();

/// Prints "prefix:i> record" per record (i: 1-based subtask index, shown
/// when parallelism > 1; "prefix> " or "i> " otherwise, as Flink does).
/// Needs `operator<<` for T.
template <class T>
class print_sink final : public stream_operator {
public:
  print_sink(std::string prefix, std::ostream* os) : prefix_(std::move(prefix)), os_(os) {
  }

  void open(operator_context& ctx) override {
    auto& info = ctx.info();
    std::string tag = prefix_;
    if (info.parallelism > 1)
      tag += (tag.empty() ? "" : ":") + std::to_string(info.subtask_index + 1);
    if (!tag.empty())
      tag += "> ";
    tag_ = std::move(tag);
  }

  void process(const batch_ptr& in, operator_context&) override {
    std::ostringstream buf;
    for (auto& x : records_of<T>(*in))
      buf << tag_ << x << '\n';
    std::lock_guard<std::mutex> guard{stdout_mutex()};
    *os_ << buf.str() << std::flush;
  }

private:
  std::string prefix_;
  std::string tag_;
  std::ostream* os_;
};

/// Records collected by a `collect()` sink, readable from any thread.
template <class T>
class collected {
public:
  /// A copy of everything collected so far (all subtasks, arrival order).
  std::vector<T> values() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return values_;
  }

  size_t size() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return values_.size();
  }

  void append(const std::vector<T>& xs) {
    std::lock_guard<std::mutex> guard{mtx_};
    values_.insert(values_.end(), xs.begin(), xs.end());
  }

private:
  mutable std::mutex mtx_;
  std::vector<T> values_;
};

template <class T>
using collected_ptr = std::shared_ptr<collected<T>>;

template <class T>
class collect_sink final : public stream_operator {
public:
  explicit collect_sink(collected_ptr<T> out) : out_(std::move(out)) {
  }

  void process(const batch_ptr& in, operator_context&) override {
    out_->append(records_of<T>(*in));
  }

private:
  collected_ptr<T> out_;
};

} // namespace sluice
