// Records in flight: immutable, type-erased batches.
//
// Records stay typed inside operators (`typed_batch<T>` holds a
// `std::vector<T>`); between operators and between actors they travel as
// `batch_ptr`, a shared pointer to an immutable batch. A batch is built once
// by one operator, then only read: it may be shared by several receivers
// (broadcast) without copying, and it is never modified after it was handed
// on. No CAF in this header: operators include it.
#pragma once

#include <cstddef>
#include <memory>
#include <typeinfo>
#include <utility>
#include <vector>

namespace sluice {

/// Base of every batch. Immutable once published.
class batch {
public:
  virtual ~batch() = default;

  /// Number of records in the batch.
  virtual size_t size() const noexcept = 0;

  /// Type of the records, for diagnostics and checked downcasts.
  virtual const std::type_info& record_type() const noexcept = 0;
};

using batch_ptr = std::shared_ptr<const batch>;

/// A batch of records of type T.
template <class T>
class typed_batch final : public batch {
public:
  typed_batch() = default;

  explicit typed_batch(std::vector<T> records) : records_(std::move(records)) {
  }

  size_t size() const noexcept override {
    return records_.size();
  }

  const std::type_info& record_type() const noexcept override {
    return typeid(T);
  }

  const std::vector<T>& records() const noexcept {
    return records_;
  }

private:
  std::vector<T> records_;
};

/// Publishes `records` as an immutable batch (moves, never copies records).
template <class T>
batch_ptr make_batch(std::vector<T> records) {
  return std::make_shared<const typed_batch<T>>(std::move(records));
}

/// Views `b` as a batch of T. Precondition: `b.record_type() == typeid(T)`;
/// the execution plan guarantees it (operators are wired by their types).
template <class T>
const std::vector<T>& records_of(const batch& b) noexcept {
  return static_cast<const typed_batch<T>&>(b).records();
}

} // namespace sluice
