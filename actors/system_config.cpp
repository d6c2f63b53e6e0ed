#include "actors/system_config.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include <caf/all.hpp>

#include "actors/actors.hpp"
#include "actors/embedding.hpp"
#include "actors/error.hpp"
#include "snapshot/key_groups.hpp"

namespace sluice {

namespace {

caf::error invalid(const std::string& option, const std::string& value,
                   const std::string& allowed) {
  return make_error(ec::invalid_option, "pipeline." + option + " = " + value
                                          + ": " + allowed);
}

std::string str(caf::string_view x) {
  return std::string(x.data(), x.size());
}

/// A human description of CAF's parser errors (`pec`), which otherwise
/// render only as "parser_error(not_an_option, ...)".
std::string describe_parse_error(const caf::error& err) {
  std::string what;
  if (err.category() == caf::atom("parser")) {
    switch (static_cast<caf::pec>(err.code())) {
      case caf::pec::not_an_option:
        what = "unknown option";
        break;
      case caf::pec::missing_argument:
        what = "missing value";
        break;
      case caf::pec::integer_overflow:
      case caf::pec::timespan_overflow:
      case caf::pec::exponent_overflow:
      case caf::pec::exponent_underflow:
        what = "value out of range";
        break;
      case caf::pec::type_mismatch:
        what = "value of the wrong type";
        break;
      case caf::pec::unexpected_eof:
      case caf::pec::unexpected_character:
      case caf::pec::trailing_character:
      case caf::pec::unexpected_newline:
      case caf::pec::too_many_characters:
      case caf::pec::illegal_escape_sequence:
        what = "malformed value or syntax error";
        break;
      default:
        break;
    }
  }
  auto rendered = caf::to_string(err);
  // CAF names the offending argument in the error's context.
  const std::string marker = "\"argument\" = \"";
  auto pos = rendered.find(marker);
  if (!what.empty() && pos != std::string::npos) {
    auto begin = pos + marker.size();
    auto end = rendered.find('"', begin);
    if (end != std::string::npos)
      return what + ": " + rendered.substr(begin, end - begin);
  }
  return what.empty() ? rendered : what + " (" + rendered + ")";
}

/// CAF's INI reader silently drops values of the wrong type for known options
/// and keeps unknown keys and sections without complaint. Re-reads `file`
/// untyped and checks every entry against `opts`: unknown sections and keys
/// and ill-typed values are errors naming the option. A whole number given
/// for a real-valued option (`jitter-factor = 0`) is not an error: it is
/// added to `widened` (full name, value) for the caller to store.
caf::error check_config_file(const std::string& file, const caf::config_option_set& opts,
                             std::vector<std::pair<std::string, double>>& widened) {
  std::ifstream in{file};
  auto content = caf::actor_system_config::parse_config(in);
  auto fail = [&](const std::string& what) {
    return make_error(ec::invalid_config_file, file + ": " + what);
  };
  if (!content)
    return fail(describe_parse_error(content.error()));
  auto has_category = [&](const std::string& category) {
    for (auto& opt : opts)
      if (opt.category() == category)
        return true;
    return false;
  };
  auto check = [&](const caf::config_option& opt, const caf::config_value& value) {
    auto* whole = caf::get_if<int64_t>(&value);
    if (whole != nullptr && opt.type_name() == "real64") {
      widened.emplace_back(str(opt.full_name()), static_cast<double>(*whole));
      return caf::error{};
    }
    if (auto err = opt.check(value))
      return fail("option " + str(opt.full_name()) + " = " + caf::to_string(value)
                  + ": expected a value of type " + str(opt.type_name()));
    return caf::error{};
  };
  for (auto& [key, value] : *content) {
    auto* section = caf::get_if<caf::settings>(&value);
    if (section != nullptr && has_category(key)) {
      for (auto& [name, x] : *section) {
        auto* opt = opts.qualified_name_lookup(key, name);
        if (opt == nullptr)
          return fail("unknown option " + key + "." + name + " in section [" + key + "]");
        if (auto err = check(*opt, x))
          return err;
      }
    } else if (auto* opt = opts.qualified_name_lookup("global", key)) {
      if (auto err = check(*opt, value))
        return err;
    } else if (section != nullptr) {
      return fail("unknown section [" + key + "]");
    } else {
      return fail("unknown option " + key + " outside of any section");
    }
  }
  return caf::none;
}

} // namespace

pipeline_config default_pipeline_config() {
  pipeline_config cfg;
  auto set = [](std::chrono::milliseconds& out, const char* text) {
    auto parsed = caf::config_value::parse(text);
    auto span = parsed ? caf::get_if<caf::timespan>(&*parsed) : nullptr;
    if (span != nullptr)
      out = std::chrono::duration_cast<std::chrono::milliseconds>(*span);
  };
  set(cfg.buffer_timeout, SLUICE_DEFAULT_PIPELINE_BUFFER_TIMEOUT);
  set(cfg.auto_watermark_interval, SLUICE_DEFAULT_PIPELINE_AUTO_WATERMARK_INTERVAL);
  set(cfg.heartbeat_interval, SLUICE_DEFAULT_HEARTBEAT_INTERVAL);
  set(cfg.heartbeat_timeout, SLUICE_DEFAULT_HEARTBEAT_TIMEOUT);
  return cfg;
}

void register_sluice(caf::actor_system_config& cfg) {
  // Every message between sluice's actors, by name (remote-ready; batches
  // themselves still refuse to serialize, see actors/messages.hpp).
  cfg.add_message_type<data_msg>("sluice.data_msg")
    .add_message_type<barrier_msg>("sluice.barrier_msg")
    .add_message_type<watermark_msg>("sluice.watermark_msg")
    .add_message_type<eos_msg>("sluice.eos_msg")
    .add_message_type<credit_msg>("sluice.credit_msg")
    .add_message_type<subtask_metrics>("sluice.subtask_metrics")
    .add_message_type<trigger_msg>("sluice.trigger_msg")
    .add_message_type<ack_msg>("sluice.ack_msg")
    .add_message_type<decline_msg>("sluice.decline_msg")
    .add_message_type<checkpoint_done_msg>("sluice.checkpoint_done_msg")
    .add_message_type<subtask_state_msg>("sluice.subtask_state_msg")
    .add_message_type<subtask_actor>("sluice.subtask_actor")
    .add_message_type<job_master_actor>("sluice.job_master_actor");
  add_sluice_options(cfg);
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
  if (cfg.auto_watermark_interval.count() < 0)
    return invalid("auto-watermark-interval",
                   std::to_string(cfg.auto_watermark_interval.count()) + "ms",
                   "must not be negative (0ms: periodic watermarks off)");
  if (cfg.threads > 1024)
    return invalid("threads", std::to_string(cfg.threads),
                   "must be between 0 (one per core) and 1024");
  if (cfg.heartbeat_interval.count() < 1)
    return make_error(ec::invalid_option,
                      "heartbeat.interval = " + std::to_string(cfg.heartbeat_interval.count())
                        + "ms: must be at least 1ms");
  if (cfg.heartbeat_timeout < cfg.heartbeat_interval)
    return make_error(ec::invalid_option,
                      "heartbeat.timeout = " + std::to_string(cfg.heartbeat_timeout.count())
                        + "ms: must not be shorter than heartbeat.interval ("
                        + std::to_string(cfg.heartbeat_interval.count()) + "ms)");
  if (cfg.buffers_per_channel < 1 || cfg.buffers_per_channel > 1024)
    return invalid("buffers-per-channel", std::to_string(cfg.buffers_per_channel),
                   "must be between 1 and 1024 batches");
  return caf::none;
}

system_config::system_config() {
  pipeline_ = default_pipeline_config();
  buffer_timeout_ = pipeline_.buffer_timeout;
  auto_watermark_interval_ = pipeline_.auto_watermark_interval;
  heartbeat_interval_ = pipeline_.heartbeat_interval;
  heartbeat_timeout_ = pipeline_.heartbeat_timeout;
  opt_group{custom_options_, "rest"}
    .add(rest_.address, "address", "address the REST endpoint listens on (sluice run)")
    .add(rest_.port, "port", "port of the REST endpoint (0: any free port)");
  opt_group{custom_options_, "heartbeat"}
    .add(heartbeat_interval_, "interval",
         "how often the job master asks every subtask whether it is alive (e.g. 10s)")
    .add(heartbeat_timeout_, "timeout",
         "a subtask that has not answered for this long is failed (e.g. 50s)");
  opt_group{custom_options_, "pipeline"}
    .add(pipeline_.parallelism, "parallelism,p",
         "default parallelism of every operator (also --parallelism)")
    .add(pipeline_.max_parallelism, "max-parallelism",
         "number of key groups, upper bound for rescaling keyed state")
    .add(pipeline_.batch_size, "batch-size", "records per batch crossing actors")
    .add(buffer_timeout_, "buffer-timeout",
         "send a partly filled batch after this long (e.g. 100ms)")
    .add(auto_watermark_interval_, "auto-watermark-interval",
         "how often timestamp assigners emit their periodic watermark (e.g. 200ms; 0: off)")
    .add(pipeline_.threads, "threads",
         "CAF scheduler threads of an own actor system (0: one per core)")
    .add(pipeline_.buffers_per_channel, "buffers-per-channel",
         "credit window: batches a sender may have in flight per channel");
  auto& d = checkpointing_;
  cp_.interval = d.interval ? caf::timespan{*d.interval} : caf::timespan{0};
  cp_.mode = to_string(d.mode);
  cp_.timeout = d.timeout;
  cp_.min_pause = d.min_pause;
  cp_.max_concurrent = d.max_concurrent;
  cp_.tolerable_failures = d.tolerable_failures;
  cp_.unaligned = d.unaligned;
  cp_.aligned_timeout = d.aligned_timeout;
  cp_.externalized = to_string(d.externalized);
  cp_.retained = d.retained;
  cp_.storage = to_string(d.storage);
  cp_.dir = d.dir;
  cp_.savepoint_dir = d.savepoint_dir;
  opt_group{custom_options_, "checkpointing"}
    .add(cp_.interval, "interval", "time between checkpoint triggers, e.g. 1s (0: off)")
    .add(cp_.mode, "mode", "exactly_once or at_least_once")
    .add(cp_.timeout, "timeout", "a checkpoint not completed after this long is aborted")
    .add(cp_.min_pause, "min-pause",
         "least time from the end of one checkpoint to the start of the next")
    .add(cp_.max_concurrent, "max-concurrent", "checkpoints in progress at once")
    .add(cp_.tolerable_failures, "tolerable-failures",
         "consecutive failed checkpoints tolerated before the job fails")
    .add(cp_.unaligned, "unaligned", "unaligned checkpoints (exactly_once only)")
    .add(cp_.aligned_timeout, "aligned-timeout",
         "with unaligned: start aligned, switch after this long (0: at once)")
    .add(cp_.externalized, "externalized",
         "none, retain_on_cancellation or delete_on_cancellation")
    .add(cp_.retained, "retained", "completed checkpoints kept")
    .add(cp_.storage, "storage", "memory or filesystem")
    .add(cp_.dir, "dir", "root directory of filesystem checkpoints")
    .add(cp_.savepoint_dir, "savepoint-dir", "default savepoint target directory");
  register_sluice(*this);
}

caf::error system_config::read_checkpointing() {
  auto ms = [](caf::timespan t) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(t).count())
           + "ms";
  };
  std::vector<std::pair<const char*, std::string>> values{
    {"interval", cp_.interval.count() == 0 ? std::string{"off"} : ms(cp_.interval)},
    {"mode", cp_.mode},
    {"timeout", ms(cp_.timeout)},
    {"min-pause", ms(cp_.min_pause)},
    {"max-concurrent", std::to_string(cp_.max_concurrent)},
    {"tolerable-failures", std::to_string(cp_.tolerable_failures)},
    {"unaligned", cp_.unaligned ? "true" : "false"},
    {"aligned-timeout", ms(cp_.aligned_timeout)},
    {"externalized", cp_.externalized},
    {"retained", std::to_string(cp_.retained)},
    {"storage", cp_.storage},
    {"dir", cp_.dir},
    {"savepoint-dir", cp_.savepoint_dir},
  };
  checkpoint_config cfg;
  for (auto& [name, value] : values)
    if (auto err = cfg.set(name, value))
      return make_error(ec::invalid_option, *err);
  if (auto err = cfg.validate())
    return make_error(ec::invalid_option, *err);
  checkpointing_ = std::move(cfg);
  return caf::none;
}

