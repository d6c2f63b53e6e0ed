#include "snapshot/keyed_state_backend.hpp"

#include "snapshot/state_file_writer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <string>

#if __has_include(<cxxabi.h>)
#  include <cstdlib>
#  include <cxxabi.h>
#  define SLUICE_HAVE_CXXABI 1
#endif

namespace sluice {

namespace {

/// Readable name of a type for error messages (demangled where possible).
std::string type_name(const std::type_info& type) {
#ifdef SLUICE_HAVE_CXXABI
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  if (status == 0 && demangled != nullptr) {
    std::string result{demangled};
    std::free(demangled);
    return result;
  }
  std::free(demangled);
#endif
  return type.name();
}

std::string hex(uint64_t x) {
  char buf[19];
  std::snprintf(buf, sizeof(buf), "0x%016llx", static_cast<unsigned long long>(x));
  return buf;
}

const char* kind_name(state_kind kind) {
  switch (kind) {
    case state_kind::value:
      return "value";
    case state_kind::list:
      return "list";
    case state_kind::map:
      return "map";
  }
  return "unknown";
}

/// Restored entries no state has claimed, re-snapshotted as they came.
class raw_entries_copy final : public keyed_state_copy {
public:
  template <class Entries>
  explicit raw_entries_copy(const Entries& entries) {
    entries_.reserve(entries.size());
    for (const auto& e : entries)
      entries_.push_back({e.key_group, e.key, e.value});
    std::stable_sort(entries_.begin(), entries_.end(),
                     [](const auto& a, const auto& b) { return a.key_group < b.key_group; });
  }

  size_t size() const noexcept override {
    return entries_.size();
  }

  void encode_to(keyed_entry_sink& sink) const override {
    for (const auto& e : entries_)
      sink.add(e.key_group, e.key, e.value);
  }

private:
  struct entry {
    uint32_t key_group;
    std::string key;
    std::string value;
  };
  std::vector<entry> entries_;
};

/// Adds the entries of one state to a state file writer.
class writer_sink final : public keyed_entry_sink {
public:
  writer_sink(state_file_writer& w, const keyed_state_meta& meta) : w_(w), meta_(meta) {
  }

  void add(uint32_t key_group, std::string_view key, std::string_view value) override {
    w_.add_keyed_entry(meta_, key_group, key, value);
  }

