// Stored outputs and tasks over HTTP; see task_routes.hpp.
#include "api/task_routes.hpp"

#include <boost/json/serialize.hpp>

#include "contracts/store/store_error.hpp"
#include "outputs/stored_completion.hpp"
#include "tasks/response_views.hpp"
#include "tasks/task_record.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

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
      r = json_response(task_response_json(*t));
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
      r = json_response(response_json(*output));
    else if (task && task->path == "/v1/responses")
      r = json_response(task_response_json(*task));
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
  bool store_away = false;
  try {
    if (key)
      r = co_await (this->*body)(ex.request(), surface, key.value());
    else
      r = surface.render_error(key.error());
  } catch (const StoreUnavailable&) {
    store_away = true;  // answered below: no co_await in a handler
  }
  if (store_away)
    r = surface.render_error(ApiError::unavailable(
        "The gateway's store cannot be reached right now; try again shortly."));
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
