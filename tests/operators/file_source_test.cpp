// The replayable file source (operators/file_source.hpp): driven directly as
// a plain operator (lines read exactly, snapshot and restore continue without
// loss or duplicates, union restore at another parallelism, follow mode,
// errors), and in a job at parallelism 2.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <tuple>
#include <string>
#include <vector>

#include <unistd.h>

#include "operators/environment.hpp"
#include "operators/file_source.hpp"

namespace fs = std::filesystem;
using sluice::file_source;
using sluice::file_source_options;
using sluice::source_step;

namespace {

/// What a source sees of its host: records the emitted lines.
class test_context final : public sluice::operator_context {
public:
  test_context(uint32_t index, uint32_t parallelism) {
    info_.operator_name = "file-source";
    info_.subtask_index = index;
    info_.parallelism = parallelism;
  }
  void emit(sluice::batch_ptr b) override {
    auto& xs = sluice::records_of<std::string>(*b);
    max_batch = std::max(max_batch, xs.size());
    lines.insert(lines.end(), xs.begin(), xs.end());
  }
  // Unused by the source:
  void emit_watermark(sluice::timestamp) override {}
  sluice::keyed_state_backend* keyed_state() noexcept override { return nullptr; }
  sluice::timestamp current_watermark() const noexcept override { return 0; }
  sluice::timestamp processing_time() const noexcept override { return 0; }
  void request_processing_time(sluice::timestamp) override {}
  sluice::operator_metrics& metrics() noexcept override { return metrics_; }
  const sluice::subtask_info& info() const noexcept override { return info_; }

