// Stored outputs and tasks over HTTP; see task_routes.hpp.
#include "api/task_routes.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "canonical/json_checks.hpp"
#include "outputs/stored_completion.hpp"
#include "surfaces/responses/responses_request.hpp"
#include "surfaces/responses/responses_response.hpp"
#include "tasks/task_record.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

// A stored output as a Responses object, with the fields its request asked to echo.
std::string render_response(const StoredOutput& o) {
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
std::string render_task_response(const TaskRecord& t) {
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

HttpResponse json_response(std::string body) {
  return HttpResponse{200, "application/json", {}, std::move(body)};
}

}  // namespace

asio::awaitable<HttpResponse> TaskRoutes::response_by_id(const HttpRequest& req,
                                                         const Surface& surface,
                                                         std::shared_ptr<const KeyInfo> key) const {
  std::string id(req.param("id"));
  const std::string& account = key->account_id;
  ApiError missing = ApiError::not_found("Response with id '" + id + "' not found.");
  HttpResponse r;
  if (req.method == "POST") {  // POST /v1/responses/{id}/cancel
    auto t = co_await parts_.tasks.cancel(id, account);
    if (!t)
      r = surface.render_error(t.error().status == 404 ? missing : t.error());
    else
      r = json_response(render_task_response(*t));
  } else if (req.method == "DELETE") {
    auto remove = [this, id, account] { return parts_.outputs.remove(id, account); };
    bool removed = co_await parts_.pool.run(std::move(remove));
    if (removed)
      r = json_response(json::serialize(
          json::object{{"id", id}, {"object", "response.deleted"}, {"deleted", true}}));
    else
      r = surface.render_error(missing);
  } else {
    auto find = [this, id, account] { return parts_.outputs.find(id, account); };
    auto output = co_await parts_.pool.run(std::move(find));
    std::optional<TaskRecord> task;
    if (!output) task = co_await parts_.tasks.find(id, account);
    if (output)
      r = json_response(render_response(*output));
    else if (task && task->path == "/v1/responses")
      r = json_response(render_task_response(*task));
    else
      r = surface.render_error(missing);
  }
  co_return r;
}

asio::awaitable<HttpResponse> TaskRoutes::completion_by_id(
    const HttpRequest& req, const Surface& surface, std::shared_ptr<const KeyInfo> key) const {
  std::string id(req.param("id"));
  const std::string& account = key->account_id;
  ApiError missing =
      ApiError::not_found("No chat completion found with id '" + id + "'.", "not_found");
  HttpResponse r;
  if (req.method == "DELETE") {
    auto remove = [this, id, account] { return parts_.outputs.remove(id, account); };
    bool removed = co_await parts_.pool.run(std::move(remove));
    r = removed ? json_response(json::serialize(json::object{
                      {"id", id}, {"object", "chat.completion.deleted"}, {"deleted", true}}))
                : surface.render_error(missing);
  } else {
    auto find = [this, id, account] { return parts_.outputs.find(id, account); };
    auto output = co_await parts_.pool.run(std::move(find));
    r = output ? json_response(json::serialize(stored_completion(*output)))
               : surface.render_error(missing);
  }
  co_return r;
}

asio::awaitable<HttpResponse> TaskRoutes::create_task(const HttpRequest& req,
                                                      const Surface& surface,
                                                      std::shared_ptr<const KeyInfo> key) const {
  Headers limits;
  auto task = co_await parts_.tasks.submit(key, req.body, limits);
  HttpResponse r = task ? json_response(task_json(*task)) : surface.render_error(task.error());
  for (auto& h : limits)
    r.headers.push_back(std::move(h));
  co_return r;
}

asio::awaitable<HttpResponse> TaskRoutes::task_by_id(const HttpRequest& req, const Surface& surface,
                                                     std::shared_ptr<const KeyInfo> key) const {
  std::string id(req.param("id"));
  const std::string& account = key->account_id;
  ApiError missing = ApiError::not_found("No task found with id '" + id + "'.");
  HttpResponse r;
  if (req.method == "POST") {  // POST /v1/tasks/{id}/cancel
    auto t = co_await parts_.tasks.cancel(id, account);
    r = t ? json_response(task_json(*t))
          : surface.render_error(t.error().status == 404 ? missing : t.error());
  } else {
    auto t = co_await parts_.tasks.find(id, account);
    r = t ? json_response(task_json(*t)) : surface.render_error(missing);
  }
  co_return r;
}

asio::awaitable<void> TaskRoutes::serve(Exchange& ex, const Surface& surface, Body body) const {
  auto key = parts_.pipeline.authenticate(surface, ex.request());
  if (!key) key = co_await parts_.pipeline.authenticate_missed(surface, ex.request(), key.error());
  HttpResponse r;
  if (key)
    r = co_await (this->*body)(ex.request(), surface, key.value());
  else
    r = surface.render_error(key.error());
  co_await ex.respond(std::move(r));
}

void TaskRoutes::register_on(Router& router) const {
  auto responses = [this](Exchange& ex) {
    return serve(ex, parts_.responses, &TaskRoutes::response_by_id);
  };
  router.add("GET", "/v1/responses/{id}", responses);
  router.add("DELETE", "/v1/responses/{id}", responses);
  router.add("POST", "/v1/responses/{id}/cancel", responses);
  auto completions = [this](Exchange& ex) {
    return serve(ex, parts_.openai, &TaskRoutes::completion_by_id);
  };
  router.add("GET", "/v1/chat/completions/{id}", completions);
  router.add("DELETE", "/v1/chat/completions/{id}", completions);
  router.add("POST", "/v1/tasks",
             [this](Exchange& ex) { return serve(ex, parts_.openai, &TaskRoutes::create_task); });
  auto tasks = [this](Exchange& ex) { return serve(ex, parts_.openai, &TaskRoutes::task_by_id); };
  router.add("GET", "/v1/tasks/{id}", tasks);
  router.add("POST", "/v1/tasks/{id}/cancel", tasks);
}

}  // namespace glmgate
