// A response of the Responses API as GET /v1/responses/{id} and a background submission show
// it: from its stored output once it has one, else from its task (queued, in progress, failed,
// cancelled). Pure functions; thread-safe.
#pragma once

#include <string>

#include "contracts/records.hpp"

namespace glmgate {

// A stored output as a Responses object, with the fields its request asked to echo.
std::string response_json(const StoredOutput& output);

// A background response that has no output (yet, or ever) as a Responses object: its model and
// echoed fields from the task's request (or the summary an ended task keeps), its error when
// it failed.
std::string task_response_json(const TaskRecord& task);

}  // namespace glmgate
