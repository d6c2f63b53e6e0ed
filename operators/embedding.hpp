// The operator ends of an embedded job: a source draining an `inlet<T>` and
// a sink handing batches to an `outlet<T>` (actors/subtask/inlet.hpp). Plain
// objects, no CAF; actors/contract/actor_io.hpp has the actors a host talks to.
//
//   auto in = sluice::make_inlet<int>(4096);
//   env.from_inlet(in).map(...).sink_to(sluice::outlet<int>{on_batch, on_end});
//
// Semantics: see actors/subtask/inlet.hpp (not replayable: at-most-once in,
// at-least-once out).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "actors/subtask/inlet.hpp"
#include "actors/contract/operator.hpp"

namespace sluice {

/// Emits what the host pushed into an inlet; finishes once the inlet is
/// closed and drained. With parallelism n, the n subtasks share the inlet
/// and each record goes to one of them. Empty inlet: the step is `idle` and
/// the subtask asks again after `poll` (no busy loop, no blocking).
template <class T>
class inlet_source final : public source_operator {
public:
  inlet_source(inlet_ptr<T> in, std::chrono::microseconds poll)
    : in_(std::move(in)), poll_(poll) {
  }

  source_step emit_next(operator_context& ctx, size_t max_records) override {
    auto xs = in_->pop(max_records);
    if (!xs.empty()) {
      ctx.emit(make_batch(std::move(xs)));
      return {source_step::more};
    }
    // Drained only if closed *and* empty: the pop above may have raced a
    // push, so check again rather than conclude from the empty pop.
    if (in_->drained())
      return {source_step::finished};
    return {source_step::idle, poll_};
  }

private:
  inlet_ptr<T> in_;
  std::chrono::microseconds poll_;
};

/// State shared by the subtasks of one `sink_to` sink: counts the subtasks
/// that closed in the newest attempt, so `on_end` runs once per finished job.
struct outlet_barrier {
  std::mutex mtx;
  uint64_t attempt = 0;
  uint32_t closed = 0;
};

/// Hands every batch to `out.on_batch` (one copy of the records per batch);
/// the last subtask of an attempt to close calls `out.on_end`.
template <class T>
class outlet_sink final : public stream_operator {
public:
  outlet_sink(outlet<T> out, std::shared_ptr<outlet_barrier> barrier)
    : out_(std::move(out)), barrier_(std::move(barrier)) {
  }

  void process(const batch_ptr& in, operator_context&) override {
    if (out_.on_batch)
      out_.on_batch(records_of<T>(*in));
  }

  void close(operator_context& ctx) override {
    auto& info = ctx.info();
    bool last = false;
    {
      std::lock_guard<std::mutex> guard{barrier_->mtx};
      if (info.attempt < barrier_->attempt)
        return; // a straggler of an older attempt
      if (info.attempt > barrier_->attempt) {
        barrier_->attempt = info.attempt;
        barrier_->closed = 0;
      }
      last = ++barrier_->closed == info.parallelism;
    }
    if (last && out_.on_end)
      out_.on_end();
  }

private:
  outlet<T> out_;
  std::shared_ptr<outlet_barrier> barrier_;
};

} // namespace sluice
