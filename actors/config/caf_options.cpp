#include "actors/config/caf_options.hpp"

#include <chrono>
#include <cstdint>

#include <caf/all.hpp>

#include "actors/contract/error.hpp"

namespace sluice {

namespace {

/// A pointer to a protected member may be formed through a derived class.
struct options_access : caf::actor_system_config {
  static caf::config_option_set& of(caf::actor_system_config& cfg) {
    return cfg.*(&options_access::custom_options_);
  }
  static const caf::config_option_set& of(const caf::actor_system_config& cfg) {
    return cfg.*(&options_access::custom_options_);
  }
};

/// "name" or "name,x" (CAF's way of giving a short name).
std::string cli_name(const option_info& row) {
  std::string name{row.name};
  if (row.short_name != 0)
    name += std::string{","} + row.short_name;
  return name;
}

void add_option(caf::config_option_set& options, const option_info& row) {
  caf::config_option_adder add{options, caf::string_view{row.group.data(), row.group.size()}};
  auto name = cli_name(row);
  auto help = caf::string_view{row.help.data(), row.help.size()};
  switch (row.type) {
    case option_type::flag:
      add.add<bool>(name, help);
      break;
    case option_type::int32:
      add.add<int32_t>(name, help);
      break;
    case option_type::uint32:
      add.add<uint32_t>(name, help);
      break;
    case option_type::int64:
      add.add<int64_t>(name, help);
      break;
    case option_type::uint64:
      add.add<uint64_t>(name, help);
      break;
    case option_type::real:
      add.add<double>(name, help);
      break;
    case option_type::duration:
      add.add<caf::timespan>(name, help);
      break;
    case option_type::text:
      add.add<std::string>(name, help);
      break;
  }
}

} // namespace

caf::config_option_set& option_set(caf::actor_system_config& cfg) {
  return options_access::of(cfg);
}

const caf::config_option_set& option_set(const caf::actor_system_config& cfg) {
  return options_access::of(cfg);
}

const caf::config_option* registered_option(const caf::actor_system_config& cfg,
                                            std::string_view full_name) {
  return option_set(cfg).qualified_name_lookup(
    caf::string_view{full_name.data(), full_name.size()});
}

void add_options(caf::actor_system_config& cfg, std::span<const option_info> rows,
                 option_scope scope) {
  auto& options = option_set(cfg);
  for (auto& row : rows) {
    if (row.own_system_only && scope == option_scope::host)
      continue;
    auto full = row.group == "global" ? "global." + std::string{row.name} : row.full_name();
    if (options.qualified_name_lookup(full) == nullptr)
      add_option(options, row);
  }
}

std::optional<std::string> option_text(const caf::actor_system_config& cfg,
                                       const option_info& row) {
  auto key = row.full_name();
  switch (row.type) {
    case option_type::flag:
      if (auto b = caf::get_if<bool>(&cfg, key))
        return std::string{*b ? "true" : "false"};
      break;
    case option_type::int32:
    case option_type::uint32:
    case option_type::int64:
    case option_type::uint64:
      if (auto i = caf::get_if<int64_t>(&cfg, key))
        return std::to_string(*i);
      break;
    case option_type::real:
      if (auto x = caf::get_if<double>(&cfg, key))
        return format_decimal(*x);
      if (auto i = caf::get_if<int64_t>(&cfg, key))
        return std::to_string(*i);
      break;
    case option_type::duration:
      if (auto t = caf::get_if<caf::timespan>(&cfg, key))
        return format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(*t));
      break;
    case option_type::text:
      if (auto s = caf::get_if<std::string>(&cfg, key))
        return *s;
      break;
  }
  return std::nullopt;
}

caf::error read_engine_options(const caf::actor_system_config& cfg, std::string_view group,
                               engine_config& out) {
  for (auto& row : engine_options()) {
    if (!group.empty() && row.group != group)
      continue;
    auto value = option_text(cfg, row);
    if (!value)
      continue;
    auto name = row.full_name();
    // CAF has no "unset" duration: 0 turns checkpointing off, as `off` does.
    if (name == "checkpointing.interval" && *value == "0ms")
      *value = "off";
    if (auto problem = out.set(name, *value))
      return make_error(ec::invalid_option, *problem);
  }
  return caf::none;
}

std::vector<std::string> take_flag_values(caf::actor_system_config& cfg,
                                          std::vector<std::string>& args) {
  auto& options = option_set(cfg);
  std::vector<std::string> cleared;
  for (auto i = args.begin(); i != args.end();) {
    auto eq = i->find('=');
    if (i->rfind("--", 0) == 0 && eq != std::string::npos) {
      auto name = i->substr(2, eq - 2);
      auto value = i->substr(eq + 1);
      auto* opt = options.qualified_name_lookup(name);
      if (opt != nullptr && opt->is_flag() && (value == "true" || value == "false")) {
        if (value == "false") {
          cleared.push_back(name);
          i = args.erase(i);
          continue;
        }
        *i = "--" + name;
      }
    }
    ++i;
  }
  return cleared;
}

void clear_flags(caf::actor_system_config& cfg, const std::vector<std::string>& names) {
  for (auto& name : names)
    caf::put(cfg.content, name, false);
}

} // namespace sluice
