#include "actors/rest/job_rest_backend.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>
#include <utility>

#include "actors/contract/error.hpp"
#include "actors/rest/rest_json.hpp"

namespace sluice {

namespace {

/// The two trigger-id namespaces: savepoint_status finds savepoints and
/// stops, checkpoint_status manual checkpoints.
enum class op_kind : uint8_t { savepoint, checkpoint };

const char* name_of(op_kind k) noexcept {
  return k == op_kind::savepoint ? "savepoint" : "checkpoint";
}

rest_error job_not_found(const std::string& job) {
  return {rest_error::kind::not_found, "Job " + job + " not found."};
}

rest_error bad_request(std::string message) {
  return {rest_error::kind::bad_request, std::move(message)};
}

const char* type_name(rest_checkpoint_type t) noexcept {
  switch (t) {
    case rest_checkpoint_type::configured: return "CONFIGURED";
    case rest_checkpoint_type::full: return "FULL";
    case rest_checkpoint_type::incremental: return "INCREMENTAL";
  }
  return "CONFIGURED";
}

using result_fn = std::function<void(job_operation_result)>;
/// Starts one job_client operation that reports to the callback.
using launch_fn = std::function<void(const job_client&, result_fn)>;

} // namespace

struct job_rest_backend::state : std::enable_shared_from_this<job_rest_backend::state> {
  using time_point = std::chrono::system_clock::time_point;

  struct job_entry {
    job_client client;
    rest_job_info info;
    /// First time a call saw the job in a terminal status.
    std::optional<time_point> end_time;
  };

  /// A copy of one job's entry with the status just read.
  struct job_view {
    job_client client;
    rest_job_info info;
    job_status status = job_status::created;
    std::optional<time_point> end_time;
  };

  /// (kind, job id, trigger id).
  using op_key = std::tuple<op_kind, std::string, std::string>;

  struct op_record {
    rest_operation_status status;
    /// Insertion order (key of `op_order`).
    uint64_t seq = 0;
  };

  explicit state(size_t max) : max_operations(std::max<size_t>(max, 1)) {
  }

  const size_t max_operations;
  mutable std::mutex mtx;
  std::map<std::string, job_entry> jobs;
  std::map<op_key, op_record> ops;
  /// seq -> key, oldest first.
  std::map<uint64_t, op_key> op_order;
  uint64_t next_seq = 0;

  /// Reads the job's status, noting the end time. Requires `mtx`.
  static job_status observe(job_entry& e) {
    auto s = e.client.status();
    if (is_terminal(s) && !e.end_time)
      e.end_time = std::chrono::system_clock::now();
    return s;
  }

  std::optional<job_view> view(const std::string& id) {
    std::lock_guard<std::mutex> guard{mtx};
    auto it = jobs.find(id);
    if (it == jobs.end())
      return std::nullopt;
    auto s = observe(it->second);
    return job_view{it->second.client, it->second.info, s, it->second.end_time};
  }

  std::vector<rest_job_overview> overview() {
    std::vector<rest_job_overview> rows;
    std::lock_guard<std::mutex> guard{mtx};
    rows.reserve(jobs.size());
    for (auto& [id, e] : jobs)
      rows.push_back({id, observe(e)});
    return rows;
  }

  // --- operation records (all require `mtx`) -----------------------------

  void insert(const op_key& key) {
    auto seq = next_seq++;
    ops.emplace(key, op_record{{}, seq});
    op_order.emplace(seq, key);
    while (ops.size() > max_operations)
      evict_one();
  }

  /// Drops the oldest finished record, else the oldest one.
  void evict_one() {
    auto victim = op_order.begin();
    for (auto it = op_order.begin(); it != op_order.end(); ++it) {
      if (ops.at(it->second).status.state != rest_operation_status::phase::in_progress) {
        victim = it;
        break;
      }
    }
    ops.erase(victim->second);
    op_order.erase(victim);
  }

  void erase(const op_key& key) {
    std::lock_guard<std::mutex> guard{mtx};
    if (auto it = ops.find(key); it != ops.end()) {
      op_order.erase(it->second.seq);
      ops.erase(it);
    }
  }