  void add_deleted(uint32_t key_group, std::string_view key) override {
    w_.add_keyed_tombstone(meta_, key_group, key);
  }

private:
  state_file_writer& w_;
  const keyed_state_meta& meta_;
};

/// Throws ec::state_type_mismatch unless `meta` describes `state`'s kind and
/// type.
void check_restored_type(const keyed_state_base& state, const keyed_state_meta& meta) {
  if (meta.kind == state.kind() && meta.type_fingerprint == state.type_fingerprint())
    return;
  throw exception(ec::state_type_mismatch,
                  "keyed state '" + state.name() + "': the checkpoint holds a "
                    + kind_name(meta.kind) + " state with type fingerprint "
                    + hex(meta.type_fingerprint) + ", but the operator registers it as "
                    + type_name(state.state_type()) + " (" + kind_name(state.kind())
                    + " state, type fingerprint " + hex(state.type_fingerprint()) + ")");
}

} // namespace

// --- keyed_state_snapshot ------------------------------------------------------

keyed_state_snapshot::~keyed_state_snapshot() = default;

void keyed_state_snapshot::write_to(state_file_writer& w) const {
  const auto& info = w.info();
  bool fits = range_.empty()
              || (!info.key_groups.empty() && info.key_groups.first <= range_.first
                  && range_.last <= info.key_groups.last);
  if (num_entries_ > 0 && (info.max_parallelism != max_parallelism_ || !fits))
    throw exception(ec::io_error,
                    "keyed state snapshot of key groups [" + std::to_string(range_.first) + ", "
                      + std::to_string(range_.last) + "] of "
                      + std::to_string(max_parallelism_)
                      + " does not fit the state file of operator '" + info.operator_uid
                      + "' (key groups [" + std::to_string(info.key_groups.first) + ", "
                      + std::to_string(info.key_groups.last) + "] of "
                      + std::to_string(info.max_parallelism) + ")");
  for (const auto& state : states_) {
    writer_sink sink{w, state.meta};
    state.entries->encode_to(sink);
  }
}

const char* to_string(state_backend_kind kind) noexcept {
  return kind == state_backend_kind::lmdb ? "lmdb" : "hashmap";
}

std::optional<state_backend_kind> parse_state_backend_kind(std::string_view text) noexcept {
  if (text == "hashmap")
    return state_backend_kind::hashmap;
  if (text == "lmdb")
    return state_backend_kind::lmdb;
  return std::nullopt;
}

keyed_state_backend::keyed_state_backend(uint32_t max_parallelism, key_group_range range,
                                         keyed_backend_options options)
  : max_parallelism_(max_parallelism),
    kind_(options.kind),
    clock_(std::move(options.clock)),
    ctx_(std::make_unique<current_key_context>()) {
  assert(max_parallelism > 0 && max_parallelism <= upper_bound_max_parallelism);
  assert(range.empty() || range.last < max_parallelism);
  ctx_->range = range;
  ctx_->key_group = range.first;
  if (!clock_)
    clock_ = [] {
      using namespace std::chrono;
      return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    };
  if (kind_ == state_backend_kind::lmdb) {
    lmdb_ = std::make_unique<lmdb_backend_context>(
      std::make_unique<lmdb_store>(options.lmdb_dir, options.lmdb), options.lmdb_cache_entries);
    incremental_ = options.incremental;
    full_every_ = options.full_every;
    lmdb_->track_changes = incremental_;
  }
}

void keyed_state_backend::notify_checkpoint_complete(uint64_t checkpoint_id) {
  auto it = std::find_if(unconfirmed_.begin(), unconfirmed_.end(),
                         [&](const unconfirmed& u) { return u.id == checkpoint_id; });
  if (it == unconfirmed_.end())
    return;
  confirmed_ = checkpoint_id;
  deltas_since_full_ = it->full ? 0 : deltas_since_full_ + 1;
  unconfirmed_.erase(unconfirmed_.begin(), std::next(it));
}

void keyed_state_backend::restore_deleted(const keyed_state_meta& state, uint32_t key_group,
                                          std::string_view key) {
  if (!ctx_->range.contains(key_group))
    return;
  if (auto* registered = find_state(state.name)) {
    check_restored_type(*registered, state);
    registered->restore_deleted(key_group, key);
    return;
  }
  for (auto& restored : restored_)
    if (restored.meta.name == state.name)
      std::erase_if(restored.entries, [&](const restored_entry& e) {
        return e.key_group == key_group && e.key == key;
      });
}

void keyed_state_backend::end_batch() {
  if (!lmdb_)
    return;
  for (const auto& state : states_)
    state->end_batch();
  auto& store = *lmdb_->store;
  // map_full_snapshot_open: the batch stays open, commit is retried next time.
  if (store.in_batch())
    static_cast<void>(store.commit());
}

size_t keyed_state_backend::copied_entries() const noexcept {
  size_t n = 0;
  for (const auto& state : states_)
    n += state->copied_entries();
  return n;
}

uint16_t keyed_state_backend::next_state_id(const std::string& name) {
  if (state_ids_ == 0xFFFF)
    throw exception(ec::invalid_argument,
                    "keyed state '" + name + "': more than 65535 states in one operator");
  return state_ids_++;
}

void keyed_state_backend::throw_lmdb_not_serializable(const std::string& name) {
  throw exception(ec::not_serializable,
                  "keyed state '" + name
                    + "': the lmdb state backend stores serialized values only, and CAF "
                      "cannot serialize this state's type: give it an inspect() overload or "
                      "use state.backend=hashmap");
}

void keyed_state_backend::throw_ttl_not_allowed(const std::string& name) {
  throw exception(ec::invalid_argument,
                  "keyed state '" + name
                    + "': registered with no_ttl (an engine state) but its descriptor "
                      "enables time-to-live");
}

keyed_state_backend::~keyed_state_backend() = default;

void keyed_state_backend::set_current_key(std::string_view key_bytes, uint32_t key_group) {
  assert(ctx_->range.contains(key_group) && "key group outside this subtask's range");
  ctx_->key.assign(key_bytes.data(), key_bytes.size());
  ctx_->hash = table_hash(murmur3_32(key_bytes.data(), key_bytes.size(), 0));
  ctx_->key_group = key_group;
  ctx_->has_key = true;
}

std::unique_ptr<keyed_state_snapshot> keyed_state_backend::snapshot(uint64_t checkpoint_id) {
  for (const auto& state : states_)
    if (!state->serializable())
      state->copy_entries(); // throws ec::not_serializable naming the state
  std::unique_ptr<keyed_state_snapshot> result{
    new keyed_state_snapshot(max_parallelism_, ctx_->range)};
  if (lmdb_) {
    end_batch();
    if (lmdb_->store->in_batch())
      throw exception(ec::io_error,
                      lmdb_->store->dir().string()
                        + ": the LMDB map is full and cannot grow while an earlier snapshot "
                          "is still being written; this checkpoint is declined");
    lmdb_->snapshot = std::make_shared<const lmdb_snapshot>(lmdb_->store->snapshot());
  }
  struct release {
    lmdb_backend_context* ctx;
    ~release() {
      if (ctx != nullptr)
        ctx->snapshot.reset();
    }
  } release_view{lmdb_.get()};
  if (incremental_) {
    unconfirmed u{checkpoint_id, !confirmed_ || deltas_since_full_ >= full_every_, {}};
    for (const auto& state : states_)
      u.per_state.push_back(state->take_changes());
    unconfirmed_.push_back(std::move(u));
    if (!unconfirmed_.back().full) {
      result->incremental_ = true;
      result->base_ = *confirmed_;
      for (size_t i = 0; i < states_.size(); ++i) {
        auto& state = *states_[i];
        changed_keys keys(ctx_->range.size());
        size_t n = 0;
        for (const auto& u : unconfirmed_)
          if (i < u.per_state.size())
            for (size_t g = 0; g < u.per_state[i].size(); ++g)
              for (const auto& key : u.per_state[i][g])
                n += keys[g].insert(key).second ? 1 : 0;
        if (n == 0)
          continue;
        keyed_state_meta meta{state.name(), state.type_fingerprint(), state.kind()};
        result->states_.push_back({std::move(meta), state.delta(keys)});
        result->num_entries_ += n;
      }
      return result;
    }
  }
  result->states_.reserve(states_.size() + restored_.size());
  for (const auto& state : states_) {
    if (state->size() == 0)
      continue;
    keyed_state_meta meta{state->name(), state->type_fingerprint(), state->kind()};
    result->states_.push_back({std::move(meta), state->copy_entries()});
    result->num_entries_ += state->size();
  }
  for (const auto& restored : restored_) {
    result->states_.push_back({restored.meta, std::make_unique<raw_entries_copy>(restored.entries)});
    result->num_entries_ += restored.entries.size();
  }
  return result;
}

void keyed_state_backend::restore_entry(const keyed_state_meta& state, uint32_t key_group,
                                        std::string_view key, std::string_view value) {
  if (!ctx_->range.contains(key_group))
    return;
  auto hashed = assign_key_group(key_hash(key), max_parallelism_);
  if (hashed != key_group)
    throw exception(ec::corrupt_file,
                    "keyed state '" + state.name + "': an entry stored in key group "
                      + std::to_string(key_group) + " has a key of key group "
                      + std::to_string(hashed) + " (max parallelism "
                      + std::to_string(max_parallelism_)
                      + "): the checkpoint was taken with another max parallelism, or is damaged");
  if (auto* registered = find_state(state.name)) {
    check_restored_type(*registered, state);
    registered->restore_entry(key_group, key, value);
    return;
  }
  auto it = std::find_if(restored_.begin(), restored_.end(),
                         [&](const restored_state& r) { return r.meta.name == state.name; });
  if (it == restored_.end()) {
    restored_.push_back({state, {}});
    it = std::prev(restored_.end());
  } else if (it->meta != state) {
    throw exception(ec::corrupt_file,
                    "keyed state '" + state.name + "': restored entries disagree on its type ("
                      + kind_name(it->meta.kind) + " state, fingerprint "
                      + hex(it->meta.type_fingerprint) + " vs " + kind_name(state.kind)
                      + " state, fingerprint " + hex(state.type_fingerprint) + ")");
  }
  it->entries.push_back({key_group, std::string{key}, std::string{value}});
}

std::vector<std::string> keyed_state_backend::unclaimed_restored_states() const {
  std::vector<std::string> result;
  result.reserve(restored_.size());
  for (const auto& restored : restored_)
    result.push_back(restored.meta.name);
  return result;
}

void keyed_state_backend::claim_restored(keyed_state_base& state) {
  auto it = std::find_if(restored_.begin(), restored_.end(),
                         [&](const restored_state& r) { return r.meta.name == state.name(); });
  if (it == restored_.end())
    return;
  check_restored_type(state, it->meta);
  for (const auto& e : it->entries)
    state.restore_entry(e.key_group, e.key, e.value);
  restored_.erase(it);
}

keyed_state_base* keyed_state_backend::find_state(std::string_view name) const noexcept {
  for (const auto& state : states_)
    if (state->name() == name)
      return state.get();
  return nullptr;
}

void keyed_state_backend::throw_type_mismatch(const keyed_state_base& existing,
                                              const std::type_info& requested) {
  throw exception(ec::state_type_mismatch,
                  "state '" + existing.name() + "' is registered as "
                    + type_name(existing.state_type()) + " and cannot be accessed as "
                    + type_name(requested));
}

} // namespace sluice
