// The public routes (the OpenAI chat, Responses, Anthropic Messages and Gemini surfaces, token
// counts, the model catalogs, health). One table lists the routes that run a generation, by
// surface: it registers them on the router and answers surface_for(), what a task may run. The
// model lists are serialized once at construction; handlers only copy them.
// Owned by the app for as long as the router serves; immutable after construction and shared by
// all threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/model_lists.hpp"
#include "gateway/model_status.hpp"
#include "gateway/pipeline.hpp"
#include "http/router.hpp"

namespace glmgate {

class PublicRoutes {
 public:
  explicit PublicRoutes(const Pipeline& pipeline);
  ~PublicRoutes();
  // GET /status answers from `status` (which outlives this); before register_on().
  void set_status(const ModelStatus* status) { status_ = status; }
  void register_on(Router& router) const;
  // The surface behind a generation path a task may run (not a streaming one), or null.
  const Surface* surface_for(const std::string& path) const;
  const Surface& openai() const { return *openai_; }
  const Surface& responses() const { return *responses_; }

 private:
  struct Generation {
    PathPattern pattern;
    const Surface* surface;
    bool task;  // a task may run it
  };

  boost::asio::awaitable<void> models(Exchange& ex, bool gemini_path) const;
  boost::asio::awaitable<void> count_tokens(Exchange& ex) const;
  boost::asio::awaitable<void> gemini_count_tokens(Exchange& ex) const;

  const Pipeline& pipeline_;
  std::unique_ptr<const Surface> openai_;
  std::unique_ptr<const Surface> anthropic_;
  std::unique_ptr<const Surface> gemini_;
  std::unique_ptr<const Surface> responses_;
  std::vector<Generation> generations_;
  ModelLists model_lists_;
  const ModelStatus* status_ = nullptr;
};

}  // namespace glmgate
