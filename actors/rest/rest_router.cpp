#include "actors/rest/rest_router.hpp"

#include <atomic>
#include <charconv>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/rest/rest_body.hpp"
#include "actors/rest/rest_json.hpp"

namespace sluice {

namespace {

using reply_fn = std::function<void(rest_response)>;

/// The endpoints, after path matching (see the table in rest_router.hpp).
enum class endpoint {
  jobs,
  job,
  checkpoints,
  checkpoint_config,
  checkpoint_details,
  checkpoint_trigger,
  savepoints,
  savepoint_trigger,
  stop,
};

struct match {
  endpoint what;
  /// Methods the path allows, as for an `Allow` header.
  const char* allow;
};

rest_response error(unsigned status, std::string_view message) {
  return {status, rest_json::errors(message), {}};
}

rest_response from_error(const rest_error& e) {
  switch (e.what) {
    case rest_error::kind::not_found: return error(404, e.message);
    case rest_error::kind::bad_request: return error(400, e.message);
    case rest_error::kind::internal: break;
  }
  return error(500, e.message);
}

/// Echoed client input, cut short (error messages stay small).
std::string quote(std::string_view s) {
  constexpr size_t max = 64;
  return "'" + std::string{s.substr(0, max)} + (s.size() > max ? "...'" : "'");
}

/// Calls `done` at most once, whichever thread gets there first.
reply_fn once(reply_fn done) {
  auto fired = std::make_shared<std::atomic<bool>>(false);
  return [fired, done = std::move(done)](rest_response r) {
    if (!fired->exchange(true))
      done(std::move(r));
  };
}

/// A backend callback that renders a value with `render` into a response
/// with `status`, or the backend's error.
template <class T, class Render>
rest_callback<T> reply(reply_fn done, unsigned status, Render render) {
  return [done = std::move(done), status, render = std::move(render)](rest_result<T> r) {
    try {
      if (auto* err = std::get_if<rest_error>(&r))
        done(from_error(*err));
      else
        done(render(std::get<T>(r), status));
    } catch (const std::exception& e) {
      done(error(500, std::string{"rendering the response failed: "} + e.what()));
    } catch (...) {
      done(error(500, "rendering the response failed"));
    }
  };
}

/// Renders a trigger id as 202 {"request-id"}; 500 if the backend broke
/// the id contract.
rest_response trigger_reply(const std::string& id, unsigned status) {
  if (!is_rest_id(id))
    return error(500, "backend returned a malformed trigger id " + quote(id));
  return {status, rest_json::trigger(id), {}};
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  while (true) {
    auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      return segments;
    path.remove_prefix(slash + 1);
  }
}

std::optional<match> match_path(const std::vector<std::string_view>& s) {
  if (s.empty() || s[0] != "jobs")
    return std::nullopt;
  switch (s.size()) {
    case 1: return match{endpoint::jobs, "GET"};
    case 2: return match{endpoint::job, "GET, PATCH"};
    case 3:
      if (s[2] == "checkpoints")
        return match{endpoint::checkpoints, "GET, POST"};
      if (s[2] == "savepoints")
        return match{endpoint::savepoints, "POST"};
      if (s[2] == "stop")
        return match{endpoint::stop, "POST"};
      return std::nullopt;
    case 4:
      if (s[2] == "checkpoints" && s[3] == "config")
        return match{endpoint::checkpoint_config, "GET"};
      if (s[2] == "checkpoints" && s[3] != "details")
        return match{endpoint::checkpoint_trigger, "GET"};
      if (s[2] == "savepoints")
        return match{endpoint::savepoint_trigger, "GET"};
      return std::nullopt;
    case 5:
      if (s[2] == "checkpoints" && s[3] == "details")
        return match{endpoint::checkpoint_details, "GET"};
      return std::nullopt;
    default: return std::nullopt;
  }
}

bool method_allowed(std::string_view allow, std::string_view method) {
  while (!allow.empty()) {
    auto comma = allow.find(", ");
    if (allow.substr(0, comma) == method)
      return true;
    if (comma == std::string_view::npos)
      break;
    allow.remove_prefix(comma + 2);
  }
  return false;
}

/// The value of `key` in a query string ("a=1&b=2"); the last one wins.
std::optional<std::string_view> query_value(std::string_view query, std::string_view key) {
  std::optional<std::string_view> result;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      result = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return result;
}

std::optional<uint64_t> parse_checkpoint_id(std::string_view s) {
  uint64_t id = 0;
  if (s.empty() || s.front() < '0' || s.front() > '9')
    return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return id;
}

/// Calls the backend for one validated request.
void dispatch(rest_backend& backend, const rest_router_options& opts, endpoint what,
              const rest_request& req, std::string_view query,
              const std::vector<std::string_view>& segs, const reply_fn& done) {
  std::string job{segs.size() > 1 ? segs[1] : std::string_view{}};
  auto bad_body = [&](const std::string& message) { done(error(400, message)); };
  switch (what) {
    case endpoint::jobs:
      backend.list_jobs(reply<std::vector<rest_job_overview>>(
        done, 200, [](const auto& rows, unsigned st) {
          return rest_response{st, rest_json::jobs(rows), {}};
        }));
      return;
    case endpoint::job:
      if (req.method == "GET") {
        backend.job_details(job, reply<rest_job_details>(
                                   done, 200, [now = opts.now](const auto& d, unsigned st) {
                                     return rest_response{st, rest_json::job_details(d, now()), {}};
                                   }));
        return;
      }
      if (auto mode = query_value(query, "mode"); mode && *mode != "cancel") {
        bad_body("query parameter mode=" + std::string{mode->substr(0, 64)}
                 + " is not supported (mode=cancel; stop with POST /jobs/{jobid}/stop)");
        return;
      }
      backend.cancel_job(job, reply<rest_done>(done, 202, [](const rest_done&, unsigned st) {
                           return rest_response{st, "{}", {}};
                         }));
      return;
    case endpoint::checkpoints:
      if (req.method == "GET") {
        backend.checkpoint_stats(
          job, reply<checkpoint_stats_snapshot>(
                 done, 200, [offset = opts.steady_to_system](const auto& s, unsigned st) {
                   return rest_response{st, rest_json::checkpoint_statistics(s, offset), {}};
                 }));
        return;
      }
      {
        auto body = rest_body::checkpoint_request(req.body);
        if (auto* err = std::get_if<std::string>(&body))
          return bad_body(*err);
        backend.trigger_checkpoint(job, std::get<rest_checkpoint_request>(body),
                                   reply<std::string>(done, 202, trigger_reply));
      }
      return;
    case endpoint::checkpoint_config:
      backend.checkpoint_config(job, reply<rest_checkpoint_config>(
                                       done, 200, [](const auto& c, unsigned st) {
                                         return rest_response{st, rest_json::checkpoint_config(c), {}};
                                       }));
      return;
    case endpoint::checkpoint_details: {
      auto cid = parse_checkpoint_id(segs[4]);
      if (!cid)
        return bad_body("invalid checkpoint id " + quote(segs[4])
                        + ": expected a non-negative integer");
      backend.checkpoint_stats(
        job, reply<checkpoint_stats_snapshot>(
               done, 200, [id = *cid, offset = opts.steady_to_system](const auto& s, unsigned st) {
                 for (auto& e : s.history)
                   if (e.checkpoint_id == id)
                     return rest_response{st, rest_json::checkpoint_details(e, offset), {}};
                 return error(404, "Could not find checkpoint statistics for checkpoint "
                                     + std::to_string(id) + ".");
               }));
      return;
    }
    case endpoint::checkpoint_trigger:
      backend.checkpoint_status(job, std::string{segs[3]},
                                reply<rest_operation_status>(
                                  done, 200, [](const auto& s, unsigned st) {
                                    return rest_response{
                                      st, rest_json::checkpoint_trigger_status(s), {}};
                                  }));
      return;
    case endpoint::savepoints: {
      auto body = rest_body::savepoint_request(req.body);
      if (auto* err = std::get_if<std::string>(&body))
        return bad_body(*err);
      backend.trigger_savepoint(job, std::get<rest_savepoint_request>(body),
                                reply<std::string>(done, 202, trigger_reply));
      return;
    }
    case endpoint::stop: {
      auto body = rest_body::stop_request(req.body);
      if (auto* err = std::get_if<std::string>(&body))
        return bad_body(*err);
      backend.stop_with_savepoint(job, std::get<rest_stop_request>(body),
                                  reply<std::string>(done, 202, trigger_reply));
      return;
    }
    case endpoint::savepoint_trigger:
      backend.savepoint_status(job, std::string{segs[3]},
                               reply<rest_operation_status>(
                                 done, 200, [](const auto& s, unsigned st) {
                                   return rest_response{st, rest_json::savepoint_status(s), {}};
                                 }));
      return;
  }
}

} // namespace

rest_router::rest_router(rest_backend& backend, rest_router_options opts)
  : backend_(backend), opts_(std::move(opts)) {
}

void rest_router::handle(const rest_request& req, std::function<void(rest_response)> done_fn) {
  auto done = once(std::move(done_fn));
  try {
    std::string_view target = req.target;
    auto qmark = target.find('?');
    auto path = target.substr(0, qmark);
    auto query = qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);
    if (path.empty() || path.front() != '/')
      return done(error(400, "request target must be an absolute path, got " + quote(path)));
    path.remove_prefix(1);
    if (path == "v1" || path.starts_with("v1/"))
      path.remove_prefix(std::min<size_t>(path.size(), 3));
    if (!path.empty() && path.back() == '/')
      path.remove_suffix(1);
    auto segs = split_path(path);
    auto m = match_path(segs);
    if (!m)
      return done(error(404, "Not found: " + quote(target.substr(0, qmark))));
    if (!method_allowed(m->allow, req.method)) {
      auto r = error(405, "Method " + quote(req.method) + " not allowed on "
                            + quote(target.substr(0, qmark)) + " (allowed: " + m->allow + ")");
      r.allow = m->allow;
      return done(std::move(r));
    }
    if (segs.size() > 1 && !is_rest_id(segs[1]))
      return done(error(400, "invalid job id " + quote(segs[1])
                               + ": expected 32 lowercase hex digits"));
    bool trigger_lookup = m->what == endpoint::checkpoint_trigger
                          || m->what == endpoint::savepoint_trigger;
    if (trigger_lookup && !is_rest_id(segs[3]))
      return done(error(400, "invalid trigger id " + quote(segs[3])
                               + ": expected 32 lowercase hex digits"));
    dispatch(backend_, opts_, m->what, req, query, segs, done);
  } catch (const std::exception& e) {
    done(error(500, std::string{"internal error: "} + e.what()));
  } catch (...) {
    done(error(500, "internal error"));
  }
}

} // namespace sluice
