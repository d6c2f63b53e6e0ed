// completed_store: retention 1 and 3 with shared files (a file is returned
// for deletion only when no retained checkpoint references it), holds of
// pending checkpoints, and shutdown per `externalized` and job status.
#include "actors/checkpoint/completed_store.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <stdexcept>

namespace completed_store_test {

namespace {

using namespace sluice;
using files = std::vector<std::string>;

completed_checkpoint cp(uint64_t id, files fs) {
  completed_checkpoint c;
  c.checkpoint_id = id;
  c.location = "root/job/chk-" + std::to_string(id);
  c.files = std::move(fs);
  return c;
}

std::vector<uint64_t> ids(const std::vector<completed_checkpoint>& xs) {
  std::vector<uint64_t> result;
  for (auto& x : xs)
    result.push_back(x.checkpoint_id);
  return result;
}

std::vector<uint64_t> ids(const std::deque<completed_checkpoint>& xs) {
  return ids(std::vector<completed_checkpoint>(xs.begin(), xs.end()));
}

/// Invariant 2: nothing returned for deletion is referenced by a retained
/// checkpoint.
void check_nothing_retained_is_deleted(const completed_store& store,
                                       const checkpoint_disposal& d) {
  for (auto& c : store.checkpoints())
    for (auto& f : c.files)
      BOOST_CHECK_MESSAGE(std::find(d.files.begin(), d.files.end(), f) == d.files.end(),
                          "deleting " << f << " still used by checkpoint " << c.checkpoint_id);
}

} // namespace

BOOST_AUTO_TEST_SUITE(completed_store_suite)

BOOST_AUTO_TEST_CASE(retained_one_subsumes_the_previous_checkpoint) {
  completed_store store{1, externalized_cleanup::none};
  auto d = store.add(cp(1, {"chk-1/own", "shared/s"}));
  BOOST_CHECK(d.empty());
  d = store.add(cp(2, {"chk-2/own", "shared/s"}));
  BOOST_CHECK((ids(d.checkpoints) == std::vector<uint64_t>{1}));
  BOOST_CHECK_EQUAL(d.checkpoints[0].location, "root/job/chk-1");
  BOOST_CHECK((d.files == files{"chk-1/own"})); // shared/s lives on in 2
  BOOST_CHECK_EQUAL(store.size(), 1u);
  BOOST_CHECK_EQUAL(store.latest()->checkpoint_id, 2u);
  BOOST_CHECK_EQUAL(store.references("shared/s"), 1u);
  d = store.add(cp(3, {"chk-3/own"}));
  BOOST_CHECK((d.files == files{"chk-2/own", "shared/s"}));
  BOOST_CHECK_EQUAL(store.references("shared/s"), 0u);
}

BOOST_AUTO_TEST_CASE(retained_three_with_shared_files) {
  completed_store store{3, externalized_cleanup::none};
  BOOST_CHECK(store.add(cp(1, {"a", "s1"})).empty());
  BOOST_CHECK(store.add(cp(2, {"b", "s1", "s2"})).empty());
  BOOST_CHECK(store.add(cp(3, {"c", "s2"})).empty());
  BOOST_CHECK_EQUAL(store.references("s1"), 2u);
  BOOST_CHECK_EQUAL(store.references("s2"), 2u);

  auto d = store.add(cp(4, {"d", "s2", "s3"}));
  BOOST_CHECK((ids(d.checkpoints) == std::vector<uint64_t>{1}));
  BOOST_CHECK((d.files == files{"a"})); // s1 still in 2
  check_nothing_retained_is_deleted(store, d);

  d = store.add(cp(5, {"e", "s3"}));
  BOOST_CHECK((ids(d.checkpoints) == std::vector<uint64_t>{2}));
  BOOST_CHECK((d.files == files{"b", "s1"})); // s2 still in 3 and 4
  check_nothing_retained_is_deleted(store, d);

  d = store.add(cp(6, {"f"}));
  BOOST_CHECK((d.files == files{"c"})); // s2 still in 4
  d = store.add(cp(7, {"g"}));
  BOOST_CHECK((d.files == files{"d", "s2"})); // s3 still in 5
  d = store.add(cp(8, {"h"}));
  BOOST_CHECK((d.files == files{"e", "s3"}));
  BOOST_CHECK((ids(store.checkpoints()) == std::vector<uint64_t>{6, 7, 8}));
  BOOST_CHECK((store.referenced_files() == files{"f", "g", "h"}));
}

BOOST_AUTO_TEST_CASE(random_histories_never_delete_a_retained_file) {
  std::mt19937 rng{42};
  for (int retained : {1, 2, 3, 5}) {
    completed_store store{retained, externalized_cleanup::none};
    std::set<std::string> deleted;
    std::set<std::string> created;
    for (uint64_t id = 1; id <= 200; ++id) {
      files fs{"chk-" + std::to_string(id) + "/own"};
      for (int k = 0; k < 4; ++k) { // reuse recent shared files, like incremental state
        auto f = "shared/" + std::to_string(id - std::min<uint64_t>(id - 1, rng() % 6));
        if (deleted.count(f) == 0) // a deleted file is gone: never referenced again
          fs.push_back(f);
      }
      created.insert(fs.begin(), fs.end());
      auto d = store.add(cp(id, fs));
      check_nothing_retained_is_deleted(store, d);
      for (auto& f : d.files)
        BOOST_REQUIRE_MESSAGE(deleted.insert(f).second, "deleted twice: " << f);
    }
    // Everything created is either retained or deleted: no orphans.
    auto kept = store.referenced_files();
    for (auto& f : created)
      BOOST_CHECK_MESSAGE(deleted.count(f) + std::count(kept.begin(), kept.end(), f) == 1,
                          "orphan or double: " << f);
    BOOST_CHECK_EQUAL(store.size(), static_cast<size_t>(retained));
  }
}

BOOST_AUTO_TEST_CASE(duplicate_file_names_within_a_checkpoint_count_once) {
  completed_store store{1, externalized_cleanup::none};
  store.add(cp(1, {"x", "x", "y"}));
  BOOST_CHECK_EQUAL(store.references("x"), 1u);
  auto d = store.add(cp(2, {}));
  BOOST_CHECK((d.files == files{"x", "y"}));
}

BOOST_AUTO_TEST_CASE(an_older_checkpoint_added_to_a_full_store_is_subsumed_at_once) {
  completed_store store{2, externalized_cleanup::none};
  store.add(cp(5, {"e"}));
  store.add(cp(6, {"f"}));
  auto d = store.add(cp(3, {"c", "f"}));
  BOOST_CHECK((ids(d.checkpoints) == std::vector<uint64_t>{3}));
  BOOST_CHECK((d.files == files{"c"}));
  BOOST_CHECK((ids(store.checkpoints()) == std::vector<uint64_t>{5, 6}));
  BOOST_CHECK_THROW(store.add(cp(6, {})), std::logic_error);
}

BOOST_AUTO_TEST_CASE(holds_protect_files_a_pending_checkpoint_reuses) {
  completed_store store{1, externalized_cleanup::none};
  store.add(cp(1, {"chk-1/own", "shared/a", "shared/b"}));
  // Pending checkpoint 3 acked with a reference to shared/a; then 2 (which
  // does not use shared/a) completes and subsumes 1.
  store.hold(3, {"shared/a", "chk-3/own"});
  store.hold(3, {"shared/a"}); // a second ack naming it again: still one hold
  auto d = store.add(cp(2, {"chk-2/own"}));
  BOOST_CHECK((d.files == files{"chk-1/own", "shared/b"}));
  BOOST_CHECK_EQUAL(store.references("shared/a"), 1u);
  // 3 completes: the hold turns into the checkpoint's reference.
  d = store.add(cp(3, {"shared/a", "chk-3/own"}));
  BOOST_CHECK((d.files == files{"chk-2/own"}));
  BOOST_CHECK_EQUAL(store.references("shared/a"), 1u);
  BOOST_CHECK_EQUAL(store.references("chk-3/own"), 1u);
}

BOOST_AUTO_TEST_CASE(releasing_an_aborted_checkpoint_returns_only_its_unshared_files) {
  completed_store store{1, externalized_cleanup::none};
  store.add(cp(1, {"shared/a"}));
  store.hold(2, {"shared/a", "chk-2/new"});
  auto freed = store.release(2);
  BOOST_CHECK((freed == files{"chk-2/new"}));
  BOOST_CHECK_EQUAL(store.references("shared/a"), 1u);
  BOOST_CHECK(store.release(2).empty());
  BOOST_CHECK((store.unreferenced({"shared/a", "late/x", "late/x"}) == files{"late/x"}));
}

BOOST_AUTO_TEST_CASE(retains_on_matrix) {
  using ec_ = externalized_cleanup;
  using js = job_status;
  // none: deleted whenever the job ends
  BOOST_CHECK(!completed_store::retains_on(ec_::none, js::finished));
  BOOST_CHECK(!completed_store::retains_on(ec_::none, js::cancelled));
  BOOST_CHECK(!completed_store::retains_on(ec_::none, js::failed));
  // retain_on_cancellation: always kept
  BOOST_CHECK(completed_store::retains_on(ec_::retain_on_cancellation, js::finished));
  BOOST_CHECK(completed_store::retains_on(ec_::retain_on_cancellation, js::cancelled));
  BOOST_CHECK(completed_store::retains_on(ec_::retain_on_cancellation, js::failed));
  // delete_on_cancellation: kept only when the job failed
  BOOST_CHECK(!completed_store::retains_on(ec_::delete_on_cancellation, js::finished));
  BOOST_CHECK(!completed_store::retains_on(ec_::delete_on_cancellation, js::cancelled));
  BOOST_CHECK(completed_store::retains_on(ec_::delete_on_cancellation, js::failed));
  // not terminal (suspended): always kept
  for (auto x : {ec_::none, ec_::retain_on_cancellation, ec_::delete_on_cancellation})
    for (auto s : {js::created, js::running, js::failing, js::cancelling})
      BOOST_CHECK(completed_store::retains_on(x, s));
}

BOOST_AUTO_TEST_CASE(cancel_with_retain_on_cancellation_keeps_everything) {
  completed_store store{2, externalized_cleanup::retain_on_cancellation};
  store.add(cp(1, {"a", "s"}));
  store.add(cp(2, {"b", "s"}));
  auto d = store.shutdown(job_status::cancelled);
  BOOST_CHECK(d.empty());
  BOOST_CHECK_EQUAL(store.size(), 2u);
}

BOOST_AUTO_TEST_CASE(cancel_with_delete_on_cancellation_or_none_deletes_everything) {
  for (auto x : {externalized_cleanup::delete_on_cancellation, externalized_cleanup::none}) {
    completed_store store{2, x};
    store.add(cp(1, {"a", "s"}));
    store.add(cp(2, {"b", "s"}));
    auto d = store.shutdown(job_status::cancelled);
    BOOST_CHECK((ids(d.checkpoints) == std::vector<uint64_t>{1, 2}));
    BOOST_CHECK((d.files == files{"a", "b", "s"}));
    BOOST_CHECK_EQUAL(store.size(), 0u);
    BOOST_CHECK(store.referenced_files().empty());
  }
}

BOOST_AUTO_TEST_CASE(failure_with_delete_on_cancellation_keeps_for_recovery) {
  completed_store store{1, externalized_cleanup::delete_on_cancellation};
  store.add(cp(1, {"a"}));
  BOOST_CHECK(store.shutdown(job_status::failed).empty());
  BOOST_CHECK_EQUAL(store.latest()->checkpoint_id, 1u);
}

BOOST_AUTO_TEST_CASE(shutdown_drops_holds_of_pending_checkpoints) {
  completed_store store{1, externalized_cleanup::retain_on_cancellation};
  store.add(cp(1, {"shared/a"}));
  store.hold(2, {"shared/a", "chk-2/new"});
  auto d = store.shutdown(job_status::cancelled);
  BOOST_CHECK(d.checkpoints.empty());
  BOOST_CHECK((d.files == files{"chk-2/new"}));
  BOOST_CHECK_EQUAL(store.references("shared/a"), 1u);
}

BOOST_AUTO_TEST_CASE(built_from_a_config) {
  checkpoint_config cfg;
  cfg.retained = 3;
  completed_store store{cfg};
  BOOST_CHECK_EQUAL(store.max_retained(), 3);
  BOOST_CHECK(store.latest() == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace completed_store_test
