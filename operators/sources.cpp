#include "operators/sources.hpp"

#include <array>
#include <string>

namespace sluice {

namespace {

/// splitmix64: a stateless, well-mixed function of its input.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

const std::array<const char*, 4> seed_users = {"Mary", "Alice", "Bob", "Cary"};
const std::array<const char*, 5> seed_urls = {"./home", "./cart", "./fav",
                                              "./prod?id=1", "./prod?id=2"};

} // namespace

std::ostream& operator<<(std::ostream& os, const event& e) {
  return os << "Event{user='" << e.user << "', url='" << e.url
            << "', timestamp=" << e.timestamp << '}';
}

event click_event_at(const click_source_options& opts, uint64_t i) {
  auto h = mix(opts.seed ^ mix(i));
  event e;
  if (opts.users == 0)
    e.user = seed_users[h % seed_users.size()];
  else
    e.user = "user-" + std::to_string(h % opts.users);
  e.url = seed_urls[(h >> 32) % seed_urls.size()];
  e.timestamp = opts.first_timestamp + static_cast<int64_t>(i) * opts.timestamp_step_ms;
  return e;
}

std::optional<uint64_t> restored_offset(const initialization_context& ctx,
                                        std::string_view source) {
  if (!ctx.restored)
    return std::nullopt;
  auto items = ctx.restored_list("offset");
  if (items.size() != 1)
    throw exception(ec::incompatible_state,
                    std::string{source} + ": restored " + std::to_string(items.size())
                      + " offsets from checkpoint " + std::to_string(ctx.restored_checkpoint_id)
                      + ", expected 1 (this source cannot change its parallelism)");
  return decode_value<uint64_t>(items.front(), "offset");
}

click_source::click_source(click_source_options opts) : opts_(opts) {
}

void click_source::initialize_state(const initialization_context& ctx) {
  restored_ = restored_offset(ctx, "click source");
}

void click_source::open(operator_context& ctx) {
  next_ = restored_.value_or(ctx.info().subtask_index);
  stride_ = ctx.info().parallelism;
  started_ = std::chrono::steady_clock::now();
}

void click_source::snapshot_state(const snapshot_context& ctx) {
  std::string bytes;
  encode_value(next_, bytes);
  ctx.add_list_item("offset", std::move(bytes));
}

source_step click_source::emit_next(operator_context& ctx, size_t max_records) {
  auto remaining = [&] { return opts_.count == 0 || next_ < opts_.count; };
  size_t n = max_records;
  if (opts_.rate > 0) {
    // This instance's share of the rate: emit what is due by now.
    using namespace std::chrono;
    auto elapsed = duration<double>(steady_clock::now() - started_).count();
    auto due = static_cast<uint64_t>(elapsed * opts_.rate / static_cast<double>(stride_)) + 1;
    if (due <= emitted_) {
      auto wait = (static_cast<double>(emitted_) * static_cast<double>(stride_) / opts_.rate)
                  - elapsed;
      return {source_step::idle,
              microseconds{static_cast<int64_t>(std::max(wait, 0.0005) * 1e6)}};
    }
    n = std::min<uint64_t>(n, due - emitted_);
  }
  std::vector<event> out;
  out.reserve(n);
  for (; remaining() && out.size() < n; next_ += stride_)
    out.push_back(click_event_at(opts_, next_));
  emitted_ += out.size();
  if (!out.empty())
    ctx.emit(make_batch(std::move(out)));
  return {remaining() ? source_step::more : source_step::finished};
}

} // namespace sluice
