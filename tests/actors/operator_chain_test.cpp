// operator_chain: records and watermarks through real map/filter operators
// and typed routers, re-batching per channel, end of input (close head first)
// and failures naming the operator that threw.
#include "actors/subtask/operator_chain.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "operators/basic_operators.hpp"
#include "operators/partitioners.hpp"
#include "snapshot/key_groups.hpp"
#include "snapshot/keyed_state_backend.hpp"

namespace operator_chain_test {

namespace {

using namespace sluice;

struct reading {
  int sensor = 0;
  int value = 0;

  friend bool operator==(const reading&, const reading&) = default;
};

std::ostream& operator<<(std::ostream& os, const reading& r) {
  return os << "reading{" << r.sensor << ", " << r.value << "}";
}

using log_ptr = std::shared_ptr<std::vector<std::string>>;

/// A channel_sink that keeps every batch it is handed, per channel.
struct recording_sink final : channel_sink {
  struct sent {
    size_t channel;
    batch_ptr batch;
  };
  std::vector<sent> batches;
  log_ptr log; // optional: "sink:<channel>:<size>"

  void send(size_t channel, batch_ptr b) override {
    if (log)
      log->push_back("sink:" + std::to_string(channel) + ":" + std::to_string(b->size()));
    batches.push_back({channel, std::move(b)});
  }

  std::vector<reading> records(size_t channel) const {
    std::vector<reading> out;
    for (auto& s : batches)
      if (s.channel == channel)
        for (auto& r : records_of<reading>(*s.batch))
          out.push_back(r);
    return out;
  }

  std::vector<reading> all_records() const {
    std::vector<reading> out;
    for (auto& s : batches)
      for (auto& r : records_of<reading>(*s.batch))
        out.push_back(r);
    return out;
  }
};

/// Passes batches on unchanged and logs every hook it sees.
class logging_op final : public stream_operator {
public:
  logging_op(std::string name, log_ptr log, std::vector<reading> on_close = {})
    : name_(std::move(name)), log_(std::move(log)), on_close_(std::move(on_close)) {
  }

  void process(const batch_ptr& in, operator_context& ctx) override {
    std::string entry = name_ + ":process:";
    for (auto& r : records_of<reading>(*in))
      entry += std::to_string(r.value) + ",";
    log_->push_back(entry);
    ctx.emit(in);
  }

  void on_watermark(timestamp wm, operator_context& ctx) override {
    log_->push_back(name_ + ":wm:" + (wm == max_timestamp ? "max" : std::to_string(wm)));
    BOOST_CHECK_EQUAL(ctx.current_watermark(), wm);
  }

  void close(operator_context& ctx) override {
    log_->push_back(name_ + ":close");
    if (!on_close_.empty())
      ctx.emit(make_batch(on_close_));
  }

private:
  std::string name_;
  log_ptr log_;
  std::vector<reading> on_close_;
};

/// Emits its own watermark (value - 1 of the last record) after each batch.
class watermark_assigner final : public stream_operator {
public:
  void process(const batch_ptr& in, operator_context& ctx) override {
    ctx.emit(in);
    ctx.emit_watermark(records_of<reading>(*in).back().value - 1);
  }
};

/// Throws on a record with value `bad`, either a std::runtime_error or via
/// ctx.fail (sluice::exception).
class throwing_op final : public stream_operator {
public:
  throwing_op(int bad, bool use_fail) : bad_(bad), use_fail_(use_fail) {
  }

