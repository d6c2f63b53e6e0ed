// The REST endpoint of a `sluice run` process (Flink's REST API, port
// 8081): actors/rest/'s server and router over a job_rest_backend that
// knows this process's job. Started before the job runs; when it cannot
// listen (port taken, bad address) the job runs anyway and the reason is
// logged: the endpoint is for operating the job, never a reason to lose it.
#pragma once

#include <chrono>
#include <memory>
#include <ostream>

#include "actors/rest/job_rest_backend.hpp"
#include "actors/rest/rest_config.hpp"
#include "actors/rest/rest_router.hpp"
#include "actors/rest/rest_server.hpp"

namespace sluice::apps {

class rest_endpoint {
public:
  /// Listens on cfg.address:cfg.port and writes "sluice: REST endpoint on
  /// http://ADDR:PORT" to `log`; null (after "sluice: REST endpoint off:
  /// <why>") when it cannot.
  static std::unique_ptr<rest_endpoint> start(const rest_config& cfg, std::ostream& log);

  ~rest_endpoint();

  /// Makes `job` visible under /jobs.
  void add_job(const job_client& job, rest_job_info info);

  /// After the job ended: when a client asked for an operation (a
  /// stop-with-savepoint ends the job), keeps serving for `linger` so it
  /// can fetch the outcome before the process exits.
  void linger(std::chrono::milliseconds linger) const;

private:
  rest_endpoint();

  job_rest_backend backend_;
  rest_router router_;
  std::unique_ptr<rest_server> server_;
};

} // namespace sluice::apps
