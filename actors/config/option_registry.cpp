#include "actors/config/option_registry.hpp"

#include <string>

namespace sluice {

namespace {

// The engine's options. The `cpp`, `doc` and `default_doc` texts are
// markdown for README.md; `help` is plain text for `--help`.
const option_info engine_rows[] = {
  {"pipeline", "parallelism", 'p', option_type::uint32, "pipeline_parallelism",
   "`set_parallelism`",
   "default parallelism of every operator (also --parallelism)",
   "default parallelism of every operator (1 .. max-parallelism)",
   ""},
  {"pipeline", "max-parallelism", 0, option_type::uint32, "pipeline_max_parallelism",
   "`set_max_parallelism`",
   "number of key groups, upper bound for rescaling keyed state",
   "number of key groups, upper bound for rescaling (1 .. 32768)",
   ""},
  {"pipeline", "batch-size", 0, option_type::uint32, "pipeline_batch_size",
   "`set_batch_size`",
   "records per batch crossing actors",
   "records per batch crossing actors (1 .. 1048576)",
   ""},
  {"pipeline", "buffer-timeout", 0, option_type::duration, "pipeline_buffer_timeout",
   "`set_buffer_timeout`",
   "send a partly filled batch after this long (e.g. 100ms)",
   "a partly filled batch is sent at the latest after this long",
   ""},
  {"pipeline", "auto-watermark-interval", 0, option_type::duration, "pipeline_auto_watermark_interval",
   "`environment::set_auto_watermark_interval(ms)`",
   "how often timestamp assigners emit their periodic watermark (e.g. 200ms; 0: off)",
   "how often timestamp assigners emit their watermark generator's periodic watermark (Flink's `pipeline.auto-watermark-interval`; 0ms: periodic emission off; not negative)",
   ""},
  {"pipeline", "threads", 0, option_type::uint32, "pipeline_threads",
   "`pipeline_config::threads`",
   "CAF scheduler threads of an own actor system (0: one per core)",
   "CAF scheduler threads of an own actor system (0: one per core)",
   "", true},
  {"pipeline", "buffers-per-channel", 0, option_type::uint32, "pipeline_buffers_per_channel",
   "`pipeline_config::buffers_per_channel`",
   "credit window: batches a sender may have in flight per channel",
   "credit window: data batches a sender may have in flight per channel (1 .. 1024), like Flink's `taskmanager.network.memory.buffers-per-channel`",
   ""},
  {"heartbeat", "interval", 0, option_type::duration, "heartbeat_interval",
   "`pipeline_config::heartbeat_interval`",
   "how often the job master asks every subtask whether it is alive (e.g. 10s)",
   "how often the job master asks every running subtask for a sign of life (Flink's `heartbeat.interval`)",
   ""},
  {"heartbeat", "timeout", 0, option_type::duration, "heartbeat_timeout",
   "`pipeline_config::heartbeat_timeout`",
   "a subtask that has not answered for this long is failed (e.g. 50s)",
   "a subtask that has not answered for this long (stuck in user code, overloaded) fails its attempt like a crash; it is written off at once, so the restart does not wait for it (>= `heartbeat.interval`; Flink's `heartbeat.timeout`)",
   ""},
  {"checkpointing", "interval", 0, option_type::duration, "checkpointing_interval",
   "`checkpoint_config::interval`",
   "time between checkpoint triggers, e.g. 1s (0: off)",
   "time between checkpoint triggers (start to start), e.g. `1s`; at least 10ms; `0s`/unset: no checkpoints",
   ""},
  {"checkpointing", "mode", 0, option_type::text, "checkpointing_mode",
   "`checkpoint_config::mode`",
   "exactly_once or at_least_once",
   "`exactly_once` (aligned barriers) or `at_least_once` (barriers tracked, nothing blocks)",
   ""},
  {"checkpointing", "timeout", 0, option_type::duration, "checkpointing_timeout",
   "`checkpoint_config::timeout`",
   "a checkpoint not completed after this long is aborted",
   "a checkpoint not fully acknowledged after this long is expired (aborted); at least 10ms",
   ""},
  {"checkpointing", "min-pause", 0, option_type::duration, "checkpointing_min_pause",
   "`checkpoint_config::min_pause`",
   "least time from the end of one checkpoint to the start of the next",
   "least time from the end (completion or abort) of one checkpoint to the start of the next; > 0 caps max-concurrent to 1",
   ""},
  {"checkpointing", "max-concurrent", 0, option_type::int32, "checkpointing_max_concurrent",
   "`checkpoint_config::max_concurrent`",
   "checkpoints in progress at once",
   "checkpoints in progress at once (>= 1); capped to 1 by min-pause and unaligned, as in Flink",
   ""},
  {"checkpointing", "tolerable-failures", 0, option_type::int32, "checkpointing_tolerable_failures",
   "`checkpoint_config::tolerable_failures`",
   "consecutive failed checkpoints tolerated before the job fails",
   "consecutive failed checkpoints (expired, declined by a failed snapshot, storage errors) tolerated; one more is a failure of the job, which the restart strategy restarts (Flink's global failover) or fails",
   ""},
  {"checkpointing", "unaligned", 0, option_type::flag, "checkpointing_unaligned",
   "`checkpoint_config::unaligned`",
   "unaligned checkpoints (exactly_once only)",
   "unaligned checkpoints (exactly_once only; max-concurrent 1); a flag: `--checkpointing.unaligned`, `=true`, `=false`",
   ""},
  {"checkpointing", "aligned-timeout", 0, option_type::duration, "checkpointing_aligned_timeout",
   "`checkpoint_config::aligned_timeout`",
   "with unaligned: start aligned, switch after this long (0: at once)",
   "with unaligned: start aligned, switch to unaligned after this long (0: unaligned at once)",
   ""},
  {"checkpointing", "externalized", 0, option_type::text, "checkpointing_externalized",
   "`checkpoint_config::externalized`",
   "none, retain_on_cancellation or delete_on_cancellation",
   "retained checkpoints when the job ends: `none` (deleted), `retain_on_cancellation` (always kept), `delete_on_cancellation` (kept only when the job failed); needs filesystem storage",
   ""},
  {"checkpointing", "retained", 0, option_type::int32, "checkpointing_retained",
   "`checkpoint_config::retained`",
   "completed checkpoints kept",
   "completed checkpoints kept (>= 1); older ones are deleted, except files a kept one still references",
   ""},
  {"checkpointing", "storage", 0, option_type::text, "checkpointing_storage",
   "`checkpoint_config::storage`",
   "memory or filesystem",
   "`memory` (kept by the job master) or `filesystem` (`<dir>/<job-id>/chk-<n>/_metadata`)",
   ""},
  {"checkpointing", "dir", 0, option_type::text, "checkpointing_dir",
   "`checkpoint_config::dir`",
   "root directory of filesystem checkpoints",
   "root directory of filesystem checkpoints (required with `storage = filesystem`)",
   ""},
  {"checkpointing", "savepoint-dir", 0, option_type::text, "checkpointing_savepoint_dir",
   "`checkpoint_config::savepoint_dir`",
   "default savepoint target directory",
   "default savepoint target directory",
   ""},
  {"state", "backend", 0, option_type::text, "state_backend",
   "`state_config::backend`",
   "where keyed state lives: hashmap (memory) or lmdb (disk)",
   "where keyed state lives: `hashmap` (memory, copy-on-write snapshots) or `lmdb` (disk, one LMDB environment per keyed subtask)",
   ""},
  {"state", "incremental", 0, option_type::flag, "state_incremental",
   "`state_config::incremental`",
   "incremental checkpoints of the lmdb backend",
   "incremental checkpoints (needs `state.backend=lmdb`; refused with hashmap): each checkpoint writes only the keys changed since the last completed one into `<checkpointing.dir>/<job-id>/shared/`, a full snapshot every 10",
   ""},
  {"state", "local-dir", 0, option_type::text, "state_local_dir",
   "`state_config::local_dir`",
   "root of the lmdb working directories",
   "root of the lmdb working directories (`<dir>/<job-id>/<uid>-<subtask>-<attempt>`)",
   "– (system temp dir + `/sluice-state`)"},
  {"state", "lmdb-cache-entries", 0, option_type::int64, "state_lmdb_cache_entries",
   "`state_config::lmdb_cache_entries`",
   "per state, decoded entries lmdb keeps in memory across batches",
   "per lmdb state: decoded entries kept in memory across input batches (0: only within a batch)",
   ""},
  {"restart-strategy", "type", 0, option_type::text, "restart_strategy_type",
   "`environment::set_restart_strategy`, `restart_config::type`",
   "none, fixed-delay, failure-rate or exponential-delay (default: none without checkpointing, exponential-delay with it)",
   "what a failed job does: `none` (fails; also `off`, `disable`), `fixed-delay`, `failure-rate`, `exponential-delay`; the default is resolved when the job is submitted",
   "default: `none` without checkpointing, `exponential-delay` with it (Flink 1.19+)"},
  {"restart-strategy", "attempts", 0, option_type::int32, "restart_strategy_attempts",
   "`restart_config::attempts`",
   "restarts before the job fails (fixed-delay; exponential-delay: between backoff resets)",
   "fixed-delay: restarts before the job fails (>= 0; Flink's `fixed-delay.attempts`); exponential-delay: restarts before the job fails unless the backoff resets in between (>= 1; Flink's `exponential-delay.attempts-before-reset-backoff`); `unlimited` = 2147483647",
   "1 for fixed-delay, unlimited for exponential-delay"},
  {"restart-strategy", "delay", 0, option_type::duration, "restart_strategy_delay",
   "`restart_config::delay`",
   "fixed-delay and failure-rate: wait before each restart",
   "fixed-delay and failure-rate: wait before each restart (Flink's `fixed-delay.delay`, `failure-rate.delay`)",
   ""},
  {"restart-strategy", "max-failures-per-interval", 0, option_type::int32, "restart_strategy_max_failures_per_interval",
   "`restart_config::max_failures_per_interval`",
   "failure-rate: failures tolerated within failure-rate-interval",
   "failure-rate: failures tolerated within `failure-rate-interval` (>= 1); one more fails the job",
   ""},
  {"restart-strategy", "failure-rate-interval", 0, option_type::duration, "restart_strategy_failure_rate_interval",
   "`restart_config::failure_rate_interval`",
   "failure-rate: the window failures are counted in",
   "failure-rate: the sliding window failures are counted in",
   ""},
  {"restart-strategy", "initial-backoff", 0, option_type::duration, "restart_strategy_initial_backoff",
   "`restart_config::initial_backoff`",
   "exponential-delay: first backoff",
   "exponential-delay: first backoff, and again after a reset (<= max-backoff)",
   ""},
  {"restart-strategy", "max-backoff", 0, option_type::duration, "restart_strategy_max_backoff",
   "`restart_config::max_backoff`",
   "exponential-delay: largest backoff",
   "exponential-delay: largest backoff (Flink before 1.19: 5min)",
   ""},
  {"restart-strategy", "backoff-multiplier", 0, option_type::real, "restart_strategy_backoff_multiplier",
   "`restart_config::backoff_multiplier`",
   "exponential-delay: backoff growth per failure (> 1)",
   "exponential-delay: backoff growth per failure, > 1 (1s, 1.5s, 2.25s, ...; Flink before 1.19: 2.0)",
   ""},
  {"restart-strategy", "reset-backoff-threshold", 0, option_type::duration, "restart_strategy_reset_backoff_threshold",
   "`restart_config::reset_backoff_threshold`",
   "exponential-delay: failure-free time that resets backoff and attempts",
   "exponential-delay: running this long after a restart without failure resets backoff and attempts",
   ""},
  {"restart-strategy", "jitter-factor", 0, option_type::real, "restart_strategy_jitter_factor",
   "`restart_config::jitter_factor`",
   "exponential-delay: random share of the backoff added or subtracted (0 .. 1)",
   "exponential-delay: each backoff varies randomly by up to this share of it, either way (0 .. 1)",
   ""},
  {"rest", "address", 0, option_type::text, "rest_address",
   "`rest_config::address`",
   "address the REST endpoint listens on (sluice run)",
   "`sluice run`: address of the REST endpoint; the job verbs (`sluice list`, `savepoint`, `stop`, `cancel`, `checkpoint`) connect there",
   ""},
  {"rest", "port", 0, option_type::int64, "rest_port",
   "`rest_config::port`",
   "port of the REST endpoint (0: any free port)",
   "port of the REST endpoint, 0: any free port (`sluice run` prints it); a port in use leaves the job running without the endpoint",
   ""},
};

/// A table cell: `|` would end the cell.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else
      out += c;
  }
  return out;
}

} // namespace

