// Incremental keyed state in checkpoint files, without an actor system:
// the chain bookkeeping (incremental_chain), shared files in the storage
// (write_shared_state, file_of, remove_files, discard_all_but), and the
// asynchronous part of a snapshot (write_snapshot) writing a delta into
// `shared/` whose handles list base + deltas, restoring exactly, with the
// shared file of a failed write removed.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>

#include "actors/subtask/async_snapshot.hpp"
#include "snapshot/error.hpp"
#include "snapshot/incremental_chain.hpp"
#include "tests/snapshot/backend_test_util.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace incremental_files_test {

namespace {

struct scratch {
  fs::path path;
  scratch() {
    std::random_device rd;
    path = fs::temp_directory_path()
           / ("sluice-incr-files-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~scratch() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

state_handle file_handle(std::string path, uint64_t size = 1) {
  state_handle h;
  h.relative_path = std::move(path);
  h.size = size;
  return h;
}

std::set<std::string> shared_files(const checkpoint_storage& storage) {
  std::set<std::string> names;
  std::error_code err;
  for (auto it = fs::directory_iterator(storage.job_dir() / "shared", err);
       !err && it != fs::directory_iterator(); it.increment(err))
    names.insert("shared/" + it->path().filename().string());
  return names;
}

constexpr uint32_t max_p = 128;
const key_group_range whole{0, max_p - 1};
const value_state_descriptor<std::string> payload{"payload"};

using reference = std::map<std::string, std::string>;

/// One keyed operator on an incremental lmdb backend, snapshotted the way
/// operator_chain and the subtask do it.
struct keyed_operator {
  keyed_state_backend backend;
  std::shared_ptr<incremental_chain> chain = std::make_shared<incremental_chain>();
  reference ref;

  keyed_operator() : backend(max_p, whole, options()) {
  }

  static keyed_backend_options options() {
    auto o = backend_test::options(state_backend_kind::lmdb);
    o.incremental = true;
    return o;
  }

  void put(const std::string& key, std::string value) {
    BOOST_REQUIRE(backend.set_current_key_of(key));
    backend.get_state(payload).update(value);
    ref[key] = std::move(value);
  }

  void erase(const std::string& key) {
    BOOST_REQUIRE(backend.set_current_key_of(key));
    backend.get_state(payload).clear();
    ref.erase(key);
  }

  snapshot_task task(checkpoint_storage_ptr storage, uint64_t id,
                     std::vector<list_state_item> list = {}) {
    backend.end_batch();
    snapshot_task t;
    t.storage = std::move(storage);
    t.ack.attempt = 1;
    t.ack.checkpoint_id = id;
    operator_chain::operator_state_copy op;
    op.uid = "counts";
    op.max_parallelism = max_p;
    op.key_groups = whole;
    op.list_items = std::move(list);
    op.keyed = backend.snapshot(id);
    op.chain = chain;
    if (op.keyed->incremental())
      op.base_chain = chain->at(op.keyed->base_checkpoint());
    t.operators.push_back(std::move(op));
    return t;
  }

  void complete(uint64_t id) {
    backend.notify_checkpoint_complete(id);
    chain->confirm(id);
  }
};

/// Restores the keyed state of `ack`'s handles, in order, into a fresh
/// hashmap backend and returns the values of keys k0 .. k<keys-1>.
reference restore(const checkpoint_storage& storage, const ack_msg& ack, int keys) {
  keyed_state_backend b{max_p, whole, backend_test::options(state_backend_kind::hashmap)};
  for (auto& ref : ack.states)
    backend_test::apply(b, storage.read_state(ack.checkpoint_id, ref.handle));
  auto& s = b.get_state(payload);
  reference result;
  for (int i = 0; i < keys; ++i) {
    auto key = "k" + std::to_string(i);
    BOOST_REQUIRE(b.set_current_key_of(key));
    if (auto v = s.value())
      result[key] = *v;
  }
  BOOST_CHECK_EQUAL(s.size(), result.size()); // no key outside k0 ..
  return result;
}

} // namespace

BOOST_AUTO_TEST_SUITE(incremental_files)

BOOST_AUTO_TEST_CASE(a_chain_extends_its_base_and_confirm_drops_older_chains) {
  incremental_chain chain;
  auto f1 = file_handle("../shared/a-c1.state");
  auto f2 = file_handle("../shared/a-c2.state");
  chain.record(1, extend({}, f1));
  chain.record(2, extend(chain.at(1), f2));
  chain.record(3, extend(chain.at(1), std::nullopt)); // a delta without changes
  BOOST_CHECK(chain.at(2) == (handle_chain{f1, f2}));
  BOOST_CHECK(chain.at(3) == (handle_chain{f1}));
  chain.confirm(2);
  BOOST_CHECK(chain.recorded() == (std::vector<uint64_t>{2, 3}));
  BOOST_CHECK_EXCEPTION(chain.at(1), exception, [](const exception& e) {
    return e.code() == ec::checkpoint_failure
           && std::string{e.what()}.find("base checkpoint 1") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(shared_files_are_named_job_relative_and_removed_only_explicitly) {
  scratch dir;
  auto storage = checkpoint_storage::filesystem(dir.path, "job-1");
  state_file_info info{"op", 0, max_p, whole};
  auto own = storage->write_state(4, "op-0.state", info, [](state_file_writer&) {});
  auto shared = storage->write_shared_state(4, "op-0-a1-c4.state", info, [](state_file_writer&) {});
  BOOST_CHECK_EQUAL(shared.relative_path, "../shared/op-0-a1-c4.state");
  BOOST_CHECK(fs::exists(dir.path / "job-1" / "shared" / "op-0-a1-c4.state"));
  BOOST_CHECK_EQUAL(checkpoint_storage::file_of(4, own), "chk-4/op-0.state");
  BOOST_CHECK_EQUAL(checkpoint_storage::file_of(4, shared), "shared/op-0-a1-c4.state");
  BOOST_CHECK_EQUAL(storage->read_state(4, shared).info.operator_uid, "op"); // via "../shared"
  // Discarding the checkpoint leaves the shared file: later ones may use it.
  BOOST_CHECK(storage->discard(4));
  BOOST_CHECK(fs::exists(dir.path / "job-1" / "shared" / "op-0-a1-c4.state"));
  storage->write_shared_state(5, "op-0-a1-c5.state", info, [](state_file_writer&) {});
  storage->write_shared_state(6, "op-0-a1-c6.state", info, [](state_file_writer&) {});
  BOOST_CHECK_EQUAL(storage->remove_files({"shared/op-0-a1-c6.state", "shared/missing"}), 0u);
  BOOST_CHECK(shared_files(*storage)
              == (std::set<std::string>{"shared/op-0-a1-c4.state", "shared/op-0-a1-c5.state"}));
  // Shutdown: referenced shared files stay, the others go.
  storage->discard_all_but({}, {"shared/op-0-a1-c5.state"});
  BOOST_CHECK(shared_files(*storage) == (std::set<std::string>{"shared/op-0-a1-c5.state"}));
  storage->discard_all_but({}, {});
  BOOST_CHECK(!fs::exists(dir.path / "job-1")); // shared/ and the job directory were empty
}

BOOST_AUTO_TEST_CASE(memory_storage_keeps_shared_state_inline) {
  auto storage = checkpoint_storage::memory("job-m");
  auto h = storage->write_shared_state(1, "op-0-a1-c1.state", {"op", 0, max_p, whole},
                                       [](state_file_writer&) {});
  BOOST_CHECK(h.is_inline());
  BOOST_CHECK_EQUAL(checkpoint_storage::file_of(1, h), "");
  BOOST_CHECK_EQUAL(storage->read_state(1, h).info.operator_uid, "op");
}

BOOST_AUTO_TEST_CASE(write_snapshot_writes_deltas_that_restore_exactly_as_a_chain) {
  scratch dir;
  auto storage = checkpoint_storage::filesystem(dir.path, "job-2");
  keyed_operator op;
  constexpr int keys = 5000;
  for (int i = 0; i < keys; ++i)
    op.put("k" + std::to_string(i), std::string(48, static_cast<char>('a' + i % 26)));
  auto t1 = op.task(storage, 1, {{"offset", "x"}});
  write_snapshot(t1);
  // The keyed state shared, the list state in the checkpoint's own file.
  BOOST_REQUIRE_EQUAL(t1.ack.states.size(), 2u);
  BOOST_CHECK_EQUAL(t1.ack.states[0].handle.relative_path, "../shared/counts-0-a1-c1.state");
  BOOST_CHECK_EQUAL(t1.ack.states[1].handle.relative_path, "counts-0.state");
  BOOST_CHECK_EQUAL(t1.ack.checkpointed_size, t1.ack.state_size);
  BOOST_CHECK(restore(*storage, t1.ack, keys) == op.ref);
  op.complete(1);
  std::mt19937 rng{11};
  std::vector<reference> at{op.ref};
  std::vector<ack_msg> acks{t1.ack};
  for (uint64_t id = 2; id <= 6; ++id) {
    for (int n = 0; n < keys / 100; ++n) { // 1% per checkpoint, with deletes
      auto key = "k" + std::to_string(rng() % keys);
      if (n % 4 == 0)
        op.erase(key);
      else
        op.put(key, "v" + std::to_string(id));
    }
    auto t = op.task(storage, id);
    write_snapshot(t);
    BOOST_TEST_CONTEXT("checkpoint " << id) {
      // Base + every delta since: one more file per checkpoint.
      BOOST_REQUIRE_EQUAL(t.ack.states.size(), id);
      BOOST_CHECK_EQUAL(t.ack.states.back().handle.relative_path,
                        "../shared/counts-0-a1-c" + std::to_string(id) + ".state");
      BOOST_CHECK_LE(t.ack.checkpointed_size * 10, t.ack.state_size);
      BOOST_CHECK(restore(*storage, t.ack, keys) == op.ref);
    }
    op.complete(id);
    at.push_back(op.ref);
    acks.push_back(t.ack);
  }
  // Older chains still restore their own checkpoint: the files are immutable.
  for (size_t i = 0; i < acks.size(); ++i)
    BOOST_CHECK_MESSAGE(restore(*storage, acks[i], keys) == at[i], "checkpoint " << i + 1);
  // No change: the chain is the base's, nothing is written.
  auto same = op.task(storage, 7);
  write_snapshot(same);
  BOOST_CHECK_EQUAL(same.ack.states.size(), acks.back().states.size());
  BOOST_CHECK_EQUAL(same.ack.checkpointed_size, 0u);
  BOOST_CHECK_EQUAL(same.ack.state_size, acks.back().state_size);
}

BOOST_AUTO_TEST_CASE(a_failed_write_removes_the_shared_file_it_wrote) {
  scratch dir;
  auto storage = checkpoint_storage::filesystem(dir.path, "job-3");
  keyed_operator op;
  for (int i = 0; i < 100; ++i)
    op.put("k" + std::to_string(i), "v");
  auto t1 = op.task(storage, 1);
  write_snapshot(t1);
  op.complete(1);
  op.put("k1", "w");
  // The keyed delta is written, then the checkpoint's own file fails.
  auto t2 = op.task(storage, 2, {{"offset", "x"}});
  storage->fail_writes_of([writes = 0](uint64_t id) mutable { return id == 2 && ++writes > 1; });
  BOOST_CHECK_THROW(write_snapshot(t2), exception);
  BOOST_CHECK(shared_files(*storage) == (std::set<std::string>{"shared/counts-0-a1-c1.state"}));
  // A declined checkpoint is never confirmed: the next delta still builds
  // on checkpoint 1 and carries checkpoint 2's change.
  storage->fail_writes_of({});
  auto t3 = op.task(storage, 3);
  write_snapshot(t3);
  BOOST_CHECK_EQUAL(t3.ack.states.size(), 2u);
  BOOST_CHECK(restore(*storage, t3.ack, 100) == op.ref);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace incremental_files_test
