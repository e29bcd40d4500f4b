// Task shapes; see task_record.hpp.
#include "tasks/task_record.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/clock.hpp"
#include "surfaces/responses/responses_request.hpp"

namespace glmgate {

namespace json = boost::json;

namespace {

json::value parse_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

}  // namespace

bool is_ended(std::string_view s) {
  return s == task_status::kCompleted || s == task_status::kFailed || s == task_status::kCancelled;
}

json::object task_object(const TaskRecord& t) {
  json::value result = nullptr, error = nullptr;
  if (t.status == task_status::kCompleted) {
    result = parse_or_null(t.result);
  } else if (t.status == task_status::kFailed) {
    json::value body = parse_or_null(t.result);
    if (body.is_object() && body.get_object().contains("error"))
      error = body.get_object().at("error");
    else
      error = body;
  }
  auto opt = [](const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); };
  return json::object{{"id", t.id},
                      {"object", "task"},
                      {"status", t.status},
                      {"path", t.path},
                      {"created_at", t.created_at / 1000},
                      {"updated_at", t.updated_at / 1000},
                      {"callback_url", opt(t.callback_url)},
                      {"webhook_status", opt(t.webhook)},
                      {"output_id", opt(t.output_id)},
                      {"http_status", t.http_status ? json::value(t.http_status) : nullptr},
                      {"result", std::move(result)},
                      {"error", std::move(error)}};
}

std::string task_json(const TaskRecord& task) {
  return json::serialize(task_object(task));
}

std::string task_event_json(const TaskRecord& task) {
  return json::serialize(json::object{{"type", "task." + task.status},
                                      {"timestamp", iso_utc(task.updated_at)},
                                      {"data", task_object(task)}});
}

std::string webhook_id(const TaskRecord& task) {
  return "msg_" + task.id + "_" + task.status;
}

std::string task_request_id(const std::string& task_id) {
  return task_id.rfind("task_", 0) == 0 ? task_id : "task_" + task_id;
}

std::string summary_of(const TaskRecord& t) {
  if (t.path != "/v1/responses") return {};
  json::value parsed = parse_or_null(t.body);
  json::object body = parsed.is_object() ? std::move(parsed.get_object()) : json::object();
  json::object kept = responses::echo_fields(body);
  if (auto m = body.find("model"); m != body.end()) kept["model"] = m->value();
  return json::serialize(kept);
}

std::string task_error_body(std::string_view type, std::string_view code,
                            std::string_view message) {
  return json::serialize(json::object{
      {"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}});
}

}  // namespace glmgate
