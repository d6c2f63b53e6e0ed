// An idempotent upsert sink (the seeds' "idempotent writes", end-to-end
// exactly-once without transactions): every record sets key -> value in a
// directory with one file per key, replacing the file atomically.
//
// Why this is effectively exactly-once. The sink writes at once, without
// waiting for checkpoints. After a failure the job restores the latest
// completed checkpoint and the source replays what came after it, so the
// sink sees some records again. For a deterministic upsert (the value
// written for a record depends only on the record and the checkpointed
// state before it, e.g. a running count per key emitted by a keyed sum) a
// replayed record writes the same value the first run wrote, so replaying
// changes nothing: once the replay caught up, every key holds what a
// failure-free run would hold. What a reader may see meanwhile: a key can
// briefly go back to an older value (the replay rewrites the history since
// the checkpoint), i.e. the result is eventually exactly-once, not every
// intermediate view. Non-deterministic values (wall-clock time, random
// numbers, processing-time windows) break the argument: use the two-phase
// commit sink (transactional_file_sink.hpp) or the write-ahead sink then.
//
// Layout: `<dir>/<escaped key>` holding the value's bytes; keys are escaped
// to file names (bytes outside [A-Za-z0-9_-] become "%XX", so no name starts
// with '.'). Each batch writes the last value per key once, through
// write_file_atomically (temp, fsync, rename, fsync dir): a reader sees the
// old or the new value, never a torn one. Temp files (".tmp." in the name)
// that a crash left behind are ignored by `read_upserts`.
//
// Parallelism: records of one key must reach one subtask (key_by before the
// sink), otherwise two subtasks race on the key's file. No state, so any
// restore (also at another parallelism) is fine.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "actors/contract/operator.hpp"
#include "snapshot/error.hpp"
#include "snapshot/fs_util.hpp"

namespace sluice {

/// `key` as a file name (see the header comment); never empty.
inline std::string escape_upsert_key(const std::string& key) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string result;
  for (unsigned char c : key) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '-';
    if (keep) {
      result.push_back(static_cast<char>(c));
    } else {
      result.push_back('%');
      result.push_back(hex[c >> 4]);
      result.push_back(hex[c & 0xF]);
    }
  }
  return result.empty() ? std::string{"%"} : result;
}

/// Inverse of escape_upsert_key; nullopt for a name it cannot produce.
inline std::optional<std::string> unescape_upsert_key(const std::string& name) {
  if (name == "%")
    return std::string{};
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  std::string result;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c != '%') {
      bool kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                  || c == '_' || c == '-';
      if (!kept)
        return std::nullopt;
      result.push_back(c);
      continue;
    }
    if (i + 2 >= name.size())
      return std::nullopt;
    int hi = digit(name[i + 1]);
    int lo = digit(name[i + 2]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    result.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return result;
}

/// key -> value of every key file in `dir` (temp files skipped). A missing
/// directory gives an empty map. Throws sluice::exception naming the file
/// that cannot be read.
inline std::map<std::string, std::string> read_upserts(const std::filesystem::path& dir) {
  std::map<std::string, std::string> result;
  std::error_code err;
  for (auto it = std::filesystem::directory_iterator(dir, err);
       !err && it != std::filesystem::directory_iterator(); it.increment(err)) {
    auto name = it->path().filename().string();
    if (!it->is_regular_file())
      continue;
    auto key = unescape_upsert_key(name);
    if (!key)
      continue; // not a key file (temp files contain '.')
    result[*key] = std::string{read_whole_file(it->path()).view()};
  }
  if (err && err != std::errc::no_such_file_or_directory)
    throw exception(ec::io_error, dir.string() + ": cannot list: " + err.message());
  return result;
}

/// Upserts `key(x) -> value(x)` for every record x: KeyFn and ValueFn map a
/// `const T&` to something convertible to std::string.
template <class T, class KeyFn, class ValueFn>
class upsert_file_sink final : public stream_operator {
public:
  upsert_file_sink(std::filesystem::path dir, KeyFn key, ValueFn value)
    : dir_(std::move(dir)), key_(std::move(key)), value_(std::move(value)) {
  }

  void open(operator_context&) override {
    std::error_code err;
    std::filesystem::create_directories(dir_, err);
    if (err)
      throw exception(ec::io_error, dir_.string() + ": cannot create: " + err.message());
  }

  void process(const batch_ptr& in, operator_context&) override {
    std::map<std::string, std::string> latest;
    for (auto& x : records_of<T>(*in))
      latest[std::string(key_(x))] = std::string(value_(x));
    for (auto& [k, v] : latest)
      write_file_atomically(dir_ / escape_upsert_key(k), v);
  }

private:
  std::filesystem::path dir_;
  KeyFn key_;
  ValueFn value_;
};

} // namespace sluice
