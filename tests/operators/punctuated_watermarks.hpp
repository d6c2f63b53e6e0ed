// A punctuated watermark generator for tests: after every record that
// raises the highest timestamp, the watermark highest - 1, and nothing
// periodic (so which records are late depends on record order alone, not
// on timing).
#pragma once

#include "operators/watermark_strategy.hpp"

namespace sluice::testing {

class every_event_watermarks final : public watermark_generator {
public:
  void on_event(timestamp t, watermark_output& out) override {
    if (t > highest_) {
      highest_ = t;
      out.emit_watermark(t - 1);
    }
  }
  void on_periodic_emit(watermark_output&) override {
  }

private:
  timestamp highest_ = min_timestamp;
};

} // namespace sluice::testing
