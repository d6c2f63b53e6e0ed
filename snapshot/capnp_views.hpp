// Views of Cap'n Proto blobs as std::string_view (no copy): the readers of
// the snapshot files (state files, `_metadata`) share these. The view is
// valid as long as the message it points into.
#pragma once

#include <string_view>

#include <capnp/blob.h>

namespace sluice {

inline std::string_view view_of(capnp::Data::Reader d) {
  return {reinterpret_cast<const char*>(d.begin()), d.size()};
}

inline std::string_view view_of(capnp::Text::Reader t) {
  return {t.begin(), t.size()};
}

} // namespace sluice
