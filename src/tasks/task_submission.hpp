// What POST /v1/tasks accepts: `{path, body, callback_url?}` read into the task to queue, or the
// 400 that names the field at fault. The callback URL is checked here, at submit, against the
// special-purpose address blocks and this host's addresses when its host is an address literal
// (or a localhost name); a host name is checked again once resolved, at delivery. Pure apart from
// the snapshot of host addresses it reads; thread-safe.
#pragma once

#include <functional>
#include <string>

#include "accounts/key_cache.hpp"
#include "contracts/records.hpp"
#include "core/api_error.hpp"

namespace glmgate {

class HostAddresses;
class Surface;

struct TaskSubmissionRules {
  // The surface that serves a path, or null (paths a task cannot target).
  std::function<const Surface*(const std::string& path)> surface_for;
  bool allow_private = false;  // webhook_allow_private: no target check
  const HostAddresses* host = nullptr;
};

// The task (id, account, key, path, body, callback) for `text`, not yet queued.
Result<TaskRecord> parse_task_submission(const std::string& text, const KeyInfo& key,
                                         const TaskSubmissionRules& rules);

// The 400 for a callback URL this gateway will not call, or nullopt.
std::optional<ApiError> check_callback_url(const std::string& url, const KeyInfo& key,
                                           const TaskSubmissionRules& rules);

}  // namespace glmgate
