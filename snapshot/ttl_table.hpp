// Time-to-live over any table (see state_ttl_config in state_descriptor.hpp):
// `ttl_table<V, Codec>` is a state_table<V> that keeps each value with the
// time of its last write (`ttl_slot`) in an inner table of either backend.
//
// Reads of an expired entry see nothing (never_return_expired) and remove it;
// a snapshot leaves expired entries out (checked against the clock once, when
// the synchronous part runs). Stored form: 8 bytes big-endian timestamp
// (milliseconds of the backend's clock) followed by the value's own codec.
#pragma once

#include "snapshot/error.hpp"
#include "snapshot/state_descriptor.hpp"
#include "snapshot/state_table.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace sluice {

/// A value and the time it was last written (or read, per update type).
template <class V>
struct ttl_slot {
  V value;
  int64_t stamp = 0;
};

namespace detail {

inline void put_stamp(int64_t stamp, std::string& out) {
  auto u = static_cast<uint64_t>(stamp);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((u >> shift) & 0xFF));
}

inline int64_t get_stamp(std::string_view bytes) {
  uint64_t u = 0;
  for (size_t i = 0; i < 8; ++i)
    u = (u << 8) | static_cast<uint8_t>(bytes[i]);
  return static_cast<int64_t>(u);
}

/// Drops entries expired at `now` while encoding a snapshot.
class ttl_filter_copy final : public keyed_state_copy {
public:
  ttl_filter_copy(std::unique_ptr<const keyed_state_copy> inner, int64_t ttl, int64_t now)
    : inner_(std::move(inner)), ttl_(ttl), now_(now) {
  }

  size_t size() const noexcept override {
    return inner_->size();
  }

  void encode_to(keyed_entry_sink& sink) const override {
    struct filter final : keyed_entry_sink {
      keyed_entry_sink* out;
      int64_t ttl;
      int64_t now;
      void add(uint32_t key_group, std::string_view key, std::string_view value) override {
        if (value.size() >= 8 && get_stamp(value) + ttl > now)
          out->add(key_group, key, value);
      }
      void add_deleted(uint32_t key_group, std::string_view key) override {
        out->add_deleted(key_group, key);
      }
    } f;
    f.out = &sink;
    f.ttl = ttl_;
    f.now = now_;
    inner_->encode_to(f);
  }

private:
  std::unique_ptr<const keyed_state_copy> inner_;
  int64_t ttl_;
  int64_t now_;
};

} // namespace detail

/// The stored form of a value with time-to-live.
template <class Codec>
struct ttl_codec {
  static constexpr bool serializable = Codec::serializable;

  template <class V>
  static void encode(const ttl_slot<V>& slot, std::string& out) {
    detail::put_stamp(slot.stamp, out);
    Codec::encode(slot.value, out);
  }

  static auto decode(std::string_view bytes, const std::string& what) {
    if (bytes.size() < 8)
      throw exception(ec::corrupt_file,
                      what + ": an entry of " + std::to_string(bytes.size())
                        + " bytes is too short for its time-to-live timestamp");
    using value_type = decltype(Codec::decode(bytes, what));
    return ttl_slot<value_type>{Codec::decode(bytes.substr(8), what),
                                detail::get_stamp(bytes)};
  }

  template <class V>
  static bool empty(const ttl_slot<V>& slot) {
    return Codec::empty(slot.value);
  }
};

template <class V>
class ttl_table final : public state_table<V> {
public:
  using clock_function = std::function<int64_t()>;

  ttl_table(std::unique_ptr<state_table<ttl_slot<V>>> inner, state_ttl_config cfg,
            clock_function clock)
    : inner_(std::move(inner)), cfg_(cfg), ttl_(cfg.ttl.count()), clock_(std::move(clock)) {
  }

  const V* find() override {
    const auto* slot = inner_->find();
    if (slot == nullptr)
      return nullptr;
    auto now = clock_();
    if (expired(*slot, now)) {
      if (cfg_.expired == state_ttl_config::visibility::return_expired_if_not_cleaned_up)
        return &slot->value;
      inner_->erase();
      return nullptr;
    }
    if (cfg_.update == state_ttl_config::update_type::on_read_and_write) {
      auto* writable = inner_->find_for_update();
      writable->stamp = now;
      return &writable->value;
    }
    return &slot->value;
  }

  V* find_for_update() override {
    const auto* slot = inner_->find();
    if (slot == nullptr)
      return nullptr;
    auto now = clock_();
    if (expired(*slot, now)
        && cfg_.expired == state_ttl_config::visibility::never_return_expired) {
      inner_->erase();
      return nullptr;
    }
    auto* writable = inner_->find_for_update();
    writable->stamp = now;
    return &writable->value;
  }

  V& insert(V v) override {
    return inner_->insert(ttl_slot<V>{std::move(v), clock_()}).value;
  }

  bool erase() override {
    return inner_->erase();
  }

  size_t size() const noexcept override {
    return inner_->size();
  }

  void for_each_in_key_group(
    uint32_t key_group, const std::function<void(std::string_view, const V&)>& f) override {
    auto now = clock_();
    inner_->for_each_in_key_group(key_group,
                                  [&](std::string_view key, const ttl_slot<V>& slot) {
                                    if (!expired(slot, now))
                                      f(key, slot.value);
                                  });
  }

  std::unique_ptr<const keyed_state_copy> snapshot() override {
    return std::make_unique<const detail::ttl_filter_copy>(inner_->snapshot(), ttl_, clock_());
  }

  void restore_encoded(uint32_t key_group, std::string_view key, std::string_view bytes,
                       const std::string& what) override {
    inner_->restore_encoded(key_group, key, bytes, what);
  }

  void restore_erase(uint32_t key_group, std::string_view key) override {
    inner_->restore_erase(key_group, key);
  }

  void end_batch() override {
    inner_->end_batch();
  }

  size_t copied_entries() const noexcept override {
    return inner_->copied_entries();
  }

  changed_keys take_changes() override {
    return inner_->take_changes();
  }

  std::unique_ptr<const keyed_state_copy> delta(const changed_keys& keys) override {
    return std::make_unique<const detail::ttl_filter_copy>(inner_->delta(keys), ttl_, clock_());
  }

private:
  bool expired(const ttl_slot<V>& slot, int64_t now) const noexcept {
    return slot.stamp + ttl_ <= now;
  }

  std::unique_ptr<state_table<ttl_slot<V>>> inner_;
  state_ttl_config cfg_;
  int64_t ttl_;
  clock_function clock_;
};

} // namespace sluice