  void process(const batch_ptr& in, operator_context& ctx) override {
    for (auto& r : records_of<reading>(*in))
      if (r.value == bad_) {
        if (use_fail_)
          ctx.fail("bad value " + std::to_string(r.value));
        throw std::runtime_error("bad value " + std::to_string(r.value));
      }
    ctx.emit(in);
  }

private:
  int bad_;
  bool use_fail_;
};

class throwing_close_op final : public stream_operator {
public:
  void process(const batch_ptr& in, operator_context& ctx) override {
    ctx.emit(in);
  }
  void close(operator_context&) override {
    throw std::runtime_error("cannot close");
  }
};

auto times_ten = [](const reading& r) { return reading{r.sensor, r.value * 10}; };
auto not_three = [](const reading& r) { return r.value % 3 != 0; };
auto by_sensor = [](const reading& r) { return r.sensor; };

operator_ptr make_map() {
  return std::make_unique<map_operator<reading, reading, decltype(times_ten)>>(times_ten);
}

operator_ptr make_filter() {
  return std::make_unique<filter_operator<reading, decltype(not_three)>>(not_three);
}

operator_chain::link link_of(operator_ptr op, std::string name) {
  operator_chain::link l;
  l.op = std::move(op);
  l.info.operator_name = std::move(name);
  l.info.operator_uid = "uid-" + l.info.operator_name;
  l.info.task_name = "test-task";
  return l;
}

/// Chain of `ops` (name, operator) with one router feeding `sink`.
std::unique_ptr<operator_chain>
make_chain(std::vector<std::pair<std::string, operator_ptr>> ops,
           std::unique_ptr<output_router> router, channel_sink* sink) {
  std::vector<operator_chain::link> links;
  for (auto& [name, op] : ops)
    links.push_back(link_of(std::move(op), name));
  std::vector<std::unique_ptr<output_router>> routers;
  std::vector<channel_sink*> sinks;
  if (router) {
    routers.push_back(std::move(router));
    sinks.push_back(sink);
  }
  auto chain = std::make_unique<operator_chain>(std::move(links), std::move(routers),
                                                std::move(sinks));
  chain->open({});
  return chain;
}

template <class... Ts>
std::vector<std::pair<std::string, operator_ptr>> ops(std::pair<std::string, Ts>... xs) {
  std::vector<std::pair<std::string, operator_ptr>> result;
  (result.emplace_back(std::move(xs.first), std::move(xs.second)), ...);
  return result;
}

std::vector<reading> readings(int first, int last, int sensors = 1) {
  std::vector<reading> out;
  for (int i = first; i <= last; ++i)
    out.push_back({i % sensors, i});
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(operator_chain_test)

BOOST_AUTO_TEST_CASE(records_flow_through_map_and_filter_in_order) {
  recording_sink sink;
  auto chain = make_chain(ops(std::pair{std::string{"map"}, make_map()},
                              std::pair{std::string{"filter"}, make_filter()}),
                          std::make_unique<forward_router>(), &sink);
  BOOST_CHECK_EQUAL(chain->size(), 2u);
  BOOST_CHECK(!chain->is_source());
  // values 1..5 -> 10..50, filter drops multiples of 3 (30)
  chain->process(make_batch(readings(1, 5)));
  chain->process(make_batch(readings(6, 8))); // 60 dropped
  std::vector<reading> expected;
  for (int i = 1; i <= 8; ++i)
    if ((i * 10) % 3 != 0)
      expected.push_back({0, i * 10});
  auto got = sink.all_records();
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  // forward router: one batch per input batch, nothing buffered
  BOOST_CHECK_EQUAL(sink.batches.size(), 2u);
  BOOST_CHECK(!chain->has_buffered());
  auto m = chain->metrics();
  BOOST_CHECK_EQUAL(m.records_in, 8u);
  BOOST_CHECK_EQUAL(m.batches_in, 2u);
  BOOST_CHECK_EQUAL(m.records_out, expected.size());
  BOOST_CHECK_EQUAL(m.batches_out, 2u);
}

BOOST_AUTO_TEST_CASE(one_process_call_per_batch_per_operator) {
  auto log = std::make_shared<std::vector<std::string>>();
  recording_sink sink;
  auto chain = make_chain(ops(std::pair{std::string{"a"}, std::make_unique<logging_op>("a", log)},
                              std::pair{std::string{"map"}, make_map()},
                              std::pair{std::string{"b"}, std::make_unique<logging_op>("b", log)},
                              std::pair{std::string{"filter"}, make_filter()},
                              std::pair{std::string{"c"}, std::make_unique<logging_op>("c", log)}),
                          std::make_unique<forward_router>(), &sink);
  chain->process(make_batch(readings(1, 4)));
  chain->process(make_batch(std::vector<reading>{{0, 3}})); // filtered out completely
  chain->process(make_batch(readings(5, 5)));
  std::vector<std::string> expected{
    "a:process:1,2,3,4,", "b:process:10,20,30,40,", "c:process:10,20,40,",
    "a:process:3,",       "b:process:30,",
    "a:process:5,",       "b:process:50,",          "c:process:50,",
  };
  BOOST_CHECK_EQUAL_COLLECTIONS(log->begin(), log->end(), expected.begin(), expected.end());
  BOOST_CHECK_EQUAL(sink.batches.size(), 2u); // no empty batch reaches the router
}

BOOST_AUTO_TEST_CASE(rebalance_router_rebatches_and_holds_the_rest) {
  recording_sink sink;
  auto chain = make_chain(ops(std::pair{std::string{"map"}, make_map()}),
                          std::make_unique<rebalance_router<reading>>(2, 4, 0), &sink);
  chain->process(make_batch(readings(1, 10)));
  // 10 records round robin over 2 channels: two full batches of 4, one
  // record per channel held back.
  BOOST_REQUIRE_EQUAL(sink.batches.size(), 2u);
  for (auto& s : sink.batches)
    BOOST_CHECK_EQUAL(s.batch->size(), 4u);
  BOOST_CHECK(chain->has_buffered());
  chain->flush();
  BOOST_CHECK(!chain->has_buffered());
  BOOST_REQUIRE_EQUAL(sink.batches.size(), 4u);
  BOOST_CHECK_EQUAL(sink.batches[2].batch->size() + sink.batches[3].batch->size(), 2u);
  // Every record exactly once, round robin, order kept per channel.
  auto c0 = sink.records(0);
  auto c1 = sink.records(1);
  BOOST_REQUIRE_EQUAL(c0.size(), 5u);
  BOOST_REQUIRE_EQUAL(c1.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    BOOST_CHECK_EQUAL(c0[i].value, (2 * i + 1) * 10);
    BOOST_CHECK_EQUAL(c1[i].value, (2 * i + 2) * 10);
  }
  // A flush with nothing buffered sends nothing.
  chain->flush();
  BOOST_CHECK_EQUAL(sink.batches.size(), 4u);
  // Small batches accumulate across process calls until batch_size.
  chain->process(make_batch(readings(11, 12)));
  chain->process(make_batch(readings(13, 14)));
  chain->process(make_batch(readings(15, 16)));
  BOOST_CHECK_EQUAL(sink.batches.size(), 4u);
  chain->process(make_batch(readings(17, 18)));
  BOOST_CHECK_EQUAL(sink.batches.size(), 6u);
  BOOST_CHECK(!chain->has_buffered());
}

BOOST_AUTO_TEST_CASE(hash_router_sends_every_record_of_a_key_to_one_channel) {
  constexpr uint32_t max_p = 128;
  constexpr uint32_t channels = 3;
  recording_sink sink;
  auto chain = make_chain(
    ops(std::pair{std::string{"map"}, make_map()}),
    std::make_unique<hash_router<reading, decltype(by_sensor)>>(channels, 8, max_p, by_sensor),
    &sink);
  chain->process(make_batch(readings(1, 100, 7)));
  chain->process(make_batch(readings(101, 140, 7)));
  BOOST_CHECK(chain->has_buffered());
  for (auto& s : sink.batches)
    BOOST_CHECK_EQUAL(s.batch->size(), 8u); // only full batches before flush
  chain->flush();
  BOOST_CHECK(!chain->has_buffered());
  std::map<int, size_t> channel_of_key;
  std::map<int, int> last_value_of_key;
  size_t total = 0;
  for (size_t c = 0; c < channels; ++c)
    for (auto& r : sink.records(c)) {
      ++total;
      auto expected = operator_index_for_key_group(max_p, channels,
                                                   key_group_of(r.sensor, max_p));
      BOOST_CHECK_EQUAL(c, expected);
      auto [it, fresh] = channel_of_key.emplace(r.sensor, c);
      BOOST_CHECK_EQUAL(it->second, c);
      // order per key kept
      auto last = last_value_of_key.find(r.sensor);
      if (last != last_value_of_key.end())
        BOOST_CHECK_LT(last->second, r.value);
      last_value_of_key[r.sensor] = r.value;
    }
  BOOST_CHECK_EQUAL(total, 140u);
  BOOST_CHECK_EQUAL(channel_of_key.size(), 7u);
  for (auto& s : sink.batches)
    BOOST_CHECK_LE(s.batch->size(), 8u);
}

BOOST_AUTO_TEST_CASE(watermarks_pass_every_operator_then_the_output) {
  auto log = std::make_shared<std::vector<std::string>>();
  recording_sink sink;
  auto chain = make_chain(ops(std::pair{std::string{"a"}, std::make_unique<logging_op>("a", log)},
                              std::pair{std::string{"map"}, make_map()},
                              std::pair{std::string{"b"}, std::make_unique<logging_op>("b", log)}),
                          std::make_unique<forward_router>(), &sink);
  chain->on_output_watermark = [log](timestamp wm) {
    log->push_back("out:wm:" + std::to_string(wm));
  };
  chain->process_watermark(10);
  chain->process_watermark(5);  // goes back: ignored
  chain->process_watermark(10); // equal: ignored
  chain->process_watermark(20);
  std::vector<std::string> expected{"a:wm:10", "b:wm:10", "out:wm:10",
                                    "a:wm:20", "b:wm:20", "out:wm:20"};
  BOOST_CHECK_EQUAL_COLLECTIONS(log->begin(), log->end(), expected.begin(), expected.end());
}

BOOST_AUTO_TEST_CASE(watermark_emitted_mid_chain_reaches_later_operators_only) {
  auto log = std::make_shared<std::vector<std::string>>();
  recording_sink sink;
  auto chain = make_chain(
    ops(std::pair{std::string{"a"}, std::make_unique<logging_op>("a", log)},
        std::pair{std::string{"assigner"}, std::make_unique<watermark_assigner>()},
        std::pair{std::string{"b"}, std::make_unique<logging_op>("b", log)}),
    std::make_unique<forward_router>(), &sink);
  chain->on_output_watermark = [log](timestamp wm) {
    log->push_back("out:wm:" + std::to_string(wm));
  };
  chain->process(make_batch(readings(1, 3)));
  chain->process(make_batch(std::vector<reading>{{0, 2}})); // wm 1 < 2: not repeated
  std::vector<std::string> expected{"a:process:1,2,3,", "b:process:1,2,3,", "b:wm:2",
                                    "out:wm:2",         "a:process:2,",     "b:process:2,"};
  BOOST_CHECK_EQUAL_COLLECTIONS(log->begin(), log->end(), expected.begin(), expected.end());
}

BOOST_AUTO_TEST_CASE(finish_input_fires_max_watermark_then_closes_head_first) {
  auto log = std::make_shared<std::vector<std::string>>();
  recording_sink sink;
  sink.log = log;
  auto chain = make_chain(
    ops(std::pair{std::string{"a"},
                  std::make_unique<logging_op>("a", log, std::vector<reading>{{1, 7}})},
        std::pair{std::string{"map"}, make_map()},
        std::pair{std::string{"b"},
                  std::make_unique<logging_op>("b", log, std::vector<reading>{{2, 8}})}),
    std::make_unique<rebalance_router<reading>>(1, 100, 0), &sink);
  chain->on_output_watermark = [log](timestamp wm) {
    log->push_back(std::string{"out:wm:"} + (wm == max_timestamp ? "max" : "?"));
  };
  chain->process(make_batch(readings(1, 1)));
  chain->finish_input();
  chain->flush();
  std::vector<std::string> expected{
    "a:process:1,", "b:process:10,",           // normal record
    "a:wm:max",     "b:wm:max",      "out:wm:max", // end of event time
    "a:close",      "b:process:70,",           // a's final record reaches b (open)
    "b:close",                                  // then b closes, emitting its own
    "sink:0:3",                                 // 10, 70, 8 in one batch on flush
  };
  BOOST_CHECK_EQUAL_COLLECTIONS(log->begin(), log->end(), expected.begin(), expected.end());
  auto got = sink.records(0);
  std::vector<reading> expected_records{{0, 10}, {1, 70}, {2, 8}};
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected_records.begin(),
                                expected_records.end());
}

BOOST_AUTO_TEST_CASE(sink_chain_without_routers) {
  auto log = std::make_shared<std::vector<std::string>>();
  auto chain = make_chain(ops(std::pair{std::string{"map"}, make_map()},
                              std::pair{std::string{"sink"}, std::make_unique<logging_op>("sink", log)}),
                          nullptr, nullptr);
  chain->process(make_batch(readings(1, 2)));
  chain->flush();
  BOOST_CHECK(!chain->has_buffered());
  chain->finish_input();
  std::vector<std::string> expected{"sink:process:10,20,", "sink:wm:max", "sink:close"};
  BOOST_CHECK_EQUAL_COLLECTIONS(log->begin(), log->end(), expected.begin(), expected.end());
}

/// Odd values: main output; even: side output "even"; 0 also to "nobody".
class splitting_op final : public stream_operator {
public:
  void process(const batch_ptr& in, operator_context& ctx) override {
    std::vector<reading> odd, even;
    for (auto& r : records_of<reading>(*in)) {
      (r.value % 2 != 0 ? odd : even).push_back(r);
      if (r.value == 0)
        ctx.emit_side("nobody", make_batch(std::vector<reading>{r}));
    }
    // The inputs below have odd and even values: neither batch is empty.
    ctx.emit_side("even", make_batch(std::move(even)));
    ctx.emit(make_batch(std::move(odd)));
  }
};

// Side outputs: the last operator's emit_side(tag) reaches only the routers
// of that tag, emit() only those of the main output; a tag without router
// is dropped, as is emit_side from an operator before the last.
BOOST_AUTO_TEST_CASE(side_outputs_reach_only_their_routers) {
  recording_sink main_sink, even_sink, main_sink2;
  std::vector<operator_chain::link> links;
  links.push_back(link_of(std::make_unique<splitting_op>(), "split"));
  std::vector<std::unique_ptr<output_router>> routers(3);
  for (auto& r : routers)
    r = std::make_unique<forward_router>();
  operator_chain chain{std::move(links), std::move(routers),
                       std::vector<channel_sink*>{&main_sink, &even_sink, &main_sink2},
                       std::vector<std::string>{"", "even", ""}};
  chain.open({});
  chain.process(make_batch(std::vector<reading>{{0, 0}, {0, 1}, {0, 2}, {0, 3}}));
  BOOST_CHECK(main_sink.all_records() == (std::vector<reading>{{0, 1}, {0, 3}}));
  BOOST_CHECK(main_sink2.all_records() == main_sink.all_records());
  BOOST_CHECK(even_sink.all_records() == (std::vector<reading>{{0, 0}, {0, 2}}));
  recording_sink tail_sink;
  auto mid = make_chain(ops(std::pair{std::string{"split"}, operator_ptr{new splitting_op}},
                            std::pair{std::string{"map"}, make_map()}),
                        std::make_unique<forward_router>(), &tail_sink);
  mid->process(make_batch(std::vector<reading>{{0, 1}, {0, 2}}));
  BOOST_CHECK(tail_sink.all_records() == (std::vector<reading>{{0, 10}}));
}

BOOST_AUTO_TEST_CASE(throwing_operator_propagates_and_is_named) {
  recording_sink sink;
  auto chain = make_chain(ops(std::pair{std::string{"map"}, make_map()},
                              std::pair{std::string{"boom"}, std::make_unique<throwing_op>(30, false)},
                              std::pair{std::string{"filter"}, make_filter()}),
                          std::make_unique<forward_router>(), &sink);
  chain->process(make_batch(readings(1, 2)));
  BOOST_CHECK_EQUAL(sink.batches.size(), 1u);
  BOOST_CHECK_THROW(chain->process(make_batch(readings(3, 4))), std::runtime_error);
  BOOST_CHECK_EQUAL(chain->failing_operator().operator_name, "boom");
  BOOST_CHECK_EQUAL(chain->failing_operator().operator_uid, "uid-boom");
  BOOST_CHECK_EQUAL(sink.batches.size(), 1u); // nothing of the failed batch left
}

BOOST_AUTO_TEST_CASE(operator_failing_via_context_throws_sluice_exception) {
  recording_sink sink;
  auto chain = make_chain(ops(std::pair{std::string{"map"}, make_map()},
                              std::pair{std::string{"filter"}, make_filter()},
                              std::pair{std::string{"picky"}, std::make_unique<throwing_op>(40, true)}),
                          std::make_unique<forward_router>(), &sink);
  try {
    chain->process(make_batch(readings(4, 4)));
    BOOST_ERROR("no exception");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::operator_failed);
    BOOST_CHECK(std::string{e.what()}.find("bad value 40") != std::string::npos);
  }
  BOOST_CHECK_EQUAL(chain->failing_operator().operator_name, "picky");
}

BOOST_AUTO_TEST_CASE(head_operator_failure_is_named) {
  recording_sink sink;
  auto chain = make_chain(ops(std::pair{std::string{"head"}, std::make_unique<throwing_op>(1, false)},
                              std::pair{std::string{"map"}, make_map()}),
                          std::make_unique<forward_router>(), &sink);
  // A successful batch through both operators first, so the name is not a
  // leftover of the last operator that ran.
  chain->process(make_batch(readings(2, 2)));
  BOOST_CHECK_THROW(chain->process(make_batch(readings(1, 1))), std::runtime_error);
  BOOST_CHECK_EQUAL(chain->failing_operator().operator_name, "head");
}

BOOST_AUTO_TEST_CASE(failure_in_close_is_named) {
  recording_sink sink;
  auto chain = make_chain(ops(std::pair{std::string{"map"}, make_map()},
                              std::pair{std::string{"closer"}, std::make_unique<throwing_close_op>()},
                              std::pair{std::string{"filter"}, make_filter()}),
                          std::make_unique<forward_router>(), &sink);
  BOOST_CHECK_THROW(chain->finish_input(), std::runtime_error);
  BOOST_CHECK_EQUAL(chain->failing_operator().operator_name, "closer");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace operator_chain_test
