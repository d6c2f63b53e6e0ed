#include "operators/sinks.hpp"

namespace sluice {

std::mutex& stdout_mutex() {
  static std::mutex mtx;
  return mtx;
}

} // namespace sluice