caf::error system_config::parse_args(std::vector<std::string> args) {
  // CAF takes flags without a value; accept `--flag=true` / `--flag=false`.
  auto cleared_flags = take_flag_values(*this, args);
  // `--parallelism N` / `--parallelism=N`: Flink's spelling of `-p`.
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--parallelism" && i + 1 < args.size()) {
      args[i] = "--pipeline.parallelism=" + args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    } else if (args[i].rfind("--parallelism=", 0) == 0) {
      args[i] = "--pipeline.parallelism=" + args[i].substr(14);
    }
  }
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
                        + describe_parse_error(err));
  if (!config_file.empty()) {
    std::vector<std::pair<std::string, double>> widened;
    if (auto file_err = check_config_file(config_file, custom_options_, widened))
      return file_err;
    // A value on the command line wins over the config file.
    for (auto& [name, value] : widened) {
      auto on_cli = [&, &name = name](const std::string& arg) {
        return arg.rfind("--" + name + "=", 0) == 0;
      };
      if (std::none_of(args.begin(), args.end(), on_cli))
        caf::put(content, name, value);
    }
  }
  // CAF accepts a short option that needs a value as the last argument
  // ("-p") and silently ignores it.
  if (!args.empty() && args.back().size() == 2 && args.back()[0] == '-'
      && args.back()[1] != '-') {
    auto* opt = custom_options_.cli_short_name_lookup(args.back()[1]);
    if (opt != nullptr && !opt->is_flag())
      return make_error(ec::invalid_option, "missing value for option " + args.back()
                                              + " (" + str(opt->full_name())
                                              + ")");
  }
  positional_.clear();
  for (auto& arg : remainder) {
    if (arg.rfind("-", 0) == 0)
      return make_error(ec::invalid_option, "unknown option " + arg);
    positional_.push_back(arg);
  }
  for (auto& name : cleared_flags)
    if (name == "checkpointing.unaligned")
      cp_.unaligned = false;
  pipeline_.buffer_timeout
    = std::chrono::duration_cast<std::chrono::milliseconds>(buffer_timeout_);
  pipeline_.auto_watermark_interval
    = std::chrono::duration_cast<std::chrono::milliseconds>(auto_watermark_interval_);
  pipeline_.heartbeat_interval
    = std::chrono::duration_cast<std::chrono::milliseconds>(heartbeat_interval_);
  pipeline_.heartbeat_timeout
    = std::chrono::duration_cast<std::chrono::milliseconds>(heartbeat_timeout_);
  if (auto err = validate(pipeline_))
    return err;
  if (auto err = read_checkpointing())
    return err;
  for (auto& name : cleared_flags)
    if (name == "state.incremental")
      caf::put(content, "state.incremental", false);
  auto state = read_state_config(*this);
  if (!state)
    return state.error();
  state_ = std::move(*state);
  auto restart = read_restart_config(*this);
  if (!restart)
    return restart.error();
  // The default type depends on checkpointing: check what a job would get.
  if (auto problem = restart->resolve(checkpointing_.enabled()).validate())
    return make_error(ec::invalid_option, *problem);
  restart_ = std::move(*restart);
  if (auto problem = rest_.validate())
    return make_error(ec::invalid_option, *problem);
  return caf::none;
}

} // namespace sluice
