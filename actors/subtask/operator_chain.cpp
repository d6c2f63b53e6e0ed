#include "actors/subtask/operator_chain.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>

#include "snapshot/keyed_state_backend.hpp"

namespace sluice {

/// The context given to the operator at position `index_`.
class operator_chain::context final : public operator_context {
public:
  context(operator_chain& chain, size_t index) : chain_(chain), index_(index) {
  }

  void emit(batch_ptr b) override {
    metrics_.records_out += b->size();
    ++metrics_.batches_out;
    chain_.emit_from(index_, std::move(b));
  }

  void emit_watermark(timestamp wm) override {
    chain_.watermark_from(index_, wm);
  }

  void emit_side(const std::string& tag, batch_ptr b) override {
    chain_.emit_side_from(index_, tag, std::move(b));
  }

  void emit_watermark_status(bool idle) override {
    // Operators after this one keep their watermark; only the chain's
    // output tells downstream.
    if (chain_.on_output_status)
      chain_.on_output_status(idle);
  }

  keyed_state_backend* keyed_state() noexcept override {
    return chain_.links_[index_].state.get();
  }

  timestamp current_watermark() const noexcept override {
    return watermark_;
  }

  timestamp processing_time() const noexcept override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
  }

  operator_metrics& metrics() noexcept override {
    return metrics_;
  }

  const subtask_info& info() const noexcept override {
    return chain_.links_[index_].info;
  }

  void request_processing_time(timestamp at) override {
    if (at >= requested_)
      return;
    requested_ = at;
    if (chain_.on_processing_time_request)
      chain_.on_processing_time_request(at);
  }

  timestamp watermark_ = min_timestamp;
  /// Earliest processing time the operator asked to be called at.
  timestamp requested_ = max_timestamp;
  operator_metrics metrics_;

private:
  operator_chain& chain_;
  size_t index_;
};

operator_chain::operator_chain(std::vector<link> links,
                               std::vector<std::unique_ptr<output_router>> routers,
                               std::vector<channel_sink*> sinks,
                               std::vector<std::string> side_outputs)
  : links_(std::move(links)), routers_(std::move(routers)), sinks_(std::move(sinks)),
    side_outputs_(std::move(side_outputs)) {
  assert(!links_.empty());
  assert(routers_.size() == sinks_.size());
  assert(side_outputs_.size() <= routers_.size());
  side_outputs_.resize(routers_.size());
  for (size_t i = 0; i < routers_.size(); ++i)
    if (side_outputs_[i].empty())
      main_routers_.push_back(i);
  for (size_t i = 0; i < links_.size(); ++i) {
    contexts_.push_back(std::make_unique<context>(*this, i));
    if (links_[i].state && links_[i].state->incremental())
      links_[i].chain = std::make_shared<incremental_chain>();
  }
}

operator_chain::~operator_chain() = default;

void operator_chain::open(const std::vector<initialization_context>& inits) {
  const initialization_context fresh;
  for (active_ = 0; active_ < links_.size(); ++active_) {
    links_[active_].op->initialize_state(active_ < inits.size() ? inits[active_] : fresh);
    links_[active_].op->open(*contexts_[active_]);
  }
  active_ = 0;
  end_state_batches();
}

void operator_chain::end_state_batches() {
  for (auto& l : links_)
    if (l.state)
      l.state->end_batch();
}

bool operator_chain::is_source() const noexcept {
  return dynamic_cast<source_operator*>(links_.front().op.get()) != nullptr;
}

source_step operator_chain::emit_next(size_t max_records) {
  assert(is_source());
  active_ = 0;
  auto* src = static_cast<source_operator*>(links_.front().op.get());
  return src->emit_next(*contexts_.front(), max_records);
}

void operator_chain::process(const batch_ptr& b) {
  assert(b && b->size() > 0);
  auto& m = contexts_.front()->metrics_;
  m.records_in += b->size();
  ++m.batches_in;
  active_ = 0;
  links_.front().op->process(b, *contexts_.front());
  end_state_batches();
}

void operator_chain::emit_from(size_t index, batch_ptr b) {
  if (b->size() == 0)
    return;
  auto next = index + 1;
  if (next < links_.size()) {
    auto& m = contexts_[next]->metrics_;
    m.records_in += b->size();
    ++m.batches_in;
    auto saved = active_;
    active_ = next;
    links_[next].op->process(b, *contexts_[next]);
    active_ = saved;
    return;
  }
  for (auto i : main_routers_)
    routers_[i]->route(b, *sinks_[i]);
}

void operator_chain::emit_side_from(size_t index, const std::string& tag, batch_ptr b) {
  // Only the last operator has side output edges (they end a chain).
  if (b->size() == 0 || index + 1 != links_.size())
    return;
  for (size_t i = 0; i < routers_.size(); ++i)
    if (side_outputs_[i] == tag)
      routers_[i]->route(b, *sinks_[i]);
}

