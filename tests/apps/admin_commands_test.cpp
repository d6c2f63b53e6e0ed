// The plain functions behind `sluice checkpoints`, `sluice inspect` and
// `sluice savepoint --dispose` (apps/cli/checkpoint_listing.hpp,
// apps/cli/state_inspector.hpp, apps/cli/state_json.hpp, apps/cli/savepoint_disposal.hpp)
// on checkpoint directories written here with the snapshot writers: listing
// order and sizes, incremental chains with tombstones, JSON rendering and
// value decoding by fingerprint, refusals and what disposal removes, and a
// damaged file named in the error.
#include <boost/test/unit_test.hpp>

#include "apps/cli/admin_commands.hpp"
#include "apps/cli/checkpoint_listing.hpp"
#include "apps/cli/savepoint_disposal.hpp"
#include "apps/cli/state_inspector.hpp"
#include "apps/cli/state_json.hpp"
#include "snapshot/aggregating_state.hpp"
#include "snapshot/checkpoint_metadata.hpp"
#include "snapshot/error.hpp"
#include "snapshot/list_state.hpp"
#include "snapshot/map_state.hpp"
#include "snapshot/reducing_state.hpp"
#include "snapshot/state_codec.hpp"
#include "snapshot/state_file_writer.hpp"
#include "snapshot/value_state.hpp"
#include "tests/snapshot/snapshot_test_util.hpp"

#include <algorithm>
#include <functional>
#include <sstream>

using namespace sluice;

