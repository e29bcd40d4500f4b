// Routes over stored outputs and background tasks: GET / DELETE /v1/responses/{id}, POST
// /v1/responses/{id}/cancel, GET / DELETE /v1/chat/completions/{id}, POST /v1/tasks, GET
// /v1/tasks/{id} and POST /v1/tasks/{id}/cancel. Keys of the owning account only; any other key
// gets the same 404 as an unknown ID. Store reads run on the blocking pool. Owned by the app for
// as long as the router serves; shared by all I/O threads.
#pragma once

#include "core/blocking_pool.hpp"
#include "gateway/pipeline.hpp"
#include "http/router.hpp"
#include "outputs/output_service.hpp"
#include "tasks/task_runner.hpp"

namespace glmgate {

struct TaskRouteParts {
  const Pipeline& pipeline;
  OutputService& outputs;
  TaskRunner& tasks;
  BlockingPool& pool;
  const Surface& openai;
  const Surface& responses;
};

class TaskRoutes {
 public:
  explicit TaskRoutes(TaskRouteParts parts) : parts_(parts) {}
  void register_on(Router& router) const;

 private:
  // A handler's work once `key` is authenticated; its answer in `surface`'s shape.
  using Body = boost::asio::awaitable<HttpResponse> (TaskRoutes::*)(
      const HttpRequest& req, const Surface& surface, std::shared_ptr<const KeyInfo> key) const;
  boost::asio::awaitable<void> serve(Exchange& ex, const Surface& surface, Body body) const;
  boost::asio::awaitable<HttpResponse> response_by_id(const HttpRequest& req,
                                                      const Surface& surface,
                                                      std::shared_ptr<const KeyInfo> key) const;
  boost::asio::awaitable<HttpResponse> completion_by_id(const HttpRequest& req,
                                                        const Surface& surface,
                                                        std::shared_ptr<const KeyInfo> key) const;
  boost::asio::awaitable<HttpResponse> create_task(const HttpRequest& req, const Surface& surface,
                                                   std::shared_ptr<const KeyInfo> key) const;
  boost::asio::awaitable<HttpResponse> task_by_id(const HttpRequest& req, const Surface& surface,
                                                  std::shared_ptr<const KeyInfo> key) const;

  TaskRouteParts parts_;
};

}  // namespace glmgate
