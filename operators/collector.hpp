// Where user functions put their output records (Flink's Collector).
#pragma once

#include <utility>
#include <vector>

namespace sluice {

/// Appends records to the operator's output batch. Valid only during the
/// call it was passed to.
template <class T>
class collector {
public:
  explicit collector(std::vector<T>& out) noexcept : out_(&out) {
  }

  void collect(const T& x) {
    out_->push_back(x);
  }

  void collect(T&& x) {
    out_->push_back(std::move(x));
  }

private:
  std::vector<T>* out_;
};

} // namespace sluice
