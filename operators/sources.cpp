#include "operators/sources.hpp"

#include <algorithm>
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

pacing pace(double rate, uint64_t emitted, std::chrono::steady_clock::time_point start,
            size_t max) {
  if (rate <= 0)
    return {max, {}};
  using namespace std::chrono;
  auto elapsed = duration<double>(steady_clock::now() - start).count();
  auto due = static_cast<uint64_t>(elapsed * rate) + 1;
  if (due > emitted)
    return {static_cast<size_t>(std::min<uint64_t>(max, due - emitted)), {}};
  auto wait = static_cast<double>(emitted) / rate - elapsed;
  return {0, microseconds{static_cast<int64_t>(std::max(wait, 0.0005) * 1e6)}};
}

} // namespace sluice