std::string option_info::full_name() const {
  if (group == "global")
    return std::string{name};
  return std::string{group} + "." + std::string{name};
}

std::span<const option_info> engine_options() {
  return engine_rows;
}

const option_info* find_option(std::span<const option_info> rows, std::string_view full_name) {
  for (auto& row : rows)
    if (row.full_name() == full_name)
      return &row;
  return nullptr;
}

std::string option_table_markdown(
  std::span<const option_info> rows,
  const std::function<std::optional<std::string>(const option_info&)>& compiled_default) {
  std::string out = "| option (file / CLI) | meson option | C++ | default | meaning |\n"
                    "|---|---|---|---|---|";
  for (auto& row : rows) {
    out += "\n| `" + row.full_name() + "`";
    if (row.short_name != 0)
      out += std::string{" (`-"} + row.short_name + "`)";
    out += " | " + (row.meson.empty() ? std::string{"–"} : "`" + std::string{row.meson} + "`");
    out += " | " + (row.cpp.empty() ? std::string{"–"} : cell(row.cpp));
    std::string dflt{row.default_doc};
    if (dflt.empty()) {
      auto value = compiled_default(row);
      dflt = value && !value->empty() ? *value : "–";
    }
    out += " | " + cell(dflt);
    out += " | " + cell(row.doc.empty() ? row.help : row.doc) + " |";
  }
  return out;
}

} // namespace sluice
