#include "apps/cli/rest_endpoint.hpp"

#include <thread>

#include "actors/contract/error.hpp"

namespace sluice::apps {

rest_endpoint::rest_endpoint() : router_(backend_) {
}

rest_endpoint::~rest_endpoint() {
  server_.reset(); // stop serving before the backend and router go
}

std::unique_ptr<rest_endpoint> rest_endpoint::start(const rest_config& cfg, std::ostream& log) {
  std::unique_ptr<rest_endpoint> result{new rest_endpoint};
  try {
    result->server_ = rest_server::start(cfg.address, static_cast<uint16_t>(cfg.port),
                                         result->router_);
  } catch (const std::exception& e) {
    log << "sluice: REST endpoint off: " << e.what() << '\n' << std::flush;
    return nullptr;
  }
  log << "sluice: REST endpoint on http://" << result->server_->address() << ':'
      << result->server_->port() << '\n'
      << std::flush;
  return result;
}

void rest_endpoint::add_job(const job_client& job, rest_job_info info) {
  backend_.add_job(job, std::move(info));
}

void rest_endpoint::linger(std::chrono::milliseconds linger) const {
  if (backend_.operation_count() > 0)
    std::this_thread::sleep_for(linger);
}

} // namespace sluice::apps
