#include "actors/system_config.hpp"

#include <fstream>

#include <caf/all.hpp>

#include "actors/error.hpp"
#include "snapshot/key_groups.hpp"

namespace sluice {

namespace {

caf::error invalid(const std::string& option, const std::string& value,
                   const std::string& allowed) {
  return make_error(ec::invalid_option, "pipeline." + option + " = " + value
                                          + ": " + allowed);
}

} // namespace

pipeline_config default_pipeline_config() {
  pipeline_config cfg;
  auto parsed = caf::config_value::parse(SLUICE_DEFAULT_PIPELINE_BUFFER_TIMEOUT);
  auto span = parsed ? caf::get_if<caf::timespan>(&*parsed) : nullptr;
  if (span != nullptr)
    cfg.buffer_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*span);
  return cfg;
}

void register_sluice(caf::actor_system_config& cfg) {
  cfg.add_error_category(error_category,
                         [](uint8_t code, caf::atom_value, const caf::message& ctx) {
                           return render(make_error(static_cast<ec>(code)))
                                  + (ctx.match_elements<std::string>()
                                       ? ": " + ctx.get_as<std::string>(0)
                                       : std::string{});
                         });
}

caf::error validate(const pipeline_config& cfg) {
  if (cfg.max_parallelism < 1 || cfg.max_parallelism > upper_bound_max_parallelism)
    return invalid("max-parallelism", std::to_string(cfg.max_parallelism),
                   "must be between 1 and "
                     + std::to_string(upper_bound_max_parallelism));
  if (cfg.parallelism < 1 || cfg.parallelism > cfg.max_parallelism)
    return invalid("parallelism", std::to_string(cfg.parallelism),
                   "must be between 1 and max-parallelism ("
                     + std::to_string(cfg.max_parallelism) + ")");
  if (cfg.batch_size < 1 || cfg.batch_size > (1u << 20))
    return invalid("batch-size", std::to_string(cfg.batch_size),
                   "must be between 1 and 1048576 records");
  if (cfg.buffer_timeout.count() < 0)
    return invalid("buffer-timeout", std::to_string(cfg.buffer_timeout.count()) + "ms",
                   "must not be negative");
  if (cfg.threads > 1024)
    return invalid("threads", std::to_string(cfg.threads),
                   "must be between 0 (one per core) and 1024");
  return caf::none;
}

system_config::system_config() {
  pipeline_ = default_pipeline_config();
  buffer_timeout_ = pipeline_.buffer_timeout;
  opt_group{custom_options_, "pipeline"}
    .add(pipeline_.parallelism, "parallelism,p",
         "default parallelism of every operator")
    .add(pipeline_.max_parallelism, "max-parallelism",
         "number of key groups, upper bound for rescaling keyed state")
    .add(pipeline_.batch_size, "batch-size", "records per batch crossing actors")
    .add(buffer_timeout_, "buffer-timeout",
         "send a partly filled batch after this long (e.g. 100ms)")
    .add(pipeline_.threads, "threads",
         "CAF scheduler threads of an own actor system (0: one per core)");
  register_sluice(*this);
}

caf::error system_config::parse_args(std::vector<std::string> args) {
  // CAF ignores a config file it cannot open; we do not.
  std::string config_file;
  for (auto& arg : args)
    if (arg.rfind("--config-file=", 0) == 0)
      config_file = arg.substr(14);
  if (!config_file.empty() && !std::ifstream{config_file})
    return make_error(ec::invalid_config_file,
                      config_file + ": cannot open the config file");
  caf::error err;
  if (config_file.empty()) {
    std::istringstream no_file;
    err = parse(args, no_file);
  } else {
    err = parse(args, config_file.c_str());
  }
  if (err)
    return make_error(config_file.empty() ? ec::invalid_option : ec::invalid_config_file,
                      (config_file.empty() ? "" : config_file + ": ")
                        + caf::to_string(err));
  positional_.clear();
  for (auto& arg : remainder) {
    if (arg.rfind("-", 0) == 0)
      return make_error(ec::invalid_option, "unknown option " + arg);
    positional_.push_back(arg);
  }
  pipeline_.buffer_timeout
    = std::chrono::duration_cast<std::chrono::milliseconds>(buffer_timeout_);
  return validate(pipeline_);
}

} // namespace sluice
