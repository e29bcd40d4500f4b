// Task submissions; see task_submission.hpp.
#include "tasks/task_submission.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/random.hpp"
#include "tasks/callback_target.hpp"

namespace glmgate {

namespace json = boost::json;

namespace {

bool is_localhost_name(std::string host) {
  for (auto& c : host)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!host.empty() && host.back() == '.')
    host.pop_back();
  // RFC 6761: these names are loopback wherever they are looked up.
  return host == "localhost" || host.ends_with(".localhost");
}

}  // namespace

std::optional<ApiError> check_callback_url(const std::string& url, const KeyInfo& key,
                                           const TaskSubmissionRules& rules) {
  auto invalid = [](std::string message) {
    return ApiError::invalid_request("`callback_url` " + std::move(message), "callback_url",
                                     "invalid_value");
  };
  std::string why;
  auto target = parse_callback_url(url, why);
  if (!target) return invalid(why + ".");
  if (!rules.allow_private) {
    std::optional<std::string> refused;
    if (auto literal = literal_address(target->host))
      refused = refused_target(*literal, rules.host);
    else if (is_localhost_name(target->host))
      refused = "loopback (RFC 6761)";
    if (refused)
      return invalid("points to a private or loopback address, which this gateway does not call: " +
                     target->host + " is " + *refused + ".");
  }
  if (key.account_id.empty())
    return ApiError::invalid_request("Keys without an account cannot take callbacks.",
                                     "callback_url", "invalid_value");
  return std::nullopt;
}

Result<TaskRecord> parse_task_submission(const std::string& text, const KeyInfo& key,
                                         const TaskSubmissionRules& rules) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object())
    return ApiError::invalid_request("The request body must be a JSON object.");
  const auto& in = parsed.get_object();
  auto path = in.find("path");
  if (path == in.end() || !path->value().is_string())
    return ApiError::invalid_request(
        "`path` is required: the endpoint to run, e.g. /v1/chat/completions.", "path",
        "missing_required_parameter");
  auto body = in.find("body");
  if (body == in.end() || !body->value().is_object())
    return ApiError::invalid_request("`body` is required: the request to run, as an object.",
                                     "body", "missing_required_parameter");
  TaskRecord record;
  record.path = std::string(path->value().get_string());
  if (!rules.surface_for(record.path))
    return ApiError::invalid_request(
        "A task cannot run `" + record.path +
            "`: use /v1/chat/completions, /v1/messages, /v1/responses or "
            "/v1beta/models/{model}:generateContent.",
        "path", "invalid_value");
  const auto& request = body->value().get_object();
  if (auto s = request.find("stream");
      s != request.end() && s->value().is_bool() && s->value().get_bool())
    return ApiError::invalid_request("A task cannot stream; its result is kept for polling.",
                                     "body.stream", "invalid_value");
  if (auto cb = in.find("callback_url"); cb != in.end() && !cb->value().is_null()) {
    if (!cb->value().is_string())
      return ApiError::invalid_request("`callback_url` must be a string.", "callback_url");
    record.callback_url = std::string(cb->value().get_string());
    if (auto refused = check_callback_url(record.callback_url, key, rules)) return *refused;
    record.webhook = "pending";
  }
  record.id = random_id("task_", 24);
  record.account_id = key.account_id;
  record.key_id = key.id;
  record.body = json::serialize(request);
  return record;
}

}  // namespace glmgate
