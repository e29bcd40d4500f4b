// Public routes: the OpenAI chat, Responses, Anthropic Messages and Gemini surfaces, Anthropic's
// count_tokens and Gemini's countTokens, the model catalog in the caller's list shape, /healthz.
#include "api/routes.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "canonical/json_checks.hpp"
#include "surfaces/anthropic/anthropic_surface.hpp"
#include "surfaces/anthropic/messages_request.hpp"
#include "surfaces/gemini/count_tokens.hpp"
#include "surfaces/gemini/gemini_surface.hpp"
#include "surfaces/gemini/generate_request.hpp"
#include "surfaces/openai/openai_surface.hpp"
#include "surfaces/responses/responses_surface.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {
// Gemini's paths: under /v1beta/ for older SDKs and the Gemini CLI, under /v1/ for the current
// @google/genai. A model ID may hold '/' ("Qwen/Qwen3-8B") and ':' ("qwen3:8b").
constexpr std::string_view kGeminiRoots[] = {"/v1beta/models/", "/v1/models/"};
}  // namespace

PublicRoutes::PublicRoutes(const Pipeline& pipeline)
    : pipeline_(pipeline),
      openai_(std::make_unique<openai::OpenAiSurface>()),
      anthropic_(std::make_unique<anthropic::AnthropicSurface>()),
      gemini_(std::make_unique<gemini::GeminiSurface>()),
      responses_(std::make_unique<responses::ResponsesSurface>()),
      model_lists_(pipeline.catalog().config().models) {
  auto add = [this](std::string pattern, const Surface& surface, bool task) {
    generations_.push_back({PathPattern(std::move(pattern)), &surface, task});
  };
  add("/v1/chat/completions", *openai_, true);
  add("/v1/messages", *anthropic_, true);
  add("/v1/responses", *responses_, true);
  for (std::string_view root : kGeminiRoots) {
    std::string model = std::string(root) + "{model...}";
    add(model + ":generateContent", *gemini_, true);
    add(model + ":streamGenerateContent", *gemini_, false);
  }
}

PublicRoutes::~PublicRoutes() = default;

// GET /v1/models[/{model}] in the shape of the caller's SDK (see list_shape), and
// /v1beta/models[/{model}] in Gemini's.
asio::awaitable<void> PublicRoutes::models(Exchange& ex, bool gemini_path) const {
  const HttpRequest& request = ex.request();
  ListShape shape = gemini_path ? ListShape::gemini : list_shape(request);
  const Surface& surface = shape == ListShape::gemini      ? *gemini_
                           : shape == ListShape::anthropic ? *anthropic_
                                                           : *openai_;
  HttpResponse r;
  auto key = co_await pipeline_.authenticate_any(surface, request);
  std::string_view id = request.param("model");
  if (!key) {
    r = surface.render_error(key.error());
  } else if (id.empty()) {
    r.body = model_lists_.list(shape);
  } else if (const std::string* body = model_lists_.find(shape, id)) {
    r.body = *body;
  } else {
    r = surface.render_error(ApiError::model_not_found(std::string(id)));
  }
  co_await ex.respond(std::move(r));
}

// An estimate in Anthropic's shape; needs a valid key, costs nothing.
asio::awaitable<void> PublicRoutes::count_tokens(Exchange& ex) const {
  HttpResponse r;
  auto key = co_await pipeline_.authenticate_any(*anthropic_, ex.request());
  if (!key) {
    r = anthropic_->render_error(key.error());
  } else {
    json::monotonic_resource arena(4096);
    auto decoded =
        anthropic::decode_messages_request(ex.request().body, json::storage_ptr(&arena), false);
    if (!decoded)
      r = anthropic_->render_error(decoded.error());
    else
      r.body =
          json::serialize(json::object{{"input_tokens", estimate_prompt_tokens(decoded->body)}});
  }
  co_await ex.respond(std::move(r));
}

// POST {model}:countTokens under either Gemini root.
asio::awaitable<void> PublicRoutes::gemini_count_tokens(Exchange& ex) const {
  std::string model(ex.request().param("model"));
  HttpResponse r;
  auto key = co_await pipeline_.authenticate_any(*gemini_, ex.request());
  if (!key) {
    r = gemini_->render_error(key.error());
  } else if (!pipeline_.catalog().find(model)) {
    r = gemini_->render_error(ApiError::model_not_found(model));
  } else {
    auto body = gemini::count_tokens(ex.request().body, model);
    if (body)
      r.body = std::move(body.value());
    else
      r = gemini_->render_error(body.error());
  }
  co_await ex.respond(std::move(r));
}

const Surface* PublicRoutes::surface_for(const std::string& path) const {
  for (const auto& g : generations_)
    if (g.task && g.pattern.match(path, nullptr)) return g.surface;
  return nullptr;
}

void PublicRoutes::register_on(Router& router) const {
  auto shape_of = [](const Surface& s) -> ErrorRenderer {
    return [&s](const ApiError& e) { return s.render_error(e); };
  };
  router.set_error_renderer("/", shape_of(*openai_));
  router.set_error_renderer("/v1/messages", shape_of(*anthropic_));
  router.set_error_renderer("/v1beta", shape_of(*gemini_));
  // Errors before a handler runs (413...) on a Gemini path take Gemini's shape under /v1/ too.
  const ErrorRenderer gemini_errors = shape_of(*gemini_);
  for (const auto& g : generations_) {
    const Surface* surface = g.surface;
    router.add(
        "POST", g.pattern.text(),
        [this, surface](Exchange& ex) { return pipeline_.generate(*surface, ex); },
        surface == gemini_.get() ? gemini_errors : ErrorRenderer());
  }
  router.add("POST", "/v1/messages/count_tokens",
             [this](Exchange& ex) { return count_tokens(ex); });
  for (std::string_view root : kGeminiRoots) {
    const std::string model = std::string(root) + "{model...}";
    router.add(
        "POST", model + ":countTokens", [this](Exchange& ex) { return gemini_count_tokens(ex); },
        gemini_errors);
    // Any other method: the Gemini surface answers 404 once the key is checked.
    router.add(
        "POST", model + ":{method}",
        [this](Exchange& ex) { return pipeline_.generate(*gemini_, ex); }, gemini_errors);
  }
  router.add("GET", "/v1/models", [this](Exchange& ex) { return models(ex, false); });
  router.add("GET", "/v1/models/{model...}", [this](Exchange& ex) { return models(ex, false); });
  router.add("GET", "/v1beta/models", [this](Exchange& ex) { return models(ex, true); });
  router.add("GET", "/v1beta/models/{model...}", [this](Exchange& ex) { return models(ex, true); });
  // Each public model's state from the breakers and its uptime: for anyone, no key.
  if (status_)
    router.add("GET", "/status", [this](Exchange& ex) -> asio::awaitable<void> {
      HttpResponse r{200, "application/json", {}, json::serialize(status_->snapshot())};
      r.headers.push_back({"cache-control", "no-store"});
      co_await ex.respond(std::move(r));
    });
  router.add("GET", "/healthz", [](Exchange& ex) -> asio::awaitable<void> {
    HttpResponse r{200, "application/json", {}, R"({"status":"ok"})"};
    co_await ex.respond(std::move(r));
  });
}

}  // namespace glmgate
