// Actor source and actor sink: a job embedded in a host's actor system,
// fed by host actors and delivering to host actors. Also the inlet queue
// (actors/subtask/inlet.hpp) and the inlet actor's backpressure on their own.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <caf/all.hpp>

#include "actors/contract/actor_io.hpp"
#include "actors/config/system_config.hpp"
#include "operators/environment.hpp"

namespace bdata = boost::unit_test::data;

// Named, not anonymous: data test cases are templates (-Wsubobject-linkage).
namespace actor_io_test {

/// A host record type: crosses actor boundaries, so it has inspect().
struct measurement {
  int32_t sensor = 0;
  int64_t value = 0;
  uint32_t seq = 0;
  friend bool operator==(const measurement&, const measurement&) = default;
  friend bool operator<(const measurement& a, const measurement& b) {
    return std::tie(a.seq, a.sensor, a.value) < std::tie(b.seq, b.sensor, b.value);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, measurement& x) {
  return f(caf::meta::type_name("measurement"), x.sensor, x.value, x.seq);
}

std::vector<measurement> make_measurements(uint32_t n) {
  std::vector<measurement> xs;
  for (uint32_t i = 0; i < n; ++i)
    xs.push_back({static_cast<int32_t>(i % 9), static_cast<int64_t>((i * 37) % 1000), i});
  return xs;
}

using batch_t = std::vector<measurement>;
using namespace std::chrono_literals;

/// What the host's consumer actor saw.
struct consumer_log {
  std::mutex mtx;
  std::vector<measurement> records;
  size_t batches = 0;
  size_t ends = 0;
  /// Records that arrived after end_of_stream (must stay 0).
  size_t after_end = 0;
  std::promise<void> done;
};

/// Host actor receiving the job's results (typed like actor_outlet expects).
sluice::outlet_actor<measurement>::behavior_type
consumer(sluice::outlet_actor<measurement>::pointer, std::shared_ptr<consumer_log> log) {
  return {
    [log](const batch_t& xs) {
      std::lock_guard<std::mutex> guard{log->mtx};
      log->after_end += log->ends > 0 ? xs.size() : 0;
      log->records.insert(log->records.end(), xs.begin(), xs.end());
      ++log->batches;
    },
    [log](sluice::end_of_stream_atom) {
      std::lock_guard<std::mutex> guard{log->mtx};
      if (++log->ends == 1)
        log->done.set_value();
    },
  };
}

/// Host actor sending `xs` to the inlet actor in batches of `batch`, each
/// after the previous one was accepted (the reply is its credit), then
/// closing the stream. Counts replies.
struct producer_state {
  static inline const char* name = "host.producer";
  size_t next = 0;
  size_t accepted = 0;
};

void produce_next(caf::stateful_actor<producer_state>* self,
                  sluice::inlet_actor<measurement> feeder,
                  std::shared_ptr<const std::vector<measurement>> xs, size_t batch) {
  auto& st = self->state;
  if (st.next >= xs->size()) {
    self->request(feeder, 10s, caf::close_atom::value)
      .then([self](caf::ok_atom) { self->quit(); });
    return;
  }
  auto end = std::min(xs->size(), st.next + batch);
  batch_t chunk(xs->begin() + static_cast<std::ptrdiff_t>(st.next),
                xs->begin() + static_cast<std::ptrdiff_t>(end));
  st.next = end;
  self->request(feeder, 10s, std::move(chunk)).then([=](caf::ok_atom) {
    ++self->state.accepted;
    produce_next(self, feeder, xs, batch);
  });
}

caf::behavior producer(caf::stateful_actor<producer_state>* self,
                       sluice::inlet_actor<measurement> feeder,
                       std::shared_ptr<const std::vector<measurement>> xs, size_t batch) {
  produce_next(self, feeder, xs, batch);
  return {[](caf::get_atom) {}}; // works through response handlers
}

/// A host config with sluice registered.
struct host_config : caf::actor_system_config {
  host_config() {
    sluice::register_sluice(*this);
    set("scheduler.max-threads", size_t{2});
  }
};

template <class T>
std::vector<T> sorted(std::vector<T> xs) {
  std::sort(xs.begin(), xs.end());
  return xs;
}

const auto parallelisms = bdata::make({1u, 2u, 4u});

} // namespace actor_io_test

using namespace actor_io_test;

BOOST_AUTO_TEST_SUITE(actor_io)

BOOST_AUTO_TEST_CASE(inlet_is_bounded_fifo_and_splits_large_batches) {
  sluice::inlet<int> in{10};
  using r = sluice::inlet<int>::push_result;
  std::vector<int> a{1, 2, 3, 4, 5, 6}, b{7, 8, 9, 10, 11}, c{12, 13, 14, 15};
  BOOST_CHECK(in.push(a) == r::accepted);
  BOOST_CHECK(a.empty());
  BOOST_CHECK(in.push(b) == r::full); // 6 + 5 > 10
  BOOST_CHECK_EQUAL(b.size(), 5u);   // not taken
  BOOST_CHECK(in.push(c) == r::accepted); // 6 + 4 <= 10
  int notified = 0;
  in.set_space_listener([&] { ++notified; });
  // Split a batch larger than max_records; order kept.
  BOOST_CHECK((in.pop(4) == std::vector<int>{1, 2, 3, 4}));
  BOOST_CHECK_EQUAL(notified, 1); // a push was refused before
  BOOST_CHECK((in.pop(4) == std::vector<int>{5, 6}));
  BOOST_CHECK_EQUAL(notified, 1); // no refusal since
  BOOST_CHECK(in.push(b) == r::accepted);
  BOOST_CHECK_EQUAL(in.size(), 9u);
  BOOST_CHECK((in.pop(100) == std::vector<int>{12, 13, 14, 15}));
  in.close();
  BOOST_CHECK(in.push(std::vector<int>{99}) == r::closed);
  BOOST_CHECK(!in.drained()); // closed, not yet empty
  BOOST_CHECK((in.pop(100) == std::vector<int>{7, 8, 9, 10, 11}));
  BOOST_CHECK(in.drained());
  BOOST_CHECK(in.pop(100).empty());
  // A batch above capacity goes into an empty inlet (else never).
  sluice::inlet<int> small{2};
  BOOST_CHECK(small.push(std::vector<int>{1, 2, 3}) == r::accepted);
  BOOST_CHECK(small.push(std::vector<int>{4}) == r::full);
}

BOOST_AUTO_TEST_CASE(inlet_actor_holds_the_reply_while_the_inlet_is_full) {
  host_config cfg;
  caf::actor_system sys{cfg};
  auto in = sluice::make_inlet<measurement>(4);
  auto feeder = sluice::spawn_inlet_actor(sys, in);
  caf::scoped_actor self{sys};
  auto xs = make_measurements(12);
  auto chunk = [&](size_t i) { return batch_t(xs.begin() + i * 4, xs.begin() + i * 4 + 4); };
  auto expect_ok = [&](const char* what) {
    bool ok = false;
    self->receive([&](caf::ok_atom) { ok = true; },
                  [&](caf::error& err) { BOOST_ERROR(what << ": " << sys.render(err)); },
                  caf::after(5s) >> [&] { BOOST_ERROR(what << ": no reply"); });
    return ok;
  };
  auto expect_no_reply = [&](const char* what) {
    self->receive([&](caf::ok_atom) { BOOST_ERROR(what << ": replied while full"); },
                  [&](caf::error&) { BOOST_ERROR(what << ": error while full"); },
                  caf::after(100ms) >> [] {});
  };
  // Send three batches without waiting: the first fills the inlet; the other
  // two are held (no reply = the host is backpressured), in order.
  for (size_t i = 0; i < 3; ++i)
    self->send(feeder, chunk(i));
  BOOST_CHECK(expect_ok("batch 0"));
  expect_no_reply("batch 1");
  BOOST_CHECK_EQUAL(in->size(), 4u); // never above capacity
  // A consumer takes records: the held batches follow, one at a time.
  BOOST_CHECK(in->pop(10) == chunk(0));
  BOOST_CHECK(expect_ok("batch 1"));
  expect_no_reply("batch 2");
  // Close is queued behind the held batch.
  self->send(feeder, caf::close_atom::value);
  expect_no_reply("close");
  BOOST_CHECK(!in->closed());
  BOOST_CHECK(in->pop(10) == chunk(1));
  BOOST_CHECK(expect_ok("batch 2"));
  BOOST_CHECK(expect_ok("close"));
  BOOST_CHECK(in->closed());
  BOOST_CHECK(in->pop(10) == chunk(2));
  BOOST_CHECK(in->drained());
  // After close the actor quits; the inlet refuses further records.
  BOOST_CHECK(in->push(chunk(0)) == sluice::inlet<measurement>::push_result::closed);
  // Close with nothing held: replies at once; later batches get an error.
  auto in2 = sluice::make_inlet<measurement>(4);
  auto feeder2 = sluice::spawn_inlet_actor(sys, in2);
  self->send(feeder2, caf::close_atom::value);
  BOOST_CHECK(expect_ok("close on empty"));
  BOOST_CHECK(in2->closed());
  self->send(feeder2, chunk(0));
  self->receive([&](caf::ok_atom) { BOOST_ERROR("accepted after close"); },
                [&](caf::error&) {}, // the actor is gone or refuses: both fine
                caf::after(200ms) >> [] {});
  BOOST_CHECK_EQUAL(in2->size(), 0u);
}

BOOST_DATA_TEST_CASE(host_actors_feed_a_job_and_receive_its_results, parallelisms, p) {
  host_config cfg;
  caf::actor_system host{cfg};
  auto before = host.registry().running();
  auto input = std::make_shared<const std::vector<measurement>>(make_measurements(20000));
  auto log = std::make_shared<consumer_log>();
  auto done = log->done.get_future();
  {
    // Everything below runs on `host`: no second actor system exists.
    sluice::environment env{host};
    BOOST_REQUIRE(&env.system() == &host);
    env.set_parallelism(p).set_batch_size(128);
    auto in = sluice::make_inlet<measurement>(512); // small: backpressure
    auto feeder = sluice::spawn_inlet_actor(host, in);
    auto sink = host.spawn(consumer, log);
    env.from_inlet(in, p)
      .map([](const measurement& m) { return measurement{m.sensor, m.value * 2 + 1, m.seq}; })
      .key_by([](const measurement& m) { return m.sensor; })
      .sum(&measurement::value)
      .sink_to(sluice::actor_outlet<measurement>(sink));
    auto before_job = host.registry().running();
    BOOST_CHECK_EQUAL(before_job, before + 2); // feeder and consumer
    auto job = env.execute_async("embedded-actors");
    // The job's actors live in the host system: a job master and 2p
    // subtasks (source -> map, sum -> sink). The job cannot end before the
    // host closes the inlet, so they are all still there.
    auto want = before_job + 1 + 2 * p;
    for (int i = 0; i < 200 && host.registry().running() < want; ++i)
      std::this_thread::sleep_for(10ms);
    BOOST_CHECK_EQUAL(host.registry().running(), want);
    BOOST_CHECK(!job.wait_for(20ms));
    host.spawn(producer, feeder, input, size_t{300});
    BOOST_REQUIRE_MESSAGE(done.wait_for(15s) == std::future_status::ready,
                          "no end_of_stream at the host");
    auto result = job.wait_for(10s);
    BOOST_REQUIRE(result);
    BOOST_CHECK_EQUAL(sluice::to_string(result->status), "finished");
  }
  // Reference: per sensor, running sums of 2 * value + 1 in input order.
  std::map<int32_t, std::vector<std::pair<int64_t, uint32_t>>> expected, actual;
  std::map<int32_t, int64_t> sums;
  for (auto& m : *input)
    expected[m.sensor].emplace_back(sums[m.sensor] += m.value * 2 + 1, m.seq);
  std::lock_guard<std::mutex> guard{log->mtx};
  BOOST_CHECK_EQUAL(log->ends, 1u);
  BOOST_CHECK_EQUAL(log->after_end, 0u);
  BOOST_CHECK_EQUAL(log->records.size(), input->size());
  if (p == 1) {
    // One source subtask: the inlet's order is the input order, so the
    // per-key running sums match exactly.
    for (auto& m : log->records)
      actual[m.sensor].emplace_back(m.value, m.seq);
    BOOST_CHECK(actual == expected);
  } else {
    // Several source subtasks share the inlet: a key's records may be
    // reordered between them, but the last running sum of each key (after
    // all its records) and the set of records are fixed.
    std::map<int32_t, std::vector<uint32_t>> got_seqs, want_seqs;
    std::map<int32_t, int64_t> last;
    for (auto& m : log->records) {
      got_seqs[m.sensor].push_back(m.seq);
      last[m.sensor] = std::max(last[m.sensor], m.value);
    }
    for (auto& m : *input)
      want_seqs[m.sensor].push_back(m.seq);
    for (auto& [k, v] : got_seqs)
      std::sort(v.begin(), v.end());
    BOOST_CHECK(got_seqs == want_seqs);
    BOOST_CHECK(last == sums);
  }
}

BOOST_DATA_TEST_CASE(sink_to_function_and_from_inlet_without_actors, parallelisms, p) {
  // The CAF-free ends on their own: a thread pushes, a function collects.
  auto input = make_measurements(5000);
  auto in = sluice::make_inlet<measurement>(256);
  std::mutex mtx;
  std::vector<measurement> got;
  size_t ends = 0;
  sluice::environment env;
  env.set_parallelism(p).set_batch_size(64);
  env.from_inlet(in, p)
    .filter([](const measurement& m) { return m.sensor != 4; })
    .sink_to(sluice::outlet<measurement>{
      [&](std::vector<measurement> xs) {
        std::lock_guard<std::mutex> guard{mtx};
        got.insert(got.end(), xs.begin(), xs.end());
      },
      [&] {
        std::lock_guard<std::mutex> guard{mtx};
        ++ends;
      }});
  auto job = env.execute_async("inlet-function");
  size_t refused = 0;
  for (size_t i = 0; i < input.size(); i += 100) {
    std::vector<measurement> chunk(input.begin() + i, input.begin() + i + 100);
    while (in->push(chunk) == sluice::inlet<measurement>::push_result::full) {
      ++refused;
      std::this_thread::sleep_for(200us);
    }
    BOOST_CHECK_LE(in->size(), in->capacity());
  }
  in->close();
  auto result = job.wait_for(10s);
  BOOST_REQUIRE(result);
  BOOST_CHECK_EQUAL(sluice::to_string(result->status), "finished");
  std::vector<measurement> expected;
  for (auto& m : input)
    if (m.sensor != 4)
      expected.push_back(m);
  std::lock_guard<std::mutex> guard{mtx};
  BOOST_CHECK_EQUAL(ends, 1u);
  BOOST_CHECK(sorted(got) == sorted(expected));
  if (p == 1)
    BOOST_CHECK(got == expected);
  BOOST_TEST_MESSAGE("pushes refused (backpressure): " << refused);
}

BOOST_AUTO_TEST_SUITE_END()