void operator_chain::process_watermark(timestamp wm) {
  watermark_from(static_cast<size_t>(-1), wm);
  end_state_batches();
}

void operator_chain::watermark_from(size_t index, timestamp wm) {
  // `index` is the operator that emitted the watermark; -1 is the input.
  auto next = index + 1;
  if (next < links_.size()) {
    auto& ctx = *contexts_[next];
    if (wm <= ctx.watermark_)
      return; // watermarks never go back
    ctx.watermark_ = wm;
    auto saved = active_;
    active_ = next;
    auto& op = *links_[next].op;
    op.on_watermark(wm, ctx);
    active_ = saved;
    if (op.forwards_watermarks() || wm == max_timestamp)
      watermark_from(next, wm);
    return;
  }
  if (wm > output_watermark_) {
    output_watermark_ = wm;
    if (on_output_watermark)
      on_output_watermark(wm);
  }
}

void operator_chain::emit_max_watermark() {
  watermark_from(is_source() ? 0 : static_cast<size_t>(-1), max_timestamp);
  end_state_batches();
}

void operator_chain::finish_input() {
  // A source head emits the final watermark itself; other heads receive it.
  watermark_from(is_source() ? 0 : static_cast<size_t>(-1), max_timestamp);
  for (active_ = 0; active_ < links_.size(); ++active_)
    links_[active_].op->close(*contexts_[active_]);
  active_ = 0;
  end_state_batches();
}

void operator_chain::fire_processing_time(timestamp now) {
  for (active_ = 0; active_ < links_.size(); ++active_) {
    auto& ctx = *contexts_[active_];
    if (ctx.requested_ > now)
      continue;
    ctx.requested_ = max_timestamp;
    links_[active_].op->on_processing_time(now, ctx);
  }
  active_ = 0;
  end_state_batches();
}

timestamp operator_chain::next_processing_time() const noexcept {
  auto next = max_timestamp;
  for (auto& ctx : contexts_)
    next = std::min(next, ctx->requested_);
  return next;
}

timestamp operator_chain::processing_time() noexcept {
  return contexts_.front()->processing_time();
}

void operator_chain::flush() {
  for (size_t i = 0; i < routers_.size(); ++i)
    routers_[i]->flush(*sinks_[i]);
}

bool operator_chain::has_buffered() const noexcept {
  for (auto& r : routers_)
    if (r->has_buffered())
      return true;
  return false;
}

std::vector<operator_chain::operator_state_copy>
operator_chain::snapshot_state(uint64_t checkpoint_id, timestamp ts) {
  std::vector<operator_state_copy> result(links_.size());
  for (active_ = 0; active_ < links_.size(); ++active_) {
    auto& l = links_[active_];
    auto& out = result[active_];
    out.uid = l.info.operator_uid;
    out.parallelism = l.info.parallelism;
    out.max_parallelism = l.info.max_parallelism;
    l.op->snapshot_state(snapshot_context{checkpoint_id, ts, &out.list_items});
    if (l.state) {
      out.key_groups = l.state->range();
      out.keyed = l.state->snapshot(checkpoint_id);
      out.chain = l.chain;
      if (l.chain && out.keyed->incremental())
        out.base_chain = l.chain->at(out.keyed->base_checkpoint());
    }
  }
  active_ = 0;
  return result;
}

void operator_chain::notify_checkpoint_complete(uint64_t checkpoint_id) {
  for (active_ = 0; active_ < links_.size(); ++active_) {
    if (links_[active_].state)
      links_[active_].state->notify_checkpoint_complete(checkpoint_id);
    if (links_[active_].chain)
      links_[active_].chain->confirm(checkpoint_id);
    links_[active_].op->notify_checkpoint_complete(checkpoint_id);
  }
  active_ = 0;
}

void operator_chain::notify_checkpoint_aborted(uint64_t checkpoint_id) {
  for (active_ = 0; active_ < links_.size(); ++active_)
    links_[active_].op->notify_checkpoint_aborted(checkpoint_id);
  active_ = 0;
}

operator_metrics operator_chain::metrics() const {
  operator_metrics result;
  result.records_in = contexts_.front()->metrics_.records_in;
  result.batches_in = contexts_.front()->metrics_.batches_in;
  result.records_out = contexts_.back()->metrics_.records_out;
  result.batches_out = contexts_.back()->metrics_.batches_out;
  return result;
}

const subtask_info& operator_chain::failing_operator() const noexcept {
  return links_[active_ < links_.size() ? active_ : 0].info;
}

} // namespace sluice
