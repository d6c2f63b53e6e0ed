#include "snapshot/file_names.hpp"

#include <cstdio>

#include "snapshot/key_groups.hpp"

namespace sluice {

std::string checkpoint_dir_name(uint64_t id) {
  return std::string{checkpoint_dir_prefix} + std::to_string(id);
}

std::string savepoint_dir_name(std::string_view job_id, uint64_t random) {
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%012llx",
                static_cast<unsigned long long>(random & 0xffff'ffff'ffffULL));
  return "savepoint-" + std::string{job_id.substr(0, 6)} + "-" + suffix;
}

std::string file_safe_uid(std::string_view uid) {
  std::string name;
  bool changed = uid.empty();
  for (char c : uid) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '.' || c == '_' || c == '-';
    name += ok ? c : '_';
    changed = changed || !ok;
  }
  if (name.empty() || name.front() == '.') {
    name.insert(name.begin(), 'o');
    changed = true;
  }
  if (changed) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", murmur3_32(uid.data(), uid.size(), 0));
    name += "-";
    name += hex;
  }
  return name;
}

std::string state_file_name(std::string_view uid, uint32_t subtask) {
  return file_safe_uid(uid) + "-" + std::to_string(subtask) + ".state";
}

std::string shared_state_file_name(std::string_view uid, uint32_t subtask, uint64_t attempt,
                                   uint64_t checkpoint_id) {
  return file_safe_uid(uid) + "-" + std::to_string(subtask) + "-a" + std::to_string(attempt)
         + "-c" + std::to_string(checkpoint_id) + ".state";
}

std::string lmdb_working_dir_name(std::string_view uid, uint32_t subtask, uint64_t attempt) {
  return file_safe_uid(uid) + "-" + std::to_string(subtask) + "-" + std::to_string(attempt);
}

} // namespace sluice
