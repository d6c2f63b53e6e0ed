// Typed output routers, one per partitioning (Flink's StreamPartitioner +
// RecordWriter): forward and broadcast pass whole batches on without
// copying; rebalance and hash re-batch records per channel up to the batch
// size (one allocation per batch, none per record).
#pragma once

#include <cassert>
#include <memory>
#include <vector>

#include "actors/contract/job_graph.hpp"
#include "actors/contract/output_router.hpp"
#include "snapshot/key_groups.hpp"

namespace sluice {

/// Subtask i -> subtask i: batches go on unchanged.
class forward_router final : public output_router {
public:
  void route(const batch_ptr& b, channel_sink& out) override {
    out.send(0, b);
  }
  void flush(channel_sink&) override {
  }
  bool has_buffered() const noexcept override {
    return false;
  }
  size_t num_channels() const noexcept override {
    return 1;
  }
};

/// Every batch to every channel (shared, immutable).
class broadcast_router final : public output_router {
public:
  explicit broadcast_router(size_t n) : n_(n) {
  }
  void route(const batch_ptr& b, channel_sink& out) override {
    for (size_t c = 0; c < n_; ++c)
      out.send(c, b);
  }
  void flush(channel_sink&) override {
  }
  bool has_buffered() const noexcept override {
    return false;
  }
  size_t num_channels() const noexcept override {
    return n_;
  }

private:
  size_t n_;
};

/// Base of the re-batching routers: per-channel buffers of T.
template <class T>
class buffering_router : public output_router {
public:
  buffering_router(size_t n, uint32_t batch_size)
    : pending_(n), pending_ts_(n), batch_size_(batch_size) {
    for (auto& p : pending_)
      p.reserve(batch_size_);
  }

  void flush(channel_sink& out) override {
    for (size_t c = 0; c < pending_.size(); ++c)
      if (!pending_[c].empty())
        ship(c, out);
  }

  bool has_buffered() const noexcept override {
    for (auto& p : pending_)
      if (!p.empty())
        return true;
    return false;
  }

  size_t num_channels() const noexcept override {
    return pending_.size();
  }

protected:
  /// Buffers record `x` of batch `b` (its index `i` there) for channel `c`,
  /// with its timestamp when `b` has timestamps.
  void add(size_t c, const T& x, const batch& b, size_t i, channel_sink& out) {
    auto& ts = b.timestamps();
    if (!ts.empty() || !pending_ts_[c].empty()) {
      // A buffer mixing records with and without timestamps gives the
      // latter min_timestamp (no timestamp).
      pending_ts_[c].resize(pending_[c].size(), INT64_MIN);
      pending_ts_[c].push_back(ts.empty() ? INT64_MIN : ts[i]);
    }
    pending_[c].push_back(x);
    if (pending_[c].size() >= batch_size_)
      ship(c, out);
  }

private:
  void ship(size_t c, channel_sink& out) {
    auto full = std::move(pending_[c]);
    auto ts = std::move(pending_ts_[c]);
    pending_[c] = std::vector<T>{};
    pending_[c].reserve(batch_size_);
    pending_ts_[c] = std::vector<int64_t>{};
    out.send(c, make_batch(std::move(full), std::move(ts)));
  }

  std::vector<std::vector<T>> pending_;
  /// Timestamps of pending_[c]'s records; empty while none had one.
  std::vector<std::vector<int64_t>> pending_ts_;
  uint32_t batch_size_;
};

/// Round robin per record (Flink's RebalancePartitioner), starting at
/// channel `start % n`: the channel of the k-th record routed (k from 0) is
/// (start + k) % n, a pure function of the sender's input order. Each
/// receiver gets floor(m/n) or ceil(m/n) of the m records a sender routes.
template <class T>
class rebalance_router final : public buffering_router<T> {
public:
  rebalance_router(size_t n, uint32_t batch_size, size_t start)
    : buffering_router<T>(n, batch_size), next_(start % n) {
  }

  void route(const batch_ptr& b, channel_sink& out) override {
    auto n = this->num_channels();
    auto& xs = records_of<T>(*b);
    for (size_t i = 0; i < xs.size(); ++i) {
      this->add(next_, xs[i], *b, i, out);
      if (++next_ == n)
        next_ = 0;
    }
  }

private:
  size_t next_;
};

/// By key group: key -> murmur3 -> key group -> receiving subtask, so every
/// record of a key goes to the same subtask, in order.
template <class T, class KeyFn>
class hash_router final : public buffering_router<T> {
public:
  hash_router(size_t n, uint32_t batch_size, uint32_t max_parallelism, KeyFn key)
    : buffering_router<T>(n, batch_size), max_parallelism_(max_parallelism),
      key_(std::move(key)) {
  }

  void route(const batch_ptr& b, channel_sink& out) override {
    auto n = static_cast<uint32_t>(this->num_channels());
    auto& xs = records_of<T>(*b);
    for (size_t i = 0; i < xs.size(); ++i) {
      auto kg = key_group_of(key_(xs[i]), max_parallelism_);
      this->add(operator_index_for_key_group(max_parallelism_, n, kg), xs[i], *b, i, out);
    }
  }

private:
  uint32_t max_parallelism_;
  KeyFn key_;
};

/// Router factory of a stream of T for forward / rebalance / broadcast.
template <class T>
router_factory make_router_factory() {
  return [](partitioning kind, size_t n, uint32_t batch_size, uint32_t, uint32_t,
            uint32_t sender) -> std::unique_ptr<output_router> {
    switch (kind) {
      case partitioning::forward:
        return std::make_unique<forward_router>();
      case partitioning::broadcast:
        return std::make_unique<broadcast_router>(n);
      default:
        // Deterministic: sender i starts at channel i mod n, so the first
        // records of parallel senders spread out. (Flink starts at a random
        // channel; sluice wants reproducible runs.)
        return std::make_unique<rebalance_router<T>>(n, batch_size, n == 0 ? 0 : sender % n);
    }
  };
}

/// Router factory of a keyed stream of T.
template <class T, class KeyFn>
router_factory make_hash_router_factory(KeyFn key) {
  return [key](partitioning, size_t n, uint32_t batch_size, uint32_t,
               uint32_t max_parallelism, uint32_t) -> std::unique_ptr<output_router> {
    return std::make_unique<hash_router<T, KeyFn>>(n, batch_size, max_parallelism, key);
  };
}

} // namespace sluice
