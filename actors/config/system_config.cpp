#include "actors/config/system_config.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include <caf/all.hpp>

#include "actors/contract/actors.hpp"
#include "actors/config/caf_options.hpp"
#include "actors/embedding/embedding.hpp"
#include "actors/contract/error.hpp"

namespace sluice {

namespace {

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
  // themselves still refuse to serialize, see actors/contract/messages.hpp).
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
  if (auto problem = pipeline_problem(cfg))
    return make_error(ec::invalid_option, *problem);
  return caf::none;
}

system_config::system_config() : pipeline_(default_pipeline_config()) {
  add_options(*this, engine_options(), option_scope::own_system);
  register_sluice(*this);
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
  clear_flags(*this, cleared_flags);
  engine_config values;
  if (auto err = read_engine_options(*this, "", values))
    return err;
  if (auto problem = values.validate())
    return make_error(ec::invalid_option, *problem);
  // The default type depends on checkpointing: check what a job would get.
  if (auto problem = values.restart.resolve(values.checkpointing.enabled()).validate())
    return make_error(ec::invalid_option, *problem);
  pipeline_ = values.pipeline;
  checkpointing_ = std::move(values.checkpointing);
  state_ = std::move(values.state);
  restart_ = std::move(values.restart);
  rest_ = std::move(values.rest);
  return caf::none;
}

} // namespace sluice
