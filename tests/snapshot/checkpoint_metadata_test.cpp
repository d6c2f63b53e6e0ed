// snapshot/checkpoint_metadata + fs_util: `_metadata` round-trips every field
// (file and inline handles, savepoint flag); invalid metadata is refused on
// write and on read with a message naming the problem; the atomic write
// replaces an old file and leaves no temp file, also when it fails;
// restore finds the handles of a new key group range; disposal removes a
// checkpoint directory, `_metadata` first.
#include "snapshot/checkpoint_metadata.hpp"
#include "snapshot/fs_util.hpp"
#include "snapshot/snapshot_file.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include "tests/snapshot/snapshot_test_util.hpp"

#include "snapshot.capnp.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <vector>

using namespace sluice;

namespace checkpoint_metadata_test {

using namespace sluice::snapshot_test;

namespace {

std::string inline_state() {
  auto none = key_group_range::empty_range();
  auto w = state_file_writer::to_memory("inline", {"source", 0, 128, none});
  w.add_operator_list_item("offsets", "partition-0:42");
  w.finish();
  return w.take_bytes();
}

checkpoint_metadata sample() {
  checkpoint_metadata md;
  md.job_id = "job-7f3a";
  md.checkpoint_id = 12;
  md.timestamp_ms = 1'700'000'000'123;
  md.is_savepoint = false;
  operator_snapshot counts{"counts", 4, 128, {}};
  for (uint32_t i = 0; i < 4; ++i)
    counts.subtasks.push_back(
      {i, {{"counts-" + std::to_string(i) + ".state", "", 1000 + i,
            key_group_range_for_operator(128, 4, i)}}});
  counts.subtasks[2].handles.push_back({"../shared/counts-2-base.state", "", 77, {64, 95}});
  auto bytes = inline_state();
  auto none = key_group_range::empty_range();
  operator_snapshot source{"source", 1, 128, {{0, {{"", bytes, bytes.size(), none}}}}};
  operator_snapshot sink{"sink", 2, 16, {}}; // no state at all
  md.operators = {counts, source, sink};
  return md;
}

std::string encode_error(const checkpoint_metadata& md) {
  try {
    encode_metadata(md, "chk-1/_metadata");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::io_error);
    return e.what();
  }
  return "no error";
}

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (auto& e : fs::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace

BOOST_AUTO_TEST_SUITE(checkpoint_metadata_file)

BOOST_AUTO_TEST_CASE(round_trip_in_memory_and_on_disk) {
  auto md = sample();
  auto image = encode_metadata(md);
  BOOST_CHECK(decode_metadata(image, "mem") == md);

  md.is_savepoint = true;
  md.timestamp_ms = -5; // before the epoch: still representable
  scratch_dir dir;
  auto size = write_metadata_file(dir.path(), md);
  BOOST_CHECK_EQUAL(size, fs::file_size(dir / "_metadata"));
  BOOST_CHECK(read_metadata_file(dir.path()) == md);        // the directory
  BOOST_CHECK(read_metadata_file(dir / "_metadata") == md); // or the file

  // The inline handle is a complete state file.
  auto& handle = md.operators[1].subtasks[0].handles[0];
  BOOST_REQUIRE(handle.is_inline());
  auto contents = load_state_bytes(handle.inline_bytes, "inline");
  BOOST_REQUIRE_EQUAL(contents.operator_lists.size(), 1u);
  BOOST_CHECK_EQUAL(contents.operator_lists[0].item, "partition-0:42");
}

BOOST_AUTO_TEST_CASE(invalid_metadata_is_refused_on_write) {
  auto check = [](std::function<void(checkpoint_metadata&)> change, std::string expected) {
    auto md = sample();
    change(md);
    BOOST_CHECK_EQUAL(encode_error(md),
                      "chk-1/_metadata: refusing to write invalid metadata: " + expected);
  };
  check([](auto& md) { md.job_id.clear(); }, "empty job id");
  check([](auto& md) { md.operators[1].uid = "counts"; }, "operator 'counts' appears twice");
  check([](auto& md) { md.operators[0].parallelism = 0; },
        "operator 'counts': parallelism 0 not in [1, 128]");
  check([](auto& md) { md.operators[0].max_parallelism = 40000; },
        "operator 'counts': max parallelism 40000 out of range");
  check([](auto& md) { md.operators[0].subtasks[3].index = 4; },
        "operator 'counts' subtask 4: index not below parallelism 4");
  check([](auto& md) { md.operators[0].subtasks[3].index = 0; },
        "operator 'counts' subtask 0 appears twice");
  check([](auto& md) { md.operators[0].subtasks[0].handles[0].relative_path = "/etc/passwd"; },
        "operator 'counts' subtask 0 handle 0: absolute path '/etc/passwd'");
  check([](auto& md) { md.operators[0].subtasks[0].handles[0].relative_path = "../../x"; },
        "operator 'counts' subtask 0 handle 0: path '../../x' escapes the job directory");
  check([](auto& md) { md.operators[0].subtasks[0].handles[0].relative_path = "a//b"; },
        "operator 'counts' subtask 0 handle 0: path 'a//b' has an empty or '.' component");
  check([](auto& md) { md.operators[0].subtasks[0].handles[0].key_groups = {0, 128}; },
        "operator 'counts' subtask 0 handle 0: key groups [0, 128] exceed max parallelism 128");
  auto n = inline_state().size();
  check([](auto& md) { md.operators[1].subtasks[0].handles[0].size += 1; },
        "operator 'source' subtask 0 handle 0: size " + std::to_string(n + 1) + " but "
          + std::to_string(n) + " inline bytes");
  check([](auto& md) { md.operators[1].subtasks[0].handles[0].inline_bytes.clear(); },
        "operator 'source' subtask 0 handle 0: neither a path nor inline bytes");
}

BOOST_AUTO_TEST_CASE(invalid_metadata_is_refused_on_read) {
  // Written around the validation of encode_metadata, as a buggy or
  // malicious writer could.
  auto image_with = [](std::function<void(schema::CheckpointMetadata::Builder)> fill) {
    capnp::MallocMessageBuilder message;
    fill(message.initRoot<schema::CheckpointMetadata>());
    auto w = snapshot_file_writer::to_memory("m", snapshot_file_kind::metadata);
    w.write_message(message);
    w.finish();
    return w.take_bytes();
  };
  auto read_error = [](const std::string& image) -> std::string {
    try {
      decode_metadata(image, "chk-3/_metadata");
    } catch (const sluice::exception& e) {
      BOOST_CHECK(e.code() == ec::corrupt_file);
      return e.what();
    }
    return "no error";
  };
  auto escaping = image_with([](auto root) {
    root.setJobId("j");
    auto op = root.initOperators(1)[0];
    op.setUid("op");
    op.setParallelism(1);
    op.setMaxParallelism(8);
    auto handle = op.initSubtasks(1)[0].initHandles(1)[0];
    handle.setPath("a/../../etc/passwd");
  });
  BOOST_CHECK_EQUAL(read_error(escaping),
                    "chk-3/_metadata: operator 'op' subtask 0 handle 0: path "
                    "'a/../../etc/passwd' escapes the job directory");
  auto zero_parallelism = image_with([](auto root) {
    root.setJobId("j");
    root.initOperators(1)[0].setUid("op");
  });
  BOOST_CHECK_EQUAL(read_error(zero_parallelism),
                    "chk-3/_metadata: operator 'op': max parallelism 0 out of range");
  auto no_job = image_with([](auto) {});
  BOOST_CHECK_EQUAL(read_error(no_job), "chk-3/_metadata: empty job id");
  auto empty_path = image_with([](auto root) {
    root.setJobId("j");
    auto op = root.initOperators(1)[0];
    op.setUid("op");
    op.setParallelism(1);
    op.setMaxParallelism(8);
    op.initSubtasks(1)[0].initHandles(1);
  });
  BOOST_CHECK_EQUAL(read_error(empty_path),
                    "chk-3/_metadata: operator 'op' subtask 0: state handle with an empty path");
  // Two messages where one belongs.
  capnp::MallocMessageBuilder message;
  message.initRoot<schema::CheckpointMetadata>().setJobId("j");
  auto w = snapshot_file_writer::to_memory("m", snapshot_file_kind::metadata);
  w.write_message(message);
  w.write_message(message);
  w.finish();
  BOOST_CHECK_EQUAL(read_error(w.take_bytes()), "chk-3/_metadata: more than one message");
}

BOOST_AUTO_TEST_CASE(atomic_write_replaces_and_leaves_no_temp_file) {
  scratch_dir dir;
  auto md = sample();
  write_metadata_file(dir.path(), md);
  md.checkpoint_id = 13;
  md.operators.pop_back();
  write_metadata_file(dir.path(), md);
  BOOST_CHECK(read_metadata_file(dir.path()) == md);
  BOOST_CHECK(listing(dir.path()) == std::vector<std::string>{"_metadata"});

  // Missing directory: io_error naming the file, nothing created.
  auto missing = dir / "chk-99";
  try {
    write_metadata_file(missing, md);
    BOOST_ERROR("no exception");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::io_error);
    BOOST_CHECK(std::string{e.what()}.starts_with((missing / "_metadata").string()));
  }
  BOOST_CHECK(!fs::exists(missing));

  // The rename fails (a non-empty directory is in the way): io_error, the
  // temp file is gone, what was there stays.
  auto blocked = dir / "chk-100";
  fs::create_directories(blocked / "_metadata");
  spit(blocked / "_metadata" / "keep", "x");
  try {
    write_metadata_file(blocked, md);
    BOOST_ERROR("no exception");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::io_error);
    BOOST_CHECK_MESSAGE(std::string{e.what()}.starts_with((blocked / "_metadata").string()
                                                          + ": cannot rename "),
                        e.what());
  }
  BOOST_CHECK(listing(blocked) == std::vector<std::string>{"_metadata"});
  BOOST_CHECK(fs::exists(blocked / "_metadata" / "keep"));
}

