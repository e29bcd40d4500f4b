// Responses objects of stored outputs and tasks; see response_views.hpp.
#include "tasks/response_views.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "canonical/json_checks.hpp"
#include "outputs/stored_completion.hpp"
#include "surfaces/responses/responses_request.hpp"
#include "surfaces/responses/responses_response.hpp"
#include "tasks/task_record.hpp"

namespace glmgate {

namespace json = boost::json;

namespace {

json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

}  // namespace

// A stored output as a Responses object, with the fields its request asked to echo.
std::string response_json(const StoredOutput& o) {
  json::object context = parse_object(o.context);
  json::object echo;
  if (auto e = context.find("echo"); e != context.end() && e->value().is_object())
    echo = e->value().get_object();
  // Both arms string_view: with a "" arm the result would be a temporary std::string.
  std::string_view status = o.status == task_status::kCancelled || o.status == task_status::kFailed
                                ? std::string_view(o.status)
                                : std::string_view();
  return json::serialize(responses::response_from_completion(stored_completion(o), echo, status));
}

// A background response that has no output (yet, or ever) as a Responses object.
std::string task_response_json(const TaskRecord& t) {
  // A task's body is the request until the task ends, then only its model and echoed fields.
  json::object body = parse_object(t.body);
  json::object echo = responses::echo_fields(body);
  std::string model(string_or_empty(body, "model"));
  json::object r = responses::response_object(t.id, model, t.created_at / 1000, t.status, "",
                                              json::array(), std::nullopt, echo);
  if (t.status == task_status::kFailed) {
    json::object body = parse_object(t.result);
    json::object error{{"code", "server_error"}, {"message", "The response failed."}};
    if (auto e = body.find("error"); e != body.end() && e->value().is_object()) {
      const auto& eo = e->value().get_object();
      if (auto c = eo.find("code"); c != eo.end() && c->value().is_string())
        error["code"] = c->value();
      if (auto m = eo.find("message"); m != eo.end()) error["message"] = m->value();
    }
    r["error"] = std::move(error);
  }
  return json::serialize(r);
}

}  // namespace glmgate
