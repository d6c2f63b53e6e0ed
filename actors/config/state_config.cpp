#include "actors/config/state_config.hpp"

#include <charconv>
#include <system_error>

namespace sluice {

std::filesystem::path state_config::effective_local_dir() const {
  if (!local_dir.empty())
    return local_dir;
  std::error_code ec;
  auto tmp = std::filesystem::temp_directory_path(ec);
  return (ec ? std::filesystem::path{"/tmp"} : tmp) / "sluice-state";
}

const std::vector<std::string_view>& state_config::option_names() {
  static const std::vector<std::string_view> names{"backend", "incremental", "local-dir",
                                                   "lmdb-cache-entries"};
  return names;
}

std::optional<std::string> state_config::set(std::string_view option, std::string_view value) {
  auto bad = [&](std::string_view allowed) {
    return "state." + std::string{option} + "=" + std::string{value} + ": " + std::string{allowed};
  };
  if (option == "backend") {
    auto kind = parse_state_backend_kind(value);
    if (!kind)
      return bad("must be hashmap or lmdb");
    backend = *kind;
  } else if (option == "incremental") {
    if (value == "true")
      incremental = true;
    else if (value == "false")
      incremental = false;
    else
      return bad("must be true or false");
  } else if (option == "local-dir") {
    local_dir = std::string{value};
  } else if (option == "lmdb-cache-entries") {
    int64_t n = 0;
    auto [end, err] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (err != std::errc{} || end != value.data() + value.size())
      return bad("must be a whole number of entries");
    lmdb_cache_entries = n;
  } else {
    return "unknown option state." + std::string{option};
  }
  return std::nullopt;
}

std::optional<std::string> state_config::validate() const {
  if (lmdb_cache_entries < 0)
    return "state.lmdb-cache-entries=" + std::to_string(lmdb_cache_entries)
           + ": must not be negative";
  if (incremental && backend != state_backend_kind::lmdb)
    return "state.incremental=true: incremental checkpoints need state.backend=lmdb (the "
           "hashmap backend always writes full checkpoints)";
  return std::nullopt;
}

} // namespace sluice
