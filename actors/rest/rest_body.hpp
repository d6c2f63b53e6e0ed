// Request bodies of the REST endpoint's POST handlers, parsed from JSON
// text into the backend's request structs (Flink's SavepointTriggerRequest
// Body, StopWithSavepointRequestBody, CheckpointTriggerRequestBody).
//
// Rules, as Flink's strict request mapper: an empty (or all-blank) body
// means "all defaults"; otherwise the body is one JSON object whose fields
// are all known (a misspelt field is an error, not silently a default),
// each of its type or null (= absent). Nesting deeper than 32 levels is
// rejected before parsing. Errors are messages for a 400 answer, naming
// the field. Pure functions, any thread.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "actors/rest/rest_backend.hpp"

namespace sluice::rest_body {

/// The parsed request, or why the body is malformed.
template <class T>
using parsed = std::variant<T, std::string>;

/// `POST /jobs/{id}/savepoints`: "target-directory" (non-empty string),
/// "cancel-job" (bool), "triggerId" (32 lowercase hex), "formatType"
/// ("CANONICAL" or "NATIVE").
parsed<rest_savepoint_request> savepoint_request(std::string_view body);

/// `POST /jobs/{id}/stop`: "targetDirectory", "drain", "triggerId",
/// "formatType".
parsed<rest_stop_request> stop_request(std::string_view body);

/// `POST /jobs/{id}/checkpoints`: "checkpointType" ("CONFIGURED", "FULL",
/// "INCREMENTAL"), "triggerId".
parsed<rest_checkpoint_request> checkpoint_request(std::string_view body);

} // namespace sluice::rest_body
