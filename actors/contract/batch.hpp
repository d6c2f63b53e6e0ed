// Records in flight: immutable, type-erased batches.
//
// Records stay typed inside operators (`typed_batch<T>` holds a
// `std::vector<T>`); between operators and between actors they travel as
// `batch_ptr`, a shared pointer to an immutable batch. A batch is built once
// by one operator, then only read: it may be shared by several receivers
// (broadcast) without copying, and it is never modified after it was handed
// on. No CAF in this header: operators include it.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
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

  /// Event-time timestamps of the records (Flink's StreamRecord
  /// timestamp, milliseconds), one per record in order; empty when the
  /// records carry none (no timestamp assigner upstream). Operators that
  /// turn records into records pass them on (timestamps_like).
  const std::vector<int64_t>& timestamps() const noexcept {
    return timestamps_;
  }

protected:
  batch() = default;

  /// Precondition: ts is empty or has one timestamp per record.
  explicit batch(std::vector<int64_t> ts) : timestamps_(std::move(ts)) {
  }

private:
  std::vector<int64_t> timestamps_;
};

using batch_ptr = std::shared_ptr<const batch>;

/// A batch of records of type T.
template <class T>
class typed_batch final : public batch {
public:
  typed_batch() = default;

  explicit typed_batch(std::vector<T> records) : records_(std::move(records)) {
  }

  /// Precondition: ts is empty or ts.size() == records.size().
  typed_batch(std::vector<T> records, std::vector<int64_t> ts)
    : batch(std::move(ts)), records_(std::move(records)) {
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

/// Publishes `records` with their timestamps (`ts` empty: none).
/// Precondition: ts is empty or ts.size() == records.size().
template <class T>
batch_ptr make_batch(std::vector<T> records, std::vector<int64_t> ts) {
  return std::make_shared<const typed_batch<T>>(std::move(records), std::move(ts));
}

/// Views `b` as a batch of T. Precondition: `b.record_type() == typeid(T)`;
/// the execution plan guarantees it (operators are wired by their types).
/// Builds with assertions (debug, debugoptimized) check it and abort
/// instead of reading the batch as the wrong type.
template <class T>
const std::vector<T>& records_of(const batch& b) noexcept {
  assert(b.record_type() == typeid(T) && "records_of<T>: the batch holds another record type");
  return static_cast<const typed_batch<T>&>(b).records();
}

} // namespace sluice