  std::string fresh_trigger(op_kind kind, const std::string& job) const {
    for (;;) {
      auto id = make_trigger_id();
      if (ops.count(op_key{kind, job, id}) == 0)
        return id;
    }
  }

  /// job_client's callback: records the outcome (any thread).
  void finish(const op_key& key, job_operation_result r) {
    std::lock_guard<std::mutex> guard{mtx};
    auto it = ops.find(key);
    if (it == ops.end() || it->second.status.state != rest_operation_status::phase::in_progress)
      return; // evicted meanwhile
    auto& s = it->second.status;
    if (r.ok()) {
      s.state = rest_operation_status::phase::completed;
      s.location = std::move(r.location);
      s.checkpoint_id = r.checkpoint_id;
    } else {
      s.state = rest_operation_status::phase::failed;
      s.failure_message = render(r.error);
    }
  }

  /// Records (kind, job, trigger) as in progress, launches the operation
  /// outside the lock, answers the trigger id.
  void start(op_kind kind, const std::string& job, const std::optional<std::string>& requested,
             const launch_fn& launch, rest_callback<std::string> done) {
    std::optional<job_client> client;
    rest_result<std::string> early{std::string{}};
    std::string trigger;
    {
      std::lock_guard<std::mutex> guard{mtx};
      auto it = jobs.find(job);
      if (it == jobs.end()) {
        early = job_not_found(job);
      } else {
        trigger = requested && is_rest_id(*requested) ? *requested : fresh_trigger(kind, job);
        if (ops.count(op_key{kind, job, trigger}) > 0) {
          early = trigger; // a retry: the recorded operation answers
        } else {
          insert(op_key{kind, job, trigger});
          client = it->second.client;
        }
      }
    }
    if (!client)
      return done(std::move(early));
    op_key key{kind, job, trigger};
    std::weak_ptr<state> weak = weak_from_this();
    try {
      launch(*client, [weak, key](job_operation_result r) {
        if (auto self = weak.lock())
          self->finish(key, std::move(r));
      });
    } catch (const std::exception& e) {
      erase(key);
      auto message = std::string{"triggering the "} + name_of(kind) + " failed: " + e.what();
      return done(rest_error{rest_error::kind::internal, std::move(message)});
    }
    done(std::move(trigger));
  }

  void status(op_kind kind, const std::string& job, const std::string& trigger,
              rest_callback<rest_operation_status> done) {
    rest_result<rest_operation_status> r{rest_operation_status{}};
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (jobs.count(job) == 0) {
        r = job_not_found(job);
      } else if (auto it = ops.find(op_key{kind, job, trigger}); it != ops.end()) {
        r = it->second.status;
      } else {
        r = rest_error{rest_error::kind::not_found, std::string{"There is no "} + name_of(kind)
                                                      + " operation with trigger id " + trigger
                                                      + " for job " + job + "."};
      }
    }
    done(std::move(r));
  }

  /// Savepoint or stop-with-savepoint; `property` names the request's
  /// target-directory field in the error.
  void savepoint(const std::string& job, const std::optional<std::string>& target,
                 savepoint_mode mode, const std::optional<std::string>& trigger,
                 const char* property, rest_callback<std::string> done) {
    auto v = view(job);
    if (!v)
      return done(job_not_found(job));
    if (!target && v->info.checkpointing.savepoint_dir.empty())
      return done(bad_request(std::string{"Config key [checkpointing.savepoint-dir] is not set. "
                                          "Property ["}
                              + property + "] must be provided."));
    // Empty: job_client takes checkpointing.savepoint-dir.
    auto dir = target.value_or(std::string{});
    auto launch = [&dir, mode](const job_client& c, result_fn cb) {
      c.trigger_savepoint(dir, mode, std::move(cb));
    };
    start(op_kind::savepoint, job, trigger, launch, std::move(done));
  }
};

job_rest_backend::job_rest_backend(size_t max_operations)
  : state_(std::make_shared<state>(max_operations)) {
}

job_rest_backend::~job_rest_backend() = default;

