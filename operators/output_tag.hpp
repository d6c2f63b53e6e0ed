// Names a side output of an operator (Flink's OutputTag<T>): a second
// stream of records of type T next to the operator's main output, e.g. the
// late elements of a window:
//
//   output_tag<click> late{"late-clicks"};
//   auto counts = keyed.window(...).side_output_late_data(late).aggregate(...);
//   auto late_clicks = counts.get_side_output(late); // a stream<click>
//
// The id names the side output within its operator; tags are compared by
// id, and `get_side_output` checks that the operator declared the id with
// the same record type.
#pragma once

#include <map>
#include <string>
#include <typeinfo>
#include <utility>

#include "snapshot/error.hpp"

namespace sluice {

template <class T>
class output_tag {
public:
  using value_type = T;

  /// Throws sluice::exception(ec::invalid_argument) for an empty id.
  explicit output_tag(std::string id) : id_(std::move(id)) {
    if (id_.empty())
      throw exception(ec::invalid_argument, "an output tag needs a non-empty id");
  }

  const std::string& id() const noexcept {
    return id_;
  }

private:
  std::string id_;
};

/// The side outputs of an operator that may emit on any tag without
/// declaring it up front (a keyed process function's `ctx.output`):
/// `get_side_output` records here which record type each tag is read as
/// while the job is defined; the operator reads it at run time (no writes
/// then, so its subtasks share it).
class side_output_types {
public:
  /// Records that `tag` is read as records of `type`. Throws
  /// sluice::exception(ec::invalid_job_graph) when it is read as another
  /// type already.
  void read_as(const std::string& tag, const std::type_info& type) {
    auto [it, added] = types_.emplace(tag, &type);
    if (!added && *it->second != type)
      throw exception(ec::invalid_job_graph,
                      "side output '" + tag + "' is read as two different record types");
  }

  /// The type `tag` is read as; nullptr when nothing reads it.
  const std::type_info* reader(const std::string& tag) const {
    auto it = types_.find(tag);
    return it == types_.end() ? nullptr : it->second;
  }

private:
  std::map<std::string, const std::type_info*> types_;
};

} // namespace sluice
