// What a task looks like to clients and what it keeps: the task object of GET /v1/tasks/{id} and
// of webhooks, the request ID its charges carry, and the summary an ended task keeps instead of
// its input. Pure functions; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "contracts/records.hpp"

namespace glmgate {

bool is_ended(std::string_view status);

// {id, object: "task", status, path, created_at, updated_at, callback_url, webhook_status,
// output_id, http_status, result (the surface's response), error}.
boost::json::object task_object(const TaskRecord& task);
std::string task_json(const TaskRecord& task);
// The webhook body: {type: "task.<status>", timestamp (ISO 8601), data: the task object}.
std::string task_event_json(const TaskRecord& task);

// The webhook-id of the task's event (its end): the same for every send of it, by any server, so
// that a receiver drops a second one (a sender that died mid-send is replaced by another).
std::string webhook_id(const TaskRecord& task);

// "task_" + the task's ID unless it already starts so: a task run's request ID, which its charges
// carry (recovery looks them up by it).
std::string task_request_id(const std::string& task_id);

// What an ended task keeps of its request: a background response's model and echoed fields (its
// response object shows them), nothing of the input.
std::string summary_of(const TaskRecord& task);

// An OpenAI-shaped error body for a task that failed inside the gateway.
std::string task_error_body(std::string_view type, std::string_view code, std::string_view message);

}  // namespace glmgate
