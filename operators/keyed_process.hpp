// Keyed process functions (Flink's KeyedProcessFunction) and the operator
// that hosts them. The operator computes each record's key with the same key
// selector the hash exchange used, makes it the current key of the keyed
// state backend, then calls the user function.
#pragma once

#include <string>
#include <vector>

#include "actors/operator.hpp"
#include "operators/collector.hpp"
#include "snapshot/key_groups.hpp"
#include "snapshot/keyed_state_backend.hpp"

namespace sluice {

/// Makes `key` the current key of `state`, serializing it into `buf` (a
/// buffer the caller reuses, so no allocation once it fits the longest key).
/// Fails the job (throws) when the key's group is not owned by this subtask:
/// the hash exchange and the operator disagree, a programmer error.
template <class K>
void set_current_key_checked(keyed_state_backend& state, const K& key,
                             const operator_context& ctx) {
  if (!state.set_current_key_of(key)) {
    auto range = state.range();
    ctx.fail("record with key group " + std::to_string(state.current_key_group())
             + " reached a subtask owning key groups " + std::to_string(range.first) + ".."
             + std::to_string(range.last));
  }
}

/// What a keyed process function sees while it runs.
template <class K>
class keyed_context {
public:
  keyed_context(operator_context& ctx, keyed_state_backend& state)
    : ctx_(&ctx), state_(&state) {
  }

  /// The key of the record being processed (only inside process_element).
  const K& current_key() const noexcept {
    return *key_;
  }

  /// Registers or looks up keyed state of any kind (value_state_descriptor,
  /// list_state_descriptor, map_state_descriptor, reducing_state_descriptor,
  /// aggregating_state_descriptor: see keyed_state_backend::get_state); call
  /// it in `open` and keep the reference: it follows the current key.
  template <class Descriptor>
  auto& state(const Descriptor& desc) {
    return state_->get_state(desc);
  }

  timestamp current_watermark() const noexcept {
    return ctx_->current_watermark();
  }

  timestamp processing_time() const noexcept {
    return ctx_->processing_time();
  }

  const subtask_info& info() const noexcept {
    return ctx_->info();
  }

  [[noreturn]] void fail(const std::string& reason) const {
    ctx_->fail(reason);
  }

  const K* key_ = nullptr;

private:
  operator_context* ctx_;
  keyed_state_backend* state_;
};

/// Subclass it and pass an instance to `keyed_stream::process`; every
/// subtask gets its own copy (like Flink, which deserializes one per task).
template <class K, class In, class Out>
class keyed_process_function {
public:
  using key_type = K;
  using input_type = In;
  using output_type = Out;

  virtual ~keyed_process_function() = default;

  /// Before the first record: register state here.
  virtual void open(keyed_context<K>&) {
  }

  virtual void process_element(const In& value, keyed_context<K>& ctx,
                               collector<Out>& out) = 0;

  /// End of input.
  virtual void close(keyed_context<K>&, collector<Out>&) {
  }
};

template <class K, class In, class Out, class Fn, class KeyFn>
class keyed_process_operator final : public stream_operator {
public:
  keyed_process_operator(Fn fn, KeyFn key) : fn_(std::move(fn)), key_(std::move(key)) {
  }

  void open(operator_context& ctx) override {
    auto* state = ctx.keyed_state();
    if (state == nullptr)
      ctx.fail("keyed process operator without keyed state");
    kctx_ = std::make_unique<keyed_context<K>>(ctx, *state);
    fn_.open(*kctx_);
  }

  void process(const batch_ptr& in, operator_context& ctx) override {
    auto& state = *ctx.keyed_state();
    std::vector<Out> out;
    collector<Out> c{out};
    for (auto& x : records_of<In>(*in)) {
      const K& key = key_(x); // binds a returned reference, or extends a temporary
      set_current_key_checked(state, key, ctx);
      kctx_->key_ = &key;
      fn_.process_element(x, *kctx_, c);
    }
    kctx_->key_ = nullptr;
    if (!out.empty())
      ctx.emit(make_batch(std::move(out)));
  }

  void close(operator_context& ctx) override {
    std::vector<Out> out;
    collector<Out> c{out};
    fn_.close(*kctx_, c);
    if (!out.empty())
      ctx.emit(make_batch(std::move(out)));
  }

private:
  Fn fn_;
  KeyFn key_;
  std::unique_ptr<keyed_context<K>> kctx_;
};

} // namespace sluice