namespace admin_commands_test {

using namespace sluice::apps;
using sluice::snapshot_test::scratch_dir;
namespace fs = std::filesystem;

namespace {

const keyed_state_meta counts_meta{"count", value_state<int64_t>::fingerprint(),
                                   state_kind::value};

std::string i64(int64_t x) {
  std::string out;
  encode_value(x, out);
  return out;
}

/// Writes state file `rel` (relative to `dir`) and returns its handle.
state_handle write_state(const fs::path& dir, const std::string& rel, state_file_info info,
                         const std::function<void(state_file_writer&)>& fill) {
  auto path = (dir / rel).lexically_normal();
  fs::create_directories(path.parent_path());
  auto w = state_file_writer::to_file(path, info);
  fill(w);
  return {rel, "", w.finish(), info.key_groups};
}

checkpoint_metadata one_operator(std::string job, uint64_t id, bool savepoint,
                                 std::vector<subtask_snapshot> subtasks, uint32_t p = 1) {
  return {std::move(job), id, 1700000000123, savepoint, {{"counts", p, 128, std::move(subtasks)}}};
}

/// A checkpoint of operator "counts" at `dir` with keys a, b, c (values 1..3).
checkpoint_metadata simple_checkpoint(const fs::path& dir, std::string job, uint64_t id,
                                      bool savepoint = false) {
  fs::create_directories(dir);
  auto h = write_state(dir, "counts-0.state", {"counts", 0, 128, {0, 127}}, [](auto& w) {
    w.add_keyed_entry(counts_meta, 1, "a", i64(1));
    w.add_keyed_entry(counts_meta, 2, "b", i64(2));
    w.add_keyed_entry(counts_meta, 3, "c", i64(3));
  });
  auto md = one_operator(std::move(job), id, savepoint, {{0, {h}}});
  write_metadata_file(dir, md);
  return md;
}

bool names(const exception& e, const std::string& needle) {
  BOOST_TEST_MESSAGE(e.what());
  return std::string{e.what()}.find(needle) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(admin_commands)

BOOST_AUTO_TEST_CASE(trigger_times_are_iso_8601_utc_with_milliseconds) {
  BOOST_CHECK_EQUAL(format_utc_iso8601(0), "1970-01-01T00:00:00.000Z");
  BOOST_CHECK_EQUAL(format_utc_iso8601(1700000000123), "2023-11-14T22:13:20.123Z");
  BOOST_CHECK_EQUAL(format_utc_iso8601(-1), "1969-12-31T23:59:59.999Z");
  BOOST_CHECK_EQUAL(format_utc_iso8601(951782400007), "2000-02-29T00:00:00.007Z");
}

BOOST_AUTO_TEST_CASE(bytes_are_json_strings_only_when_printable_utf8) {
  BOOST_CHECK_EQUAL(bytes_json("user-1"), "\"user-1\"");
  BOOST_CHECK_EQUAL(bytes_json("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  BOOST_CHECK_EQUAL(bytes_json("say \"hi\""), R"("say \"hi\"")");
  BOOST_CHECK_EQUAL(bytes_json(""), "\"\"");
  BOOST_CHECK_EQUAL(bytes_json(std::string{"\x01\xff", 2}), R"({"hex":"01ff"})");
  BOOST_CHECK_EQUAL(bytes_json(std::string{"\0\0\0\x05", 4}), R"({"hex":"00000005"})");
  BOOST_CHECK(!is_printable_utf8("\xc0\xaf"));         // overlong '/'
  BOOST_CHECK(!is_printable_utf8("\xed\xa0\x80"));     // surrogate
  BOOST_CHECK(!is_printable_utf8("\xf4\x90\x80\x80")); // above U+10FFFF
  BOOST_CHECK(!is_printable_utf8("\xe2\x82"));         // truncated
  BOOST_CHECK(!is_printable_utf8("a\tb"));
  BOOST_CHECK(!is_printable_utf8("\xc2\x85")); // C1 control
  BOOST_CHECK(is_printable_utf8("\xf0\x9f\x98\x80"));
}

BOOST_AUTO_TEST_CASE(fingerprints_of_common_types_are_recognised_with_their_kind) {
  struct expectation {
    keyed_state_meta meta;
    std::string kind;
    std::string type;
    bool ttl;
  };
  using avg = aggregating_state<double, std::pair<int64_t, double>, double>;
  std::vector<expectation> cases{
    {{"v", value_state<int64_t>::fingerprint(), state_kind::value}, "value", "i64", false},
    {{"v", value_state<std::string>::fingerprint(), state_kind::value}, "value", "string", false},
    {{"v", value_state<std::vector<int32_t>>::fingerprint(), state_kind::value}, "value",
     "seq(i32)", false},
    {{"l", list_state<double>::fingerprint(), state_kind::list}, "list", "f64", false},
    {{"m", map_state<std::string, int64_t>::fingerprint(), state_kind::map}, "map",
     "tuple(string,i64)", false},
    {{"r", reducing_state<int32_t>::fingerprint(), state_kind::value}, "reducing", "i32", false},
    {{"a", avg::fingerprint(), state_kind::value}, "aggregating", "tuple(i64,f64)", false},
    {{"t", ttl_fingerprint(value_state<uint64_t>::fingerprint()), state_kind::value}, "value",
     "u64", true},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.kind << " " << c.type) {
      auto t = recognize_state_type(c.meta);
      BOOST_REQUIRE(t.has_value());
      BOOST_CHECK_EQUAL(t->kind, c.kind);
      BOOST_CHECK_EQUAL(t->type, c.type);
      BOOST_CHECK_EQUAL(t->ttl, c.ttl);
      BOOST_CHECK_EQUAL(state_kind_name(c.meta), c.kind);
    }
  }
  // A list fingerprint stored as a value state does not fit: unrecognised.
  keyed_state_meta odd{"x", list_state<double>::fingerprint(), state_kind::value};
  BOOST_CHECK(!recognize_state_type(odd).has_value());
  BOOST_CHECK_EQUAL(state_kind_name(odd), "value");
  BOOST_CHECK_EQUAL(state_type_name({"x", 0x1234, state_kind::map}),
                    "unknown (fingerprint 0x0000000000001234)");
}

BOOST_AUTO_TEST_CASE(recognised_values_are_decoded_and_bad_ones_named) {
  BOOST_CHECK_EQUAL(keyed_entry_json(counts_meta, 7, "Mary", i64(-5), "x"),
                    R"({"key_group":7,"key":"Mary","value":-5})");
  std::string list;
  encode_value(std::vector<std::string>{"a", std::string{"\xff", 1}}, list);
  keyed_state_meta names_meta{"n", list_state<std::string>::fingerprint(), state_kind::list};
  BOOST_CHECK_EQUAL(keyed_entry_json(names_meta, 0, "k", list, "x"),
                    R"({"key_group":0,"key":"k","value":["a",{"hex":"ff"}]})");
  std::string map;
  encode_value(std::vector<std::pair<std::string, double>>{{"x", 1.5}}, map);
  keyed_state_meta map_meta{"m", map_state<std::string, double>::fingerprint(), state_kind::map};
  BOOST_CHECK_EQUAL(keyed_entry_json(map_meta, 0, "k", map, "x"),
                    R"({"key_group":0,"key":"k","value":[["x",1.5]]})");
  std::string opt;
  encode_value(std::optional<int32_t>{}, opt);
  BOOST_CHECK_EQUAL(decode_value_json("optional(i32)", opt, "x"), "null");
  keyed_state_meta ttl_meta{"t", ttl_fingerprint(counts_meta.type_fingerprint),
                            state_kind::value};
  std::string stamped{"\0\0\0\0\0\0\x01\x02", 8};
  BOOST_CHECK_EQUAL(keyed_entry_json(ttl_meta, 1, "k", stamped + i64(9), "x"),
                    R"({"key_group":1,"key":"k","ttl_stamp_ms":258,"value":9})");
  // Unrecognised fingerprint: the value stays bytes.
  keyed_state_meta opaque{"o", 42, state_kind::value};
  BOOST_CHECK_EQUAL(keyed_entry_json(opaque, 1, "k", "v", "x"),
                    R"({"key_group":1,"key":"k","value":"v"})");
  // Truncated, oversized or surplus bytes: corrupt, naming the entry.
  auto bad = i64(1).substr(0, 5);
  BOOST_CHECK_EXCEPTION(keyed_entry_json(counts_meta, 1, "k", bad, "chk-1: state 'count'"),
                        exception, [](auto& e) { return names(e, "chk-1: state 'count'"); });
  BOOST_CHECK_EXCEPTION(decode_value_json("string", std::string{"\xff\xff\xff\x0f", 4}, "y"),
                        exception, [](auto& e) { return names(e, "cannot fit"); });
  BOOST_CHECK_EXCEPTION(decode_value_json("i32", i64(1), "y"), exception,
                        [](auto& e) { return names(e, "left over"); });
}

BOOST_AUTO_TEST_CASE(listing_finds_checkpoints_at_every_depth_sorted_by_job_then_id) {
  scratch_dir root;
  simple_checkpoint(root / "job-a" / "chk-10", "job-a", 10);
  simple_checkpoint(root / "job-b" / "chk-7", "job-b", 7, true);
  simple_checkpoint(root / "job-a" / "chk-2", "job-a", 2);
  fs::create_directories(root / "job-a" / "chk-11"); // in progress: no _metadata
  snapshot_test::spit(root / "job-a" / "chk-11" / "counts-0.state", "partial");
  auto scan = scan_checkpoints(root.path());
  BOOST_CHECK(scan.problems.empty());
  BOOST_REQUIRE_EQUAL(scan.found.size(), 3u);
  BOOST_CHECK_EQUAL(scan.found[0].job_id, "job-a");
  BOOST_CHECK_EQUAL(scan.found[0].checkpoint_id, 2u);
  BOOST_CHECK_EQUAL(scan.found[1].checkpoint_id, 10u);
  BOOST_CHECK_EQUAL(scan.found[2].job_id, "job-b");
  BOOST_CHECK(scan.found[2].is_savepoint);
  auto chk = root / "job-a" / "chk-10";
  BOOST_CHECK_EQUAL(scan.found[1].size_bytes,
                    fs::file_size(chk / "_metadata") + fs::file_size(chk / "counts-0.state"));
  BOOST_CHECK_EQUAL(scan_checkpoints(root / "job-a").found.size(), 2u);
  BOOST_CHECK_EQUAL(scan_checkpoints(chk).found.size(), 1u);
  auto table = format_checkpoint_table(scan.found, root.path());
  BOOST_CHECK_MESSAGE(table.find("2023-11-14T22:13:20.123Z") != std::string::npos, table);
  BOOST_CHECK_MESSAGE(table.find("savepoint") != std::string::npos, table);
  BOOST_CHECK_EQUAL(format_checkpoint_table({}, "/x"), "no retained checkpoints under /x\n");
}

BOOST_AUTO_TEST_CASE(listing_reports_damaged_checkpoints_and_keeps_the_others) {
  scratch_dir root;
  simple_checkpoint(root / "j" / "chk-1", "j", 1);
  auto cut = root / "j" / "chk-2";
  simple_checkpoint(cut, "j", 2);
  auto image = snapshot_test::slurp(cut / "_metadata");
  snapshot_test::spit(cut / "_metadata", image.substr(0, image.size() / 2));
  auto gone = root / "j" / "chk-3";
  simple_checkpoint(gone, "j", 3);
  fs::remove(gone / "counts-0.state");
  auto scan = scan_checkpoints(root.path());
  BOOST_REQUIRE_EQUAL(scan.found.size(), 1u);
  BOOST_CHECK_EQUAL(scan.found[0].checkpoint_id, 1u);
  BOOST_REQUIRE_EQUAL(scan.problems.size(), 2u);
  BOOST_CHECK_MESSAGE(scan.problems[0].find((cut / "_metadata").string()) != std::string::npos,
                      scan.problems[0]);
  BOOST_CHECK_MESSAGE(scan.problems[1].find("missing state file") != std::string::npos,
                      scan.problems[1]);
  BOOST_CHECK_EXCEPTION(scan_checkpoints(root / "nope"), exception,
                        [](auto& e) { return names(e, "no such directory"); });
  BOOST_CHECK_EXCEPTION(scan_checkpoints(cut / "_metadata"), exception,
                        [](auto& e) { return names(e, "not a directory"); });
}

BOOST_AUTO_TEST_CASE(inspect_applies_incremental_chains_and_counts_live_keys) {
  scratch_dir job;
  auto chk = job / "chk-5";
  fs::create_directories(chk);
  state_file_info low{"counts", 0, 128, {0, 63}};
  auto base = write_state(chk, "../shared/base.state", low, [](auto& w) {
    w.add_keyed_entry(counts_meta, 1, "a", i64(1));
    w.add_keyed_entry(counts_meta, 2, "b", i64(2));
    w.add_keyed_entry(counts_meta, 3, "c", i64(3));
  });
  auto delta = write_state(chk, "../shared/delta.state", low, [](auto& w) {
    w.add_keyed_tombstone(counts_meta, 2, "b");
    w.add_keyed_entry(counts_meta, 1, "a", i64(10));
    w.add_keyed_entry(counts_meta, 4, "d", i64(4));
  });
  auto high = write_state(chk, "counts-1.state", {"counts", 1, 128, {64, 127}}, [](auto& w) {
    w.add_keyed_entry(counts_meta, 70, "e", i64(5));
    w.add_operator_list_item("offsets", "17");
  });
  write_metadata_file(chk, one_operator("j", 5, false, {{0, {base, delta}}, {1, {high}}}, 2));
  auto s = inspect_checkpoint(chk / "_metadata");
  BOOST_CHECK_EQUAL(s.location.dir, chk);
  BOOST_CHECK_EQUAL(s.checkpoint_id, 5u);
  BOOST_REQUIRE_EQUAL(s.operators.size(), 1u);
  auto& op = s.operators[0];
  BOOST_CHECK_EQUAL(op.parallelism, 2u);
  BOOST_REQUIRE_EQUAL(op.states.size(), 2u);
  BOOST_CHECK_EQUAL(op.states[0].name, "count");
  BOOST_CHECK_EQUAL(op.states[0].kind, "value");
  BOOST_CHECK_EQUAL(op.states[0].type, "i64");
  BOOST_CHECK_EQUAL(op.states[0].entries, 4u); // a, c, d, e: b was deleted
  BOOST_CHECK_EQUAL(op.states[0].bytes, 4u * (1 + i64(0).size()));
  BOOST_CHECK_EQUAL(op.states[1].kind, "operator list");
  BOOST_CHECK_EQUAL(op.states[1].entries, 1u);
  BOOST_REQUIRE_EQUAL(op.subtasks.size(), 2u);
  BOOST_CHECK_EQUAL(op.subtasks[0].files.size(), 2u);
  BOOST_CHECK_EQUAL(op.subtasks[1].files[0].key_groups.first, 64u);
  auto text = format_inspection(s);
  BOOST_CHECK_MESSAGE(text.find("subtask 0: ../shared/delta.state") != std::string::npos, text);
  std::ostringstream out;
  BOOST_CHECK_EQUAL(dump_state(chk, "counts/count", out), 4u);
  BOOST_CHECK_EQUAL(out.str(), "{\"key_group\":1,\"key\":\"a\",\"value\":10}\n"
                               "{\"key_group\":3,\"key\":\"c\",\"value\":3}\n"
                               "{\"key_group\":4,\"key\":\"d\",\"value\":4}\n"
                               "{\"key_group\":70,\"key\":\"e\",\"value\":5}\n");
  std::ostringstream items;
  dump_state(chk, "counts/offsets", items);
  BOOST_CHECK_EQUAL(items.str(), "{\"subtask\":1,\"item\":\"17\"}\n");
  BOOST_CHECK_EXCEPTION(dump_state(chk, "nope/count", out), exception,
                        [](auto& e) { return names(e, "operators: counts"); });
  BOOST_CHECK_EXCEPTION(dump_state(chk, "counts/nope", out), exception,
                        [](auto& e) { return names(e, "states: count, offsets"); });
}

BOOST_AUTO_TEST_CASE(inspect_names_a_damaged_or_misplaced_state_file) {
  scratch_dir dir;
  auto chk = dir / "chk-1";
  simple_checkpoint(chk, "j", 1);
  auto file = chk / "counts-0.state";
  auto image = snapshot_test::slurp(file);
  image[image.size() - 3] ^= 0x20;
  snapshot_test::spit(file, image);
  BOOST_CHECK_EXCEPTION(inspect_checkpoint(chk), exception, [&](auto& e) {
    return e.code() == ec::corrupt_file && names(e, file.string());
  });
  // A file of another operator listed for "counts".
  auto other = write_state(chk, "other.state", {"other", 0, 128, {0, 127}}, [](auto&) {});
  write_metadata_file(chk, one_operator("j", 1, false, {{0, {other}}}));
  BOOST_CHECK_EXCEPTION(inspect_checkpoint(chk), exception,
                        [](auto& e) { return names(e, "holds state of operator 'other'"); });
  BOOST_CHECK_EXCEPTION(inspect_checkpoint(dir / "chk-9"), exception,
                        [](auto& e) { return names(e, "no such file or directory"); });
  BOOST_CHECK_EXCEPTION(inspect_checkpoint(dir.path()), exception,
                        [](auto& e) { return names(e, "no _metadata"); });
}

BOOST_AUTO_TEST_CASE(disposal_refuses_checkpoints_and_state_outside_the_savepoint) {
  auto h = [](std::string rel) { return state_handle{std::move(rel), "", 10, {0, 127}}; };
  auto chk = one_operator("j", 1, false, {{0, {h("a.state")}}});
  auto why = disposal_refusal("/x/chk-1", chk);
  BOOST_REQUIRE(why.has_value());
  BOOST_CHECK_MESSAGE(why->find("/x/chk-1 is a checkpoint, not a savepoint") == 0, *why);
  auto shared = one_operator("j", 1, true, {{0, {h("a.state"), h("../shared/b.state")}}});
  why = disposal_refusal("/x/sp", shared);
  BOOST_REQUIRE(why.has_value());
  BOOST_CHECK_MESSAGE(why->find("'../shared/b.state'") != std::string::npos, *why);
  BOOST_CHECK_MESSAGE(why->find("outside the savepoint directory") != std::string::npos, *why);
  auto fine = one_operator("j", 1, true, {{0, {h("a.state"), h("sub/b.state"), h("a.state")}}});
  BOOST_CHECK(!disposal_refusal("/x/sp", fine).has_value());
  auto plan = plan_disposal({"/x/sp", "/x/sp/_metadata"}, fine);
  BOOST_CHECK_EQUAL(plan.state_files.size(), 2u); // a.state once
  BOOST_CHECK_EQUAL(plan.state_files[1], fs::path{"/x/sp/sub/b.state"});
}

BOOST_AUTO_TEST_CASE(disposal_removes_every_file_and_the_directory_unless_others_remain) {
  scratch_dir dir;
  auto sp = dir / "savepoint-1";
  auto md = simple_checkpoint(sp, "j", 1, true);
  auto nested = write_state(sp, "sub/x.state", {"counts", 0, 128, {0, 127}}, [](auto&) {});
  md.operators[0].subtasks[0].handles.push_back(nested);
  write_metadata_file(sp, md);
  auto result = dispose_savepoint(plan_disposal({sp, sp / "_metadata"}, md));
  BOOST_CHECK(result.failures.empty());
  BOOST_CHECK(result.dir_removed);
  BOOST_CHECK(!fs::exists(sp));
  BOOST_CHECK(fs::exists(dir.path())); // nothing above the savepoint
  md = simple_checkpoint(sp, "j", 1, true);
  snapshot_test::spit(sp / "notes.txt", "mine");
  result = dispose_savepoint(plan_disposal({sp, sp / "_metadata"}, md));
  BOOST_CHECK(!result.dir_removed);
  BOOST_CHECK(result.left == std::vector<std::string>{"notes.txt"});
  BOOST_CHECK(!fs::exists(sp / "_metadata"));
  BOOST_CHECK(!fs::exists(sp / "counts-0.state"));
}

// The verbs' exit codes without a process: 2 for the command line, 1 for
// what is on disk. (`sluice savepoint` without --dispose reaches the job
// verbs in apps/cli/sluice.cpp; called here directly it explains itself.)
BOOST_AUTO_TEST_CASE(verbs_exit_2_on_bad_command_lines_and_1_on_bad_files) {
  scratch_dir dir;
  auto chk = dir / "chk-1";
  simple_checkpoint(chk, "j", 1);
  auto exit_code = [](std::vector<std::string> args, std::string& out, std::string& err) {
    std::ostringstream o, e;
    auto rc = run_admin_command(args, o, e);
    out = o.str();
    err = e.str();
    return rc;
  };
  std::string out, err;
  BOOST_CHECK_EQUAL(exit_code({"savepoint"}, out, err), 2);
  BOOST_CHECK_MESSAGE(err.find("--dispose PATH") != std::string::npos, err);
  BOOST_CHECK_EQUAL(exit_code({"checkpoints", "a", "b"}, out, err), 2);
  BOOST_CHECK_EQUAL(exit_code({"inspect", chk.string(), "--bogus"}, out, err), 2);
  BOOST_CHECK_EQUAL(exit_code({"inspect", chk.string(), "--dump", "counts/count"}, out, err), 0);
  BOOST_CHECK_EQUAL(out, "{\"key_group\":1,\"key\":\"a\",\"value\":1}\n"
                         "{\"key_group\":2,\"key\":\"b\",\"value\":2}\n"
                         "{\"key_group\":3,\"key\":\"c\",\"value\":3}\n");
  BOOST_CHECK_EQUAL(exit_code({"savepoint", "--dispose", chk.string()}, out, err), 1);
  BOOST_CHECK_MESSAGE(err == "sluice: savepoint: " + chk.string()
                               + " is a checkpoint, not a savepoint; checkpoints are removed by "
                                 "their job (checkpointing.retained, checkpointing.externalized), "
                                 "not by savepoint --dispose\n",
                      err);
  BOOST_CHECK(fs::exists(chk / "_metadata"));
  auto sp = dir / "sp";
  simple_checkpoint(sp, "j", 2, true);
  BOOST_CHECK_EQUAL(exit_code({"savepoint", "--dispose=" + sp.string()}, out, err), 0);
  BOOST_CHECK_EQUAL(out, "disposed savepoint " + sp.string() + "\n");
  BOOST_CHECK(!fs::exists(sp));
  BOOST_CHECK_EQUAL(exit_code({"checkpoints", dir.path().string()}, out, err), 0);
  BOOST_CHECK_EQUAL(std::count(out.begin(), out.end(), '\n'), 2); // header + chk-1
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace admin_commands_test