  std::vector<std::string> lines;
  size_t max_batch = 0;

private:
  sluice::subtask_info info_;
  sluice::operator_metrics metrics_;
};

/// A fresh directory, removed at the end.
struct temp_dir {
  temp_dir() {
    static std::atomic<int> n{0};
    path = fs::temp_directory_path()
           / ("sluice-file-source-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  fs::path path;
};

void write_file(const fs::path& p, const std::string& content, bool append = false) {
  std::ofstream out{p, std::ios::binary | (append ? std::ios::app : std::ios::trunc)};
  out << content;
}

/// Lines of file `k`: distinct, of varying length (some empty-bodied, some
/// longer than a read chunk would split), `n` of them.
std::vector<std::string> make_lines(int k, int n) {
  std::vector<std::string> xs;
  for (int i = 0; i < n; ++i)
    xs.push_back("f" + std::to_string(k) + "-" + std::to_string(i) + ":"
                 + std::string(static_cast<size_t>((i * 37 + k) % 251), 'a' + (i % 26)));
  return xs;
}

/// Writes the lines; the last one without '\n' when `open_end`.
void write_lines(const fs::path& p, const std::vector<std::string>& xs, bool open_end) {
  std::string s;
  for (size_t i = 0; i < xs.size(); ++i)
    s += xs[i] + (open_end && i + 1 == xs.size() ? "" : "\n");
  write_file(p, s);
}

/// `files` files "in-<k>.txt" (odd ones end without '\n'); returns every line
/// in the order of a parallelism-1 source (file name order).
std::vector<std::string> make_dir(const fs::path& dir, int files, int lines_per_file) {
  std::map<std::string, std::vector<std::string>> by_name;
  for (int k = 0; k < files; ++k) {
    auto xs = make_lines(k, lines_per_file + k * 13);
    auto name = "in-" + std::to_string(k) + ".txt";
    write_lines(dir / name, xs, k % 2 == 1);
    by_name[name] = xs;
  }
  std::vector<std::string> all;
  for (auto& [name, xs] : by_name)
    all.insert(all.end(), xs.begin(), xs.end());
  return all;
}

/// Runs `steps` emit_next calls (or to the end when steps is 0); returns the
/// last status.
source_step::status_t run(file_source& src, test_context& ctx, size_t max_records,
                          size_t steps = 0) {
  auto status = source_step::more;
  for (size_t i = 0; (steps == 0 || i < steps) && status != source_step::finished; ++i) {
    status = src.emit_next(ctx, max_records).status;
    BOOST_REQUIRE(i < 1000000);
  }
  return status;
}

/// Steps until the source reports idle (follow mode).
void run_until_idle(file_source& src, test_context& ctx) {
  for (int i = 0; i < 100000; ++i) {
    auto st = src.emit_next(ctx, 64).status;
    BOOST_REQUIRE(st != source_step::finished);
    if (st == source_step::idle)
      return;
  }
  BOOST_FAIL("the source never went idle");
}

std::vector<sluice::list_state_item> snapshot(file_source& src) {
  std::vector<sluice::list_state_item> items;
  sluice::snapshot_context sc;
  sc.checkpoint_id = 1;
  sc.list_items = &items;
  src.snapshot_state(sc);
  return items;
}

sluice::initialization_context restored(std::vector<sluice::list_state_item> items) {
  sluice::initialization_context init;
  init.restored = true;
  init.restored_checkpoint_id = 1;
  init.list_items = std::move(items);
  return init;
}

/// The error code and message `f` throws, or ec::none.
template <class F>
std::pair<sluice::ec, std::string> error_of(F f) {
  try {
    f();
  } catch (const sluice::exception& e) {
    return {e.code(), e.what()};
  }
  return {sluice::ec::none, {}};
}

template <class T>
std::vector<T> sorted(std::vector<T> xs) {
  std::sort(xs.begin(), xs.end());
  return xs;
}

/// Passes lines on; throws once (over all instances: `failed` is shared)
/// after a checkpoint completed and 200 lines went through this instance.
/// Sleeps per batch (longer until a checkpoint completed) so that
/// checkpoints complete while the input lasts.
class fail_once final : public sluice::stream_operator {
public:
  explicit fail_once(std::shared_ptr<std::atomic<bool>> failed) : failed_(std::move(failed)) {
  }
  void process(const sluice::batch_ptr& in, sluice::operator_context& ctx) override {
    std::this_thread::sleep_for(std::chrono::microseconds{completed_ ? 200 : 2000});
    seen_ += in->size();
    if (completed_ && seen_ > 200 && !failed_->exchange(true))
      ctx.fail("injected failure after a completed checkpoint");
    ctx.emit(in);
  }
  void notify_checkpoint_complete(uint64_t) override {
    completed_ = true;
  }

private:
  std::shared_ptr<std::atomic<bool>> failed_;
  size_t seen_ = 0;
  bool completed_ = false;
};

using counted = std::tuple<std::string, uint64_t, int64_t>; // line, attempt, count

/// One key for all lines: emits (line, attempt, number of lines counted so
/// far). The count in keyed state is exactly-once iff the source replays
/// exactly from the restored offsets.
class count_all final : public sluice::keyed_process_function<int32_t, std::string, counted> {
public:
  void open(sluice::keyed_context<int32_t>& ctx) override {
    count_ = &ctx.state(sluice::value_state_descriptor<int64_t>{"count"});
  }
  void process_element(const std::string& line, sluice::keyed_context<int32_t>& ctx,
                       sluice::collector<counted>& out) override {
    auto n = count_->value_or(0) + 1;
    count_->update(n);
    out.collect({line, ctx.info().attempt, n});
  }

private:
  sluice::value_state<int64_t>* count_ = nullptr;
};

} // namespace

BOOST_AUTO_TEST_SUITE(file_source_suite)

BOOST_AUTO_TEST_CASE(reads_every_line_of_a_directory_in_name_order) {
  temp_dir dir;
  auto expected = make_dir(dir.path, 3, 900); // > 64 KiB per file: chunk boundaries
  write_file(dir.path / "in-3.txt", "crlf\r\n\r\nlast");
  expected.insert(expected.end(), {"crlf", "", "last"});
  write_file(dir.path / ".hidden", "skipped\n");
  write_file(dir.path / "_in-progress", "skipped\n");
  fs::create_directories(dir.path / "sub");
  write_file(dir.path / "sub" / "x.txt", "skipped\n");
  file_source src{{dir.path.string()}};
  test_context ctx{0, 1};
  src.initialize_state({});
  src.open(ctx);
  BOOST_CHECK_EQUAL(run(src, ctx, 7), source_step::finished);
  BOOST_CHECK_EQUAL(ctx.max_batch, 7u);
  BOOST_REQUIRE_EQUAL(ctx.lines.size(), expected.size());
  BOOST_CHECK(ctx.lines == expected);
  // Every offset sits at the end of its file.
  for (auto& [name, offset] : src.offsets())
    BOOST_CHECK_EQUAL(offset, fs::file_size(dir.path / name));
  BOOST_CHECK(src.replayable());
}

BOOST_AUTO_TEST_CASE(a_single_file_path_is_read_too) {
  temp_dir dir;
  auto xs = make_lines(7, 50);
  write_lines(dir.path / "one.txt", xs, true);
  file_source src{{(dir.path / "one.txt").string()}};
  test_context ctx{0, 1};
  src.open(ctx);
  BOOST_CHECK_EQUAL(run(src, ctx, 1000), source_step::finished);
  BOOST_CHECK(ctx.lines == xs);
}

BOOST_AUTO_TEST_CASE(restore_from_a_mid_file_snapshot_continues_exactly_once) {
  temp_dir dir;
  auto expected = make_dir(dir.path, 3, 400);
  // Cut after every number of steps (mid-file, at file ends, at the end).
  for (size_t steps = 1; steps < 100; steps += 3) {
    file_source first{{dir.path.string()}};
    test_context ctx{0, 1};
    first.open(ctx);
    auto status = run(first, ctx, 37, steps);
    auto items = snapshot(first);
    for (auto& item : items)
      BOOST_CHECK_EQUAL(item.state, sluice::file_offsets_state);
    // A new instance, restored from the snapshot, goes on.
    file_source second{{dir.path.string()}};
    second.initialize_state(restored(items));
    test_context ctx2{0, 1};
    second.open(ctx2);
    run(second, ctx2, 37);
    auto all = ctx.lines;
    all.insert(all.end(), ctx2.lines.begin(), ctx2.lines.end());
    BOOST_CHECK_MESSAGE(all == expected, "cut after " << steps << " steps: " << ctx.lines.size()
                                                      << " + " << ctx2.lines.size() << " lines, "
                                                      << expected.size() << " expected");
    if (status == source_step::finished)
      break;
  }
}

BOOST_AUTO_TEST_CASE(union_restore_at_another_parallelism_reads_every_line_once) {
  temp_dir dir;
  auto expected = make_dir(dir.path, 9, 200);
  file_source probe{{dir.path.string()}};
  BOOST_CHECK(probe.list_state_modes().at(sluice::file_offsets_state)
              == sluice::operator_state_mode::union_list);
  for (uint32_t p_new : {1u, 2u, 4u}) {
    // Three subtasks read part of their files, then a checkpoint.
    std::vector<std::string> seen;
    std::vector<sluice::list_state_item> all_items; // union of every subtask's items
    for (uint32_t i = 0; i < 3; ++i) {
      file_source src{{dir.path.string()}};
      test_context ctx{i, 3};
      src.open(ctx);
      for (auto& [name, offset] : src.offsets())
        BOOST_CHECK_EQUAL(sluice::file_owner(name, 3), i);
      run(src, ctx, 50, 3 + i * 4);
      seen.insert(seen.end(), ctx.lines.begin(), ctx.lines.end());
      auto items = snapshot(src);
      all_items.insert(all_items.end(), items.begin(), items.end());
    }
    BOOST_REQUIRE(!all_items.empty());
    // Restore at p_new: every subtask gets all items, keeps its own files.
    for (uint32_t i = 0; i < p_new; ++i) {
      file_source src{{dir.path.string()}};
      src.initialize_state(restored(all_items));
      test_context ctx{i, p_new};
      src.open(ctx);
      run(src, ctx, 50);
      seen.insert(seen.end(), ctx.lines.begin(), ctx.lines.end());
    }
    BOOST_CHECK_MESSAGE(sorted(seen) == sorted(expected),
                        "3 -> " << p_new << ": " << seen.size() << " lines, expected "
                                << expected.size());
  }
}

BOOST_AUTO_TEST_CASE(follow_mode_picks_up_appended_lines_and_new_files) {
  temp_dir dir;
  write_file(dir.path / "a.log", "1\n2\npart");
  file_source_options opts{dir.path.string()};
  opts.follow = true;
  opts.poll_interval = std::chrono::milliseconds{1};
  file_source src{opts};
  test_context ctx{0, 1};
  src.open(ctx);
  run_until_idle(src, ctx);
  // The open last line is held back while following.
  BOOST_CHECK((ctx.lines == std::vector<std::string>{"1", "2"}));
  auto offsets = src.offsets();
  BOOST_REQUIRE_EQUAL(offsets.size(), 1u);
  BOOST_CHECK_EQUAL(offsets[0].second, 4u);
  write_file(dir.path / "a.log", "ial\n3\n", true);
  run_until_idle(src, ctx);
  BOOST_CHECK((ctx.lines == std::vector<std::string>{"1", "2", "partial", "3"}));
  write_file(dir.path / "b.log", "x\ny\n");
  write_file(dir.path / "a.log", "4\n", true);
  run_until_idle(src, ctx);
  BOOST_CHECK((sorted(ctx.lines)
               == sorted(std::vector<std::string>{"1", "2", "partial", "3", "4", "x", "y"})));
  // A restore in follow mode continues from the offsets, too.
  file_source again{opts};
  again.initialize_state(restored(snapshot(src)));
  test_context ctx2{0, 1};
  again.open(ctx2);
  write_file(dir.path / "b.log", "z\n", true);
  run_until_idle(again, ctx2);
  BOOST_CHECK((ctx2.lines == std::vector<std::string>{"z"}));
}

BOOST_AUTO_TEST_CASE(a_too_long_line_fails_naming_file_and_offset) {
  temp_dir dir;
  write_file(dir.path / "long.txt", "short\n" + std::string(50, 'x') + "\nafter\n");
  file_source_options opts{dir.path.string()};
  opts.max_line_length = 10;
  file_source src{opts};
  test_context ctx{0, 1};
  src.open(ctx);
  // One line per step: "short" is emitted before the long line fails.
  auto [code, what] = error_of([&] { run(src, ctx, 1); });
  BOOST_CHECK(code == sluice::ec::corrupt_file);
  BOOST_CHECK_MESSAGE(what.find("long.txt") != std::string::npos, what);
  BOOST_CHECK_MESSAGE(what.find("offset 6") != std::string::npos, what);
  BOOST_CHECK((ctx.lines == std::vector<std::string>{"short"}));
  // A line far longer than a read chunk, without '\n': fails before the
  // buffer holds it all.
  write_file(dir.path / "long.txt", std::string(300 * 1024, 'y'));
  opts.max_line_length = 1000;
  file_source big{opts};
  test_context ctx2{0, 1};
  big.open(ctx2);
  auto [code2, what2] = error_of([&] { run(big, ctx2, 100); });
  BOOST_CHECK(code2 == sluice::ec::corrupt_file);
  BOOST_CHECK_MESSAGE(what2.find("offset 0") != std::string::npos, what2);
}

BOOST_AUTO_TEST_CASE(a_missing_path_fails_at_open_naming_it) {
  temp_dir dir;
  auto missing = (dir.path / "nope").string();
  file_source src{{missing}};
  test_context ctx{0, 1};
  auto [code, what] = error_of([&] { src.open(ctx); });
  BOOST_CHECK(code == sluice::ec::missing_input);
  BOOST_CHECK_MESSAGE(what.find(missing) != std::string::npos, what);
}

BOOST_AUTO_TEST_CASE(a_shrunken_or_removed_file_fails_the_restore) {
  temp_dir dir;
  auto xs = make_lines(1, 100);
  write_lines(dir.path / "data.txt", xs, false);
  file_source src{{dir.path.string()}};
  test_context ctx{0, 1};
  src.open(ctx);
  run(src, ctx, 60, 1);
  BOOST_REQUIRE_EQUAL(ctx.lines.size(), 60u);
  auto items = snapshot(src);
  auto offset = src.offsets().at(0).second;
  // Truncated below the offset.
  fs::resize_file(dir.path / "data.txt", offset - 1);
  file_source shrunk{{dir.path.string()}};
  shrunk.initialize_state(restored(items));
  auto [code, what] = error_of([&] { shrunk.open(ctx); });
  BOOST_CHECK(code == sluice::ec::io_error);
  BOOST_CHECK_MESSAGE(what.find("data.txt") != std::string::npos, what);
  BOOST_CHECK_MESSAGE(what.find(std::to_string(offset)) != std::string::npos, what);
  // Removed.
  fs::remove(dir.path / "data.txt");
  write_file(dir.path / "other.txt", "x\n");
  file_source gone{{dir.path.string()}};
  gone.initialize_state(restored(items));
  auto [code2, what2] = error_of([&] { gone.open(ctx); });
  BOOST_CHECK(code2 == sluice::ec::io_error);
  BOOST_CHECK_MESSAGE(what2.find("data.txt") != std::string::npos, what2);
}

BOOST_AUTO_TEST_CASE(a_job_at_parallelism_2_reads_the_reference_lines) {
  temp_dir dir;
  auto expected = make_dir(dir.path, 6, 500);
  // Both subtasks own files (else the split is not exercised).
  std::set<uint32_t> owners;
  for (int k = 0; k < 6; ++k)
    owners.insert(sluice::file_owner("in-" + std::to_string(k) + ".txt", 2));
  BOOST_REQUIRE_EQUAL(owners.size(), 2u);
  sluice::environment env;
  env.set_parallelism(2).set_batch_size(64);
  auto out = sluice::read_text_file(env, {dir.path.string()}, 2)
               .map([](const std::string& s) { return s + "!"; })
               .collect();
  auto result = env.execute("file-source-job");
  BOOST_REQUIRE_MESSAGE(sluice::to_string(result.status) == std::string{"finished"},
                        result.message);
  for (auto& x : expected)
    x += "!";
  BOOST_CHECK(sorted(out->values()) == sorted(expected));
}

BOOST_AUTO_TEST_CASE(a_restarted_job_replays_from_the_checkpointed_offsets_exactly_once) {
  temp_dir dir;
  auto expected = make_dir(dir.path, 6, 1500);
  sluice::environment env;
  env.set_parallelism(2).set_batch_size(32);
  auto checkpoints = env.checkpointing();
  checkpoints.interval = std::chrono::milliseconds{20};
  env.set_checkpoint_config(checkpoints);
  env.set_restart_strategy(sluice::restart_config::fixed_delay(2, std::chrono::milliseconds{0}));
  auto failed = std::make_shared<std::atomic<bool>>(false);
  auto out = sluice::read_text_file(env, {dir.path.string()}, 2)
               .then<std::string>("fail-once",
                                  [failed] { return std::make_unique<fail_once>(failed); })
               .key_by([](const std::string&) { return int32_t{0}; })
               .process(count_all{})
               .collect();
  auto result = env.execute("file-source-failover");
  BOOST_REQUIRE_MESSAGE(sluice::to_string(result.status) == std::string{"finished"},
                        result.message);
  BOOST_REQUIRE(failed->load());
  BOOST_CHECK_EQUAL(result.restarts.restarts, 1u);
  BOOST_CHECK_GT(result.restarts.restored_checkpoint, 0u);
  // The last attempt counted every line exactly once: its counts run
  // without gap or repeat up to the number of lines.
  auto values = out->values();
  uint64_t last = 0;
  for (auto& v : values)
    last = std::max(last, std::get<1>(v));
  std::vector<int64_t> counts;
  std::vector<std::string> lines;
  for (auto& [line, attempt, n] : values) {
    lines.push_back(line);
    if (attempt == last)
      counts.push_back(n);
  }
  std::sort(counts.begin(), counts.end());
  BOOST_REQUIRE(!counts.empty());
  BOOST_CHECK_EQUAL(counts.back(), static_cast<int64_t>(expected.size()));
  BOOST_CHECK_GT(counts.front(), 1); // restored, not from scratch
  BOOST_CHECK(std::adjacent_find(counts.begin(), counts.end(), [](int64_t a, int64_t b) {
                return b != a + 1;
              }) == counts.end());
  // And every line reached the (at-least-once) sink.
  std::sort(lines.begin(), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  BOOST_CHECK(lines == sorted(expected));
}

BOOST_AUTO_TEST_CASE(a_job_on_a_missing_path_fails_naming_it) {
  temp_dir dir;
  sluice::environment env;
  auto missing = (dir.path / "absent").string();
  sluice::read_text_file(env, {missing}).collect();
  auto result = env.execute("file-source-missing");
  BOOST_CHECK_EQUAL(sluice::to_string(result.status), std::string{"failed"});
  BOOST_CHECK_MESSAGE(result.message.find(missing) != std::string::npos, result.message);
}

BOOST_AUTO_TEST_SUITE_END()
