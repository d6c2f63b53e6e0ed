// `sluice-embedded`: a host CAF application running a sluice job in its own
// actor system (see apps/jobs/embedded_job.hpp). The host owns the config: it
// registers sluice (`register_sluice`: types and options), so
// `--pipeline.*` options work here as in `sluice`, next to the host's own
// `clicks.*` options. Prints "Mary visit count: 3" per update. The
// `checkpointing.*` options (as `sluice` has them) are the host's too here
// (`register_sluice` adds them, `read_checkpoint_config` reads them); every
// completed or failed checkpoint is reported on stderr. `restart-strategy.*`
// too (`read_restart_config`); the host's inlet cannot rewind, so a restart
// loses the clicks taken since the restored checkpoint.
// Exit codes: 0 finished or cancelled (SIGINT/SIGTERM), 1 the job failed,
// 2 bad command line or configuration.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/embedding/embedding.hpp"
#include "actors/contract/error.hpp"
#include "actors/config/system_config.hpp"
#include "apps/cli/app_options.hpp"
#include "apps/jobs/embedded_job.hpp"

namespace {

std::atomic<int> signalled{0};

extern "C" void on_signal(int sig) {
  signalled = sig;
}

/// The host's own configuration, with sluice's options added to it.
class host_config : public caf::actor_system_config {
public:
  host_config() {
    sluice::register_sluice(*this);
    add_options(*this, sluice::apps::embedded_app_options(), sluice::option_scope::host);
    if (auto* row = sluice::find_option(sluice::apps::run_options(), "inject-failures"))
      add_options(*this, {row, 1}, sluice::option_scope::host);
  }

  sluice::apps::embedded_options opts;
  std::string inject_failures;
};

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // CAF's --help lists only global options; list every one.
  for (auto& arg : args)
    if (arg == "--help" || arg == "-h" || arg == "-?")
      arg = "--long-help";
  host_config cfg;
  auto cleared_flags = sluice::take_flag_values(cfg, args);
  // As any CAF application: command line, then --config-file (default
  // caf-application.ini, if present), where [pipeline] works too.
  if (auto err = cfg.parse(args)) {
    std::cerr << "sluice-embedded: " << sluice::render(err) << '\n';
    return 2;
  }
  sluice::clear_flags(cfg, cleared_flags);
  if (cfg.cli_helptext_printed)
    return 0;
  if (!cfg.remainder.empty()) {
    std::cerr << "sluice-embedded: unknown argument " << cfg.remainder.front() << '\n';
    return 2;
  }
  sluice::apps::read_embedded_values(cfg, cfg.opts);
  cfg.inject_failures = caf::get_or(cfg, "inject-failures", cfg.inject_failures);
  auto pipeline = sluice::read_pipeline_config(cfg);
  if (!pipeline) {
    std::cerr << "sluice-embedded: " << sluice::render(pipeline.error()) << '\n';
    return 2;
  }
  auto checkpointing = sluice::read_checkpoint_config(cfg);
  if (!checkpointing) {
    std::cerr << "sluice-embedded: " << sluice::render(checkpointing.error()) << '\n';
    return 2;
  }
  auto state = sluice::read_state_config(cfg);
  if (!state) {
    std::cerr << "sluice-embedded: " << sluice::render(state.error()) << '\n';
    return 2;
  }
  cfg.opts.state = *state;
  auto restart = sluice::read_restart_config(cfg);
  if (!restart) {
    std::cerr << "sluice-embedded: " << sluice::render(restart.error()) << '\n';
    return 2;
  }
  cfg.opts.restart = *restart;
  std::string why;
  auto faults = sluice::fault_injection_spec::parse(cfg.inject_failures, why);
  if (!faults) {
    std::cerr << "sluice-embedded: " << why << '\n';
    return 2;
  }
  if (auto problem = faults->problem(checkpointing->enabled())) {
    std::cerr << "sluice-embedded: " << *problem << '\n';
    return 2;
  }
  cfg.opts.faults = *faults;
  caf::actor_system host{cfg};
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto result = sluice::apps::run_embedded_clicks(host, *pipeline, cfg.opts, std::cout,
                                                  &signalled, *checkpointing, &std::cerr);
  if (result.status == sluice::job_status::failed) {
    std::cerr << "sluice-embedded: job failed: " << result.message << '\n';
    return 1;
  }
  std::cerr << "sluice-embedded: job " << sluice::to_string(result.status) << '\n';
  return 0;
}