BOOST_AUTO_TEST_CASE(missing_or_unreadable_metadata_is_io_error) {
  scratch_dir dir;
  try {
    read_metadata_file(dir.path());
    BOOST_ERROR("no exception");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::io_error);
    BOOST_CHECK(std::string{e.what()}.starts_with((dir / "_metadata").string() + ": cannot open"));
  }
}

BOOST_AUTO_TEST_CASE(restore_finds_handles_of_a_new_range) {
  auto md = sample();
  auto& counts = md.operators[0];
  // 4 -> 3 subtasks: the new subtask 1 owns [43, 85], covered by old 1 and 2.
  auto range = key_group_range_for_operator(128, 3, 1);
  auto handles = handles_overlapping(counts, range);
  std::vector<std::string> paths;
  for (auto* h : handles)
    paths.push_back(h->relative_path);
  BOOST_CHECK((paths == std::vector<std::string>{"counts-1.state", "counts-2.state",
                                                  "../shared/counts-2-base.state"}));
  BOOST_CHECK(handles_overlapping(md.operators[1], range).empty()); // no keyed state
  BOOST_CHECK(handles_overlapping(counts, key_group_range::empty_range()).empty());
}

BOOST_AUTO_TEST_CASE(remove_checkpoint_directory_disposes_everything) {
  scratch_dir dir;
  auto chk = dir / "chk-5";
  fs::create_directories(chk / "sub");
  write_metadata_file(chk, sample());
  spit(chk / "counts-0.state", "state");
  spit(chk / "sub" / "x", "y");
  auto shared = dir / "shared";
  fs::create_directories(shared);
  spit(shared / "keep.state", "shared");
  remove_checkpoint_directory(chk);
  BOOST_CHECK(!fs::exists(chk));
  BOOST_CHECK(fs::exists(shared / "keep.state"));
  remove_checkpoint_directory(chk); // again: nothing to do
  spit(dir / "file", "f");
  try {
    remove_checkpoint_directory(dir / "file");
    BOOST_ERROR("no exception");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::io_error);
    BOOST_CHECK_EQUAL(std::string{e.what()}, (dir / "file").string() + ": not a directory");
  }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace checkpoint_metadata_test
