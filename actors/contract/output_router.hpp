// The sending end of one edge of the job graph: splits the batches of the
// last operator of a chain among the edge's channels (Flink's partitioner +
// record writer). Implementations are typed (operators/partitioners.hpp);
// the subtask sees this interface only. No CAF.
#pragma once

#include <cstddef>

#include "actors/contract/batch.hpp"

namespace sluice {

/// Receives the batches a router has finished for one of its channels.
class channel_sink {
public:
  virtual ~channel_sink() = default;
  virtual void send(size_t channel, batch_ptr b) = 0;
};

class output_router {
public:
  virtual ~output_router() = default;

  /// Splits `b` among the channels; hands every batch that reached the
  /// batch size to `out` right away and keeps the rest buffered.
  virtual void route(const batch_ptr& b, channel_sink& out) = 0;

  /// Hands every buffered partial batch to `out` (buffer timeout, before
  /// control messages, at end of input).
  virtual void flush(channel_sink& out) = 0;

  /// Whether `flush` would send anything.
  virtual bool has_buffered() const noexcept = 0;

  virtual size_t num_channels() const noexcept = 0;
};

} // namespace sluice