void job_rest_backend::add_job(job_client job, rest_job_info info) {
  auto id = job.job_id();
  std::lock_guard<std::mutex> guard{state_->mtx};
  state_->jobs.insert_or_assign(std::move(id),
                                state::job_entry{std::move(job), std::move(info), std::nullopt});
}

size_t job_rest_backend::operation_count() const {
  std::lock_guard<std::mutex> guard{state_->mtx};
  return state_->ops.size();
}

void job_rest_backend::list_jobs(rest_callback<std::vector<rest_job_overview>> done) {
  done(state_->overview());
}

void job_rest_backend::job_details(const std::string& job, rest_callback<rest_job_details> done) {
  auto v = state_->view(job);
  if (!v)
    return done(job_not_found(job));
  rest_job_details d;
  d.id = job;
  d.name = v->info.name;
  d.status = v->status;
  d.start_time = v->info.start_time;
  d.end_time = v->end_time;
  d.parallelism = v->info.parallelism;
  d.max_parallelism = v->info.max_parallelism;
  d.restarts = v->client.restart_stats();
  d.guarantee = v->client.guarantee();
  done(std::move(d));
}

void job_rest_backend::checkpoint_stats(const std::string& job,
                                        rest_callback<checkpoint_stats_snapshot> done) {
  auto v = state_->view(job);
  if (!v)
    return done(job_not_found(job));
  done(v->client.checkpoint_stats());
}

void job_rest_backend::checkpoint_config(const std::string& job,
                                         rest_callback<rest_checkpoint_config> done) {
  auto v = state_->view(job);
  if (!v)
    return done(job_not_found(job));
  done(rest_checkpoint_config{v->info.checkpointing, v->info.state_backend});
}

void job_rest_backend::trigger_savepoint(const std::string& job, const rest_savepoint_request& req,
                                         rest_callback<std::string> done) {
  auto mode = req.cancel_job ? savepoint_mode::stop : savepoint_mode::keep_running;
  state_->savepoint(job, req.target_directory, mode, req.trigger_id, "target-directory",
                    std::move(done));
}

void job_rest_backend::stop_with_savepoint(const std::string& job, const rest_stop_request& req,
                                           rest_callback<std::string> done) {
  auto mode = req.drain ? savepoint_mode::stop_and_drain : savepoint_mode::stop;
  state_->savepoint(job, req.target_directory, mode, req.trigger_id, "targetDirectory",
                    std::move(done));
}

void job_rest_backend::savepoint_status(const std::string& job, const std::string& trigger,
                                        rest_callback<rest_operation_status> done) {
  state_->status(op_kind::savepoint, job, trigger, std::move(done));
}

void job_rest_backend::cancel_job(const std::string& job, rest_callback<rest_done> done) {
  auto v = state_->view(job);
  if (!v)
    return done(job_not_found(job));
  if (is_terminal(v->status)) {
    if (v->status == job_status::cancelled)
      return done(rest_done{});
    return done(bad_request("Job cancellation failed: job " + job
                            + " was not canceled, but instead "
                            + rest_json::job_status_name(v->status) + "."));
  }
  v->client.cancel();
  done(rest_done{});
}

void job_rest_backend::trigger_checkpoint(const std::string& job,
                                          const rest_checkpoint_request& req,
                                          rest_callback<std::string> done) {
  auto v = state_->view(job);
  if (!v)
    return done(job_not_found(job));
  bool takes = req.type == rest_checkpoint_type::configured
               || (req.type == rest_checkpoint_type::full) != v->info.incremental;
  if (!takes)
    return done(bad_request(std::string{"checkpointType "} + type_name(req.type)
                            + " is not supported by this job (state.incremental = "
                            + (v->info.incremental ? "true" : "false")
                            + "): use CONFIGURED"));
  state_->start(
    op_kind::checkpoint, job, req.trigger_id,
    [](const job_client& c, result_fn cb) { c.trigger_checkpoint(std::move(cb)); },
    std::move(done));
}

void job_rest_backend::checkpoint_status(const std::string& job, const std::string& trigger,
                                         rest_callback<rest_operation_status> done) {
  state_->status(op_kind::checkpoint, job, trigger, std::move(done));
}

} // namespace sluice
