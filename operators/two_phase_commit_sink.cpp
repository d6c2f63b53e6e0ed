#include "operators/two_phase_commit_sink.hpp"

#include <cstdio>

namespace sluice {

std::string sanitize_id_part(const std::string& name) {
  std::string result;
  for (char c : name) {
    if (result.size() == 64)
      break;
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_';
    result.push_back(keep ? c : '_');
  }
  return result.empty() ? std::string{"sink"} : result;
}

std::string transaction_id_prefix(const subtask_info& info, uint32_t subtask) {
  return sanitize_id_part(info.job_name) + "." + sanitize_id_part(info.operator_uid) + "-"
         + std::to_string(subtask) + "-";
}

std::string transaction_id(const subtask_info& info, uint32_t subtask, uint64_t sequence) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%010llu", static_cast<unsigned long long>(sequence));
  return transaction_id_prefix(info, subtask) + digits;
}

std::optional<uint64_t> parse_transaction_sequence(const std::string& name,
                                                   const std::string& prefix) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0
      || name.size() - prefix.size() > 19)
    return std::nullopt;
  uint64_t result = 0;
  for (size_t i = prefix.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9')
      return std::nullopt;
    result = result * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  return result;
}

} // namespace sluice
