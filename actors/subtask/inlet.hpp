// The CAF-free endpoints of an embedded job (DESIGN.md, "Embed a job in
// their own CAF actor system"): `inlet<T>`, a bounded thread-safe queue that
// host code pushes batches into and a source operator drains, and
// `outlet<T>`, the callbacks a sink hands its batches to.
//
// actors/contract/actor_io.hpp puts CAF actors in front of both; operators/ builds
// the source (`environment::from_inlet`) and the sink (`stream::sink_to`) on
// them. No CAF here, so operators/ may include it.
//
// Delivery: neither end is replayable or transactional. After a job restart
// the records an earlier attempt already drained are gone (at-most-once on
// the way in), and the outlet may see records again (at-least-once on the way
// out, like `collect`).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace sluice {

/// Bounded multi-producer multi-consumer queue of record batches. Every
/// member is thread-safe. Memory is bounded by `capacity` records, except
/// that a single batch larger than the capacity is accepted into an empty
/// queue (otherwise it could never be accepted).
template <class T>
class inlet {
public:
  enum class push_result {
    /// The batch is queued; the inlet owns it now.
    accepted,
    /// No room: the batch was not taken (the caller still has it). Retry
    /// after the space listener fired.
    full,
    /// The inlet was closed: nothing is accepted any more.
    closed,
  };

  /// `capacity`: records the queue holds at most (> 0).
  explicit inlet(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
  }

  inlet(const inlet&) = delete;
  inlet& operator=(const inlet&) = delete;

  /// Queues `xs` when there is room. On `full` and `closed`, `xs` is left
  /// untouched. Empty batches are accepted and dropped.
  push_result push(std::vector<T>& xs) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return push_result::closed;
    if (xs.empty())
      return push_result::accepted;
    if (size_ != 0 && size_ + xs.size() > capacity_) {
      refused_ = true;
      return push_result::full;
    }
    size_ += xs.size();
    queue_.push_back(std::move(xs));
    xs.clear();
    return push_result::accepted;
  }

  /// Rvalue convenience: on `full` / `closed` the batch is dropped.
  push_result push(std::vector<T>&& xs) {
    return push(xs);
  }

  /// End of stream: no more pushes are accepted; consumers finish after
  /// draining what is queued. Idempotent.
  void close() {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
  }

  /// Takes up to `max_records` records in push order. A queued batch that
  /// fits is moved out whole (no copy); a larger one is split. Calls the
  /// space listener (outside the lock) when a push was refused since the
  /// last call.
  std::vector<T> pop(size_t max_records) {
    std::vector<T> out;
    std::function<void()> notify;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (queue_.empty() || max_records == 0)
        return out;
      auto& front = queue_.front();
      auto remaining = front.size() - offset_;
      if (offset_ == 0 && remaining <= max_records) {
        out = std::move(front);
        queue_.pop_front();
      } else {
        auto n = std::min(remaining, max_records);
        auto first = front.begin() + static_cast<std::ptrdiff_t>(offset_);
        out.assign(std::make_move_iterator(first),
                   std::make_move_iterator(first + static_cast<std::ptrdiff_t>(n)));
        offset_ += n;
        if (offset_ == front.size()) {
          queue_.pop_front();
          offset_ = 0;
        }
      }
      size_ -= out.size();
      if (refused_) {
        refused_ = false;
        notify = on_space_;
      }
    }
    if (notify)
      notify();
    return out;
  }

  /// Whether the inlet was closed and everything was drained: a consumer
  /// seeing true is done.
  bool drained() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return closed_ && queue_.empty();
  }

  bool closed() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return closed_;
  }

  /// Records queued now.
  size_t size() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return size_;
  }

  size_t capacity() const noexcept {
    return capacity_;
  }

  /// `f` runs (on the consumer's thread, without the inlet's lock) after a
  /// pop made room following a refused push. Must be cheap and must not
  /// block (it runs inside a subtask actor): e.g. send a message. Replaces
  /// any earlier listener; an empty function removes it.
  void set_space_listener(std::function<void()> f) {
    std::lock_guard<std::mutex> guard{mtx_};
    on_space_ = std::move(f);
  }

private:
  mutable std::mutex mtx_;
  const size_t capacity_;
  std::deque<std::vector<T>> queue_;
  /// Records of queue_.front() already taken.
  size_t offset_ = 0;
  /// Records queued (not yet taken).
  size_t size_ = 0;
  bool closed_ = false;
  /// A push was refused since the last pop.
  bool refused_ = false;
  std::function<void()> on_space_;
};

template <class T>
using inlet_ptr = std::shared_ptr<inlet<T>>;

/// Makes an inlet holding at most `capacity` records.
template <class T>
inlet_ptr<T> make_inlet(size_t capacity) {
  return std::make_shared<inlet<T>>(capacity);
}

/// Where a `sink_to` sink delivers: `on_batch` receives every batch (a copy
/// of the records, in arrival order per sink subtask); `on_end` (optional)
/// is called once, after the last `on_batch` of every sink subtask, when the
/// job finished normally. Both are called from sink subtasks, concurrently
/// when the sink's parallelism is above 1: they must be thread-safe and must
/// not block (send a message, append under a mutex).
template <class T>
struct outlet {
  std::function<void(std::vector<T>)> on_batch;
  std::function<void()> on_end;
};

} // namespace sluice
