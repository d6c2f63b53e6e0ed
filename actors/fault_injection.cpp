#include "actors/fault_injection.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace sluice {

namespace {

std::optional<uint64_t> parse_number(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty())
    return std::nullopt;
  return v;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
  uint64_t factor = 0;
  if (s.size() > 2 && s.substr(s.size() - 2) == "ms") {
    factor = 1;
    s.remove_suffix(2);
  } else if (s.size() > 1 && s.back() == 's') {
    factor = 1000;
    s.remove_suffix(1);
  } else {
    return std::nullopt;
  }
  auto n = parse_number(s);
  if (!n || *n > 86'400'000)
    return std::nullopt;
  return std::chrono::milliseconds{static_cast<int64_t>(*n * factor)};
}

} // namespace

std::optional<fault_injection_spec> fault_injection_spec::parse(std::string_view text,
                                                                std::string& error) {
  fault_injection_spec spec;
  auto fail = [&](std::string what) {
    error = "inject-failures: " + std::move(what);
    return std::nullopt;
  };
  while (!text.empty()) {
    auto comma = text.find(',');
    auto pair = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      return fail("'" + std::string{pair} + "' is not key=value");
    auto key = pair.substr(0, eq);
    auto value = pair.substr(eq + 1);
    auto bad = [&](const char* expected) {
      return fail(std::string{key} + " = '" + std::string{value} + "': expected " + expected);
    };
    if (key == "seed") {
      auto n = parse_number(value);
      if (!n)
        return bad("a number");
      spec.seed = *n;
    } else if (key == "kills" || key == "storage-failures") {
      auto n = parse_number(value);
      if (!n || *n > (key == "kills" ? 10'000u : 10u))
        return bad(key == "kills" ? "a number up to 10000" : "a number up to 10");
      (key == "kills" ? spec.kills : spec.storage_failures) = static_cast<uint32_t>(*n);
    } else if (key == "min-interval" || key == "max-interval" || key == "storage-delay") {
      auto d = parse_duration(value);
      if (!d)
        return bad("a duration with unit ms or s");
      (key == "min-interval"   ? spec.min_interval
       : key == "max-interval" ? spec.max_interval
                               : spec.storage_delay)
        = *d;
    } else {
      return fail("unknown key '" + std::string{key}
                  + "' (known: seed, kills, min-interval, max-interval, storage-failures, "
                    "storage-delay)");
    }
  }
  if (spec.min_interval > spec.max_interval)
    return fail("min-interval must not exceed max-interval");
  return spec;
}

fault_schedule::fault_schedule(const fault_injection_spec& spec) : spec_(spec), rng_(spec.seed) {
  std::vector<uint64_t> ids{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  std::shuffle(ids.begin(), ids.end(), rng_);
  failing_.insert(ids.begin(), ids.begin() + spec.storage_failures);
}

std::chrono::milliseconds fault_schedule::next_delay() {
  auto lo = spec_.min_interval.count();
  auto hi = spec_.max_interval.count();
  return std::chrono::milliseconds{lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo + 1))};
}

size_t fault_schedule::pick(size_t n) {
  return static_cast<size_t>(rng_() % n);
}

} // namespace sluice
