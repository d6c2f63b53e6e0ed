#include "apps/cli/app_options.hpp"

#include <vector>

#include <caf/all.hpp>

#include "actors/config/engine_config.hpp"

namespace sluice::apps {

namespace {

const option_info run_rows[] = {
  {"global", "input", 0, option_type::text, "",
   "`read_text_file(env, {path})`; stdin: `apps::line_source(\"-\")`",
   "word-count: file to read lines from (default and '-': stdin, which cannot be replayed: at-most-once under failures)",
   "word-count: file to read lines from (replayable); `-`: stdin (cannot replay: at-most-once under checkpointing, with a warning at start)",
   "stdin"},
  {"global", "output", 0, option_type::text, "",
   "`transactional_file_sink<T>(dir)`",
   "write the job's results exactly once into part files in this directory (transactional file sink; needs checkpointing.interval) instead of printing them",
   "every job but consistency-levels: write the results exactly once into `DIR/part-*` files (in-progress files in `DIR/.in-progress/`, committed by an atomic rename when the checkpoint completes; needs `checkpointing.interval`)",
   "– (print)"},
  {"global", "from-savepoint", 's', option_type::text, "",
   "`environment::restore_from(path)`",
   "start from this savepoint or retained checkpoint (its directory or _metadata)",
   "start from a savepoint (its directory or `_metadata`, anywhere) or a retained checkpoint (its `chk-<n>` directory or `_metadata` in `<checkpointing.dir>/<job-id>/`) (Flink's `-s`); state restored by operator uid, sources continue from their offsets, checkpoint ids continue after it; a failover before the first new checkpoint restores it again; a missing or damaged one exits 2 naming the path; another parallelism (`-p N`) rescales keyed and operator state (not in-flight data of an unaligned checkpoint: refused naming both parallelisms); see `restore-mode`",
   "– (fresh start)"},
  {"global", "restore-mode", 0, option_type::text, "",
   "`environment::restore_from(path, restore_mode::claim)`",
   "with -s: who owns the snapshot: no_claim (the user; default) or claim (the job deletes it once subsumed)",
   "with `-s`: who owns the snapshot (Flink's `--restoreMode`): `no_claim`, the user: the job never deletes it and its first checkpoint is a full one referencing none of its files; `claim`, the job: once `checkpointing.retained` of the job's own checkpoints completed it is deleted like a subsumed checkpoint of the job (a retained checkpoint's directory and every file it references, incremental chain included; or a savepoint's directory), so never start another job from it. Another value exits 2 naming it",
   "`no_claim`"},
  {"global", "allow-non-restored-state", 0, option_type::flag, "",
   "`environment::allow_non_restored_state(true)`",
   "with -s: skip state of operators the job no longer has instead of failing",
   "with `-s`: state of operators the job no longer has is skipped (with a warning) instead of failing the start, which names their uids; restored operators with generated uids are warned about; another `pipeline.max-parallelism` than the snapshot's is always refused before the job starts",
   "false"},
  {"global", "inject-failures", 0, option_type::text, "",
   "`start_fault_injector(system, job, fault_injection_spec)`",
   "break the running job on purpose: seed=S,kills=N[,min-interval=100ms,max-interval=1s,storage-failures=N,storage-delay=0ms]",
   "`sluice run` and `sluice-embedded` (whose host inlet cannot rewind: clicks taken since the restored checkpoint are lost): break the running job on purpose: `seed=S,kills=N` kills N random subtasks one after the other (each after a random `min-interval`..`max-interval`, default 100ms..1s, only while the job runs), `throws=N` throws from user code N times, aimed kills `alignment-kills=N` (a subtask with a barrier on one input of several), `snapshot-kills=N` (while the asynchronous part writes), `commit-kills=N` (a sink told of a completed checkpoint, before it commits), `restore-kills=N` (a kill, then a subtask of the restarted attempt while it restores); all these come in a seeded shuffled order; `storage-failures=N` fails the storage writes of N of the checkpoints 1..10, `storage-delay=D` slows every state file write; the alignment, snapshot, commit and storage faults need checkpointing; each fault and the restarts are reported on stderr",
   "– (nothing)"},
  {"generator", "count", 0, option_type::uint64, "",
   "`click_source_options::count`",
   "click-counts, window-stats: click events to generate (0: unbounded)",
   "click events to generate, 0: unbounded",
   "20 (CLI) / 1000 (API)"},
  {"generator", "rate", 0, option_type::real, "",
   "`click_source_options::rate`",
   "click-counts, window-stats: events per second (0: as fast as possible)",
   "events per second, 0: as fast as possible",
   "10/s (CLI) / 0 (API)"},
  {"generator", "users", 0, option_type::uint64, "",
   "`click_source_options::users`",
   "click-counts, window-stats: distinct users (0: Mary, Alice, Bob, Cary)",
   "distinct users; 0: Mary, Alice, Bob, Cary",
   "0"},
  {"generator", "seed", 0, option_type::uint64, "",
   "`click_source_options::seed`",
   "click-counts, window-stats: generator seed (same seed, same events)",
   "same seed, same events",
   "42"},
  {"generator", "splits", 0, option_type::uint32, "",
   "`click_source_options::splits`",
   "click-counts, window-stats: splits of the generator's index space (the highest useful parallelism; must not change across a restore)",
   "splits of the generator's index space (event i is in split i mod splits; positions per split are the source's state): the highest useful parallelism; must not change across a restore (refused at once, naming both numbers)",
   "128"},
  {"examples", "repeat", 0, option_type::uint64, "",
   "",
   "fixed-input examples: run over the seed's input repeated this often (1 .. 1000000)",
   "fixed-input examples: their seed's input this many times over (1 .. 1000000; timestamps shift by 100 s per repetition)",
   "1"},
  {"examples", "rate", 0, option_type::real, "",
   "`environment::from_collection(xs, rate)`",
   "fixed-input examples: records per second (0: as fast as possible)",
   "fixed-input examples: records per second over all source subtasks (0: as fast as possible)",
   "0"},
};

const option_info embedded_rows[] = {
  {"clicks", "count", 0, option_type::uint64, "",
   "`apps::embedded_options::count`",
   "clicks the host feeds in (0: until cancelled)",
   "sluice-embedded: clicks the host feeds in, 0: until cancelled",
   "20"},
  {"clicks", "users", 0, option_type::uint64, "",
   "`apps::embedded_options::users`",
   "distinct users (0: Mary, Alice, Bob, Cary)",
   "sluice-embedded: distinct users; 0: Mary, Alice, Bob, Cary",
   "0"},
  {"clicks", "seed", 0, option_type::uint64, "",
   "`apps::embedded_options::seed`",
   "click generator seed (same seed, same clicks)",
   "sluice-embedded: same seed, same clicks",
   "42"},
  {"clicks", "batch", 0, option_type::uint64, "",
   "`apps::embedded_options::batch`",
   "clicks per message from the feeder actor",
   "sluice-embedded: clicks per message from the feeder actor",
   "16"},
};

} // namespace

std::span<const option_info> run_options() {
  return run_rows;
}

std::span<const option_info> embedded_app_options() {
  return embedded_rows;
}

run_values read_run_values(const caf::actor_system_config& cfg) {
  run_values out;
  auto& s = out.samples;
  // `sluice run` shows the click generator slowly by default; the C++ API's
  // click_source_options default to 1000 events as fast as possible.
  s.generator.count = 20;
  s.generator.rate = 10;
  s.input = caf::get_or(cfg, "input", s.input);
  s.output = caf::get_or(cfg, "output", s.output);
  s.generator.count = caf::get_or(cfg, "generator.count", s.generator.count);
  s.generator.rate = caf::get_or(cfg, "generator.rate", s.generator.rate);
  s.generator.users = caf::get_or(cfg, "generator.users", s.generator.users);
  s.generator.seed = caf::get_or(cfg, "generator.seed", s.generator.seed);
  s.generator.splits = caf::get_or(cfg, "generator.splits", s.generator.splits);
  s.repeat = caf::get_or(cfg, "examples.repeat", s.repeat);
  s.rate = caf::get_or(cfg, "examples.rate", s.rate);
  out.from_savepoint = caf::get_or(cfg, "from-savepoint", out.from_savepoint);
  out.allow_non_restored_state
    = caf::get_or(cfg, "allow-non-restored-state", out.allow_non_restored_state);
  out.restore_mode = caf::get_or(cfg, "restore-mode", out.restore_mode);
  out.inject_failures = caf::get_or(cfg, "inject-failures", out.inject_failures);
  return out;
}

void read_embedded_values(const caf::actor_system_config& cfg, embedded_options& out) {
  out.count = caf::get_or(cfg, "clicks.count", out.count);
  out.users = caf::get_or(cfg, "clicks.users", out.users);
  out.seed = caf::get_or(cfg, "clicks.seed", out.seed);
  out.batch = caf::get_or(cfg, "clicks.batch", out.batch);
}

std::string readme_option_table() {
  std::vector<option_info> rows(engine_options().begin(), engine_options().end());
  rows.insert(rows.end(), run_rows, std::end(run_rows));
  rows.insert(rows.end(), embedded_rows, std::end(embedded_rows));
  engine_config defaults;
  return option_table_markdown(rows, [&](const option_info& row) -> std::optional<std::string> {
    return defaults.get(row.full_name());
  });
}

std::optional<std::string> with_option_table(const std::string& readme,
                                             const std::string& table) {
  auto begin = readme.find("<!-- option-table:begin");
  if (begin == std::string::npos)
    return std::nullopt;
  auto body = readme.find('\n', begin);
  auto end = readme.find("\n<!-- option-table:end -->", body);
  if (body == std::string::npos || end == std::string::npos)
    return std::nullopt;
  return readme.substr(0, body + 1) + table + readme.substr(end);
}

} // namespace sluice::apps
