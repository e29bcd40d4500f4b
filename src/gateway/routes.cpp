// Public routes: the OpenAI chat and Anthropic Messages surfaces, count_tokens, the model catalog
// in OpenAI's list shape, /healthz.
// The model list is serialized once at start-up; handlers only copy it.
#include "gateway/routes.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "surfaces/anthropic/anthropic_surface.hpp"
#include "surfaces/anthropic/messages_request.hpp"
#include "surfaces/gemini/gemini_surface.hpp"
#include "surfaces/gemini/generate_response.hpp"
#include "surfaces/openai/openai_surface.hpp"
#include "surfaces/responses/responses_surface.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::int64_t kCatalogCreated = 1735689600;  // fixed, so listings are stable

json::value usd_per_mtok(NanoUsd nano) {
  return json::value(static_cast<double>(nano) / static_cast<double>(kNanoPerUsd));
}

json::object model_json(const ModelConfig& m) {
  return json::object{
      {"id", m.id},
      {"object", "model"},
      {"created", kCatalogCreated},
      {"owned_by", m.provider},
      {"context_window", m.context_window},
      {"max_output_tokens", m.max_output_tokens},
      {"supports_tools", m.tools},
      {"supports_reasoning", m.reasoning},
      {"pricing",
       {{"currency", "USD"},
        {"unit", "1M tokens"},
        {"input", usd_per_mtok(m.input_price_per_mtok)},
        {"cached_input", usd_per_mtok(m.cached_input_price_per_mtok)},
        {"output", usd_per_mtok(m.output_price_per_mtok)}}},
  };
}

}  // namespace

PublicRoutes::PublicRoutes(const Pipeline& pipeline)
    : pipeline_(pipeline),
      openai_(std::make_unique<openai::OpenAiSurface>()),
      anthropic_(std::make_unique<anthropic::AnthropicSurface>()),
      gemini_(std::make_unique<gemini::GeminiSurface>()),
      responses_(std::make_unique<responses::ResponsesSurface>()) {
  json::array data, gemini_data;
  for (const auto& m : pipeline.catalog().config().models) {
    auto obj = model_json(m);
    model_bodies_[m.id] = json::serialize(obj);
    data.push_back(std::move(obj));
    auto g = gemini::model_entry(m);
    gemini_model_bodies_[m.id] = json::serialize(g);
    gemini_data.push_back(std::move(g));
  }
  gemini_list_body_ = json::serialize(json::object{{"models", std::move(gemini_data)}});
  list_body_ = json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

PublicRoutes::~PublicRoutes() = default;

asio::awaitable<void> PublicRoutes::list_models(Exchange& ex) const {
  auto key = pipeline_.authenticate(*openai_, ex.request());
  if (!key) {
    HttpResponse r = openai_->render_error(key.error());
    co_await ex.respond(std::move(r));
    co_return;
  }
  HttpResponse r{200, "application/json", {}, list_body_};
  co_await ex.respond(std::move(r));
}

asio::awaitable<void> PublicRoutes::get_model(Exchange& ex) const {
  auto key = pipeline_.authenticate(*openai_, ex.request());
  if (!key) {
    HttpResponse r = openai_->render_error(key.error());
    co_await ex.respond(std::move(r));
    co_return;
  }
  std::string id = ex.request().path.substr(std::string_view("/v1/models/").size());
  auto it = model_bodies_.find(id);
  if (it == model_bodies_.end()) {
    HttpResponse r = openai_->render_error(ApiError::model_not_found(id));
    co_await ex.respond(std::move(r));
    co_return;
  }
  HttpResponse r{200, "application/json", {}, it->second};
  co_await ex.respond(std::move(r));
}

// An estimate in Anthropic's shape; needs a valid key, costs nothing.
asio::awaitable<void> PublicRoutes::count_tokens(Exchange& ex) const {
  HttpResponse r;
  auto key = pipeline_.authenticate(*anthropic_, ex.request());
  if (!key) {
    r = anthropic_->render_error(key.error());
  } else {
    json::monotonic_resource arena(4096);
    auto decoded =
        anthropic::decode_messages_request(ex.request().body, json::storage_ptr(&arena), false);
    if (!decoded)
      r = anthropic_->render_error(decoded.error());
    else
      r.body = json::serialize(
          json::object{{"input_tokens", anthropic::estimate_input_tokens(decoded->body)}});
  }
  co_await ex.respond(std::move(r));
}

// GET /v1beta/models and /v1beta/models/{model} in Gemini's shape.
asio::awaitable<void> PublicRoutes::gemini_models(Exchange& ex) const {
  HttpResponse r;
  auto key = pipeline_.authenticate(*gemini_, ex.request());
  const std::string& path = ex.request().path;
  if (!key) {
    r = gemini_->render_error(key.error());
  } else if (path == "/v1beta/models" || path == "/v1beta/models/") {
    r.body = gemini_list_body_;
  } else {
    std::string id = path.substr(gemini::kModelsPath.size());
    auto it = gemini_model_bodies_.find(id);
    if (it != gemini_model_bodies_.end())
      r.body = it->second;
    else
      r = gemini_->render_error(ApiError::model_not_found(id));
  }
  co_await ex.respond(std::move(r));
}

const Surface* PublicRoutes::surface_for(const std::string& path) const {
  if (path == "/v1/chat/completions") return openai_.get();
  if (path == "/v1/messages") return anthropic_.get();
  if (path == "/v1/responses") return responses_.get();
  if (path.rfind(gemini::kModelsPath, 0) == 0 && path.ends_with(":generateContent"))
    return gemini_.get();
  return nullptr;
}

void PublicRoutes::register_on(Router& router) const {
  const Surface* openai = openai_.get();
  const Surface* anthropic = anthropic_.get();
  router.set_error_renderer("/", [openai](const ApiError& e) { return openai->render_error(e); });
  router.set_error_renderer("/v1/messages",
                            [anthropic](const ApiError& e) { return anthropic->render_error(e); });
  router.add("POST", "/v1/messages",
             [this, anthropic](Exchange& ex) { return pipeline_.generate(*anthropic, ex); });
  router.add("POST", "/v1/messages/count_tokens",
             [this](Exchange& ex) { return count_tokens(ex); });
  const Surface* gemini = gemini_.get();
  router.set_error_renderer("/v1beta",
                            [gemini](const ApiError& e) { return gemini->render_error(e); });
  router.add_prefix("POST", std::string(gemini::kModelsPath),
                    [this, gemini](Exchange& ex) { return pipeline_.generate(*gemini, ex); });
  router.add("GET", "/v1beta/models", [this](Exchange& ex) { return gemini_models(ex); });
  router.add_prefix("GET", std::string(gemini::kModelsPath),
                    [this](Exchange& ex) { return gemini_models(ex); });
  const Surface* responses = responses_.get();
  router.add("POST", "/v1/responses",
             [this, responses](Exchange& ex) { return pipeline_.generate(*responses, ex); });
  router.add("POST", "/v1/chat/completions",
             [this, openai](Exchange& ex) { return pipeline_.generate(*openai, ex); });
  router.add("GET", "/v1/models", [this](Exchange& ex) { return list_models(ex); });
  router.add_prefix("GET", "/v1/models/", [this](Exchange& ex) { return get_model(ex); });
  router.add("GET", "/healthz", [](Exchange& ex) -> asio::awaitable<void> {
    HttpResponse r{200, "application/json", {}, R"({"status":"ok"})"};
    co_await ex.respond(std::move(r));
  });
}

}  // namespace glmgate
