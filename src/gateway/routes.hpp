// The public routes (the OpenAI chat and Anthropic Messages and Gemini surfaces, the model
// catalogs, health). The model list is serialized once at construction; handlers only copy it.
// Owned by the app for as long as the router serves; immutable after construction and shared by all
// threads.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "gateway/pipeline.hpp"
#include "http/router.hpp"

namespace glmgate {

class PublicRoutes {
 public:
  explicit PublicRoutes(const Pipeline& pipeline);
  ~PublicRoutes();
  void register_on(Router& router) const;
  // The surface behind a generation path (for tasks), or null. Streaming paths give null.
  const Surface* surface_for(const std::string& path) const;
  const Surface& openai() const { return *openai_; }
  const Surface& responses() const { return *responses_; }

 private:
  boost::asio::awaitable<void> list_models(Exchange& ex) const;
  boost::asio::awaitable<void> get_model(Exchange& ex) const;
  boost::asio::awaitable<void> count_tokens(Exchange& ex) const;
  boost::asio::awaitable<void> gemini_models(Exchange& ex) const;

  const Pipeline& pipeline_;
  std::unique_ptr<const Surface> openai_;
  std::unique_ptr<const Surface> anthropic_;
  std::unique_ptr<const Surface> gemini_;
  std::unique_ptr<const Surface> responses_;
  std::string gemini_list_body_;
  std::unordered_map<std::string, std::string> gemini_model_bodies_;
  std::string list_body_;
  std::unordered_map<std::string, std::string> model_bodies_;
};

}  // namespace glmgate
