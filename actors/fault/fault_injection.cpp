#include "actors/fault/fault_injection.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace sluice {

namespace {

std::optional<uint64_t> parse_count(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty())
    return std::nullopt;
  return v;
}

std::optional<std::chrono::milliseconds> parse_delay(std::string_view s) {
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
  auto n = parse_count(s);
  if (!n || *n > 86'400'000)
    return std::nullopt;
  return std::chrono::milliseconds{static_cast<int64_t>(*n * factor)};
}

/// The count a key sets, or null when `key` is no count of a scheduled
/// fault.
uint32_t* count_field(fault_injection_spec& spec, std::string_view key) {
  if (key == "kills")
    return &spec.kills;
  if (key == "throws")
    return &spec.throws;
  if (key == "alignment-kills")
    return &spec.alignment_kills;
  if (key == "snapshot-kills")
    return &spec.snapshot_kills;
  if (key == "commit-kills")
    return &spec.commit_kills;
  if (key == "restore-kills")
    return &spec.restore_kills;
  return nullptr;
}

} // namespace

std::string_view to_string(fault_action a) noexcept {
  switch (a) {
    case fault_action::kill:
      return "kill";
    case fault_action::throw_in_user_code:
      return "throw in user code";
    case fault_action::alignment_kill:
      return "kill mid-alignment";
    case fault_action::snapshot_kill:
      return "kill mid-asynchronous-snapshot";
    case fault_action::commit_kill:
      return "kill between pre-commit and commit";
    case fault_action::restore_kill:
      return "kill during restore";
  }
  return "?";
}

std::optional<std::string> fault_injection_spec::problem(bool checkpointing) const {
  if (checkpointing)
    return std::nullopt;
  for (auto [count, key] : {std::pair{alignment_kills, "alignment-kills"},
                            std::pair{snapshot_kills, "snapshot-kills"},
                            std::pair{commit_kills, "commit-kills"},
                            std::pair{storage_failures, "storage-failures"}})
    if (count > 0)
      return std::string{"inject-failures: "} + key
             + " needs checkpointing (set checkpointing.interval)";
  return std::nullopt;
}

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
      auto n = parse_count(value);
      if (!n)
        return bad("a number");
      spec.seed = *n;
    } else if (auto* count = count_field(spec, key)) {
      auto n = parse_count(value);
      if (!n || *n > 10'000u)
        return bad("a number up to 10000");
      *count = static_cast<uint32_t>(*n);
    } else if (key == "storage-failures") {
      auto n = parse_count(value);
      if (!n || *n > 10u)
        return bad("a number up to 10");
      spec.storage_failures = static_cast<uint32_t>(*n);
    } else if (key == "min-interval" || key == "max-interval" || key == "storage-delay") {
      auto d = parse_delay(value);
      if (!d)
        return bad("a duration with unit ms or s");
      (key == "min-interval"   ? spec.min_interval
       : key == "max-interval" ? spec.max_interval
                               : spec.storage_delay)
        = *d;
    } else {
      return fail("unknown key '" + std::string{key}
                  + "' (known: seed, kills, throws, alignment-kills, snapshot-kills, "
                    "commit-kills, restore-kills, min-interval, max-interval, "
                    "storage-failures, storage-delay)");
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
  auto add = [this](fault_action a, uint32_t n) { actions_.insert(actions_.end(), n, a); };
  add(fault_action::kill, spec.kills);
  add(fault_action::throw_in_user_code, spec.throws);
  add(fault_action::alignment_kill, spec.alignment_kills);
  add(fault_action::snapshot_kill, spec.snapshot_kills);
  add(fault_action::commit_kill, spec.commit_kills);
  add(fault_action::restore_kill, spec.restore_kills);
  std::shuffle(actions_.begin(), actions_.end(), rng_);
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
