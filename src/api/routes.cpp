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

PublicRoutes::PublicRoutes(const Pipeline& pipeline)
    : pipeline_(pipeline),
      openai_(std::make_unique<openai::OpenAiSurface>()),
      anthropic_(std::make_unique<anthropic::AnthropicSurface>()),
      gemini_(std::make_unique<gemini::GeminiSurface>()),
      responses_(std::make_unique<responses::ResponsesSurface>()),
      model_lists_(pipeline.catalog().config().models) {}

PublicRoutes::~PublicRoutes() = default;

// GET /v1/models[/{id}] in the shape of the caller's SDK (see list_shape), and
// /v1beta/models[/{id}] in Gemini's.
asio::awaitable<void> PublicRoutes::models(Exchange& ex) const {
  const HttpRequest& request = ex.request();
  bool beta = request.path.rfind(gemini::kModelsPath, 0) == 0 || request.path == "/v1beta/models";
  ListShape shape = beta ? ListShape::gemini : list_shape(request);
  const Surface& surface = shape == ListShape::gemini      ? *gemini_
                           : shape == ListShape::anthropic ? *anthropic_
                                                           : *openai_;
  std::string_view prefix = beta ? gemini::kModelsPath : gemini::kV1ModelsPath;
  HttpResponse r;
  auto key = co_await pipeline_.authenticate_any(surface, request);
  if (!key) {
    r = surface.render_error(key.error());
  } else if (request.path.size() <= prefix.size()) {  // the list, with or without a slash
    r.body = model_lists_.list(shape);
  } else {
    std::string id = request.path.substr(prefix.size());
    if (const std::string* body = model_lists_.find(shape, id))
      r.body = *body;
    else
      r = surface.render_error(ApiError::model_not_found(id));
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

// POST {model}:generateContent, :streamGenerateContent or :countTokens under /v1beta/models/ or
// /v1/models/.
asio::awaitable<void> PublicRoutes::gemini_post(Exchange& ex) const {
  auto mm = gemini::split_model_method(gemini::model_path_rest(ex.request().path));
  if (!mm || mm->method != "countTokens") {
    co_await pipeline_.generate(*gemini_, ex);  // it answers unknown methods with a 404
    co_return;
  }
  HttpResponse r;
  auto key = co_await pipeline_.authenticate_any(*gemini_, ex.request());
  if (!key) {
    r = gemini_->render_error(key.error());
  } else if (!pipeline_.catalog().find(mm->model)) {
    r = gemini_->render_error(ApiError::model_not_found(mm->model));
  } else {
    auto body = gemini::count_tokens(ex.request().body, mm->model);
    if (body)
      r.body = std::move(body.value());
    else
      r = gemini_->render_error(body.error());
  }
  co_await ex.respond(std::move(r));
}

const Surface* PublicRoutes::surface_for(const std::string& path) const {
  if (path == "/v1/chat/completions") return openai_.get();
  if (path == "/v1/messages") return anthropic_.get();
  if (path == "/v1/responses") return responses_.get();
  if (!gemini::model_path_rest(path).empty() && path.ends_with(":generateContent"))
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
  auto gemini_errors = [gemini](const ApiError& e) { return gemini->render_error(e); };
  router.set_error_renderer("/v1beta", gemini_errors);
  // POST /v1/models/{model}:... is Gemini's (the current @google/genai speaks v1): its errors
  // before a handler runs (413...) take Gemini's shape for the configured models.
  for (const auto& m : pipeline_.catalog().config().models)
    router.set_error_renderer(std::string(gemini::kV1ModelsPath) + m.id + ":", gemini_errors);
  for (std::string_view prefix : {gemini::kModelsPath, gemini::kV1ModelsPath})
    router.add_prefix("POST", std::string(prefix),
                      [this](Exchange& ex) { return gemini_post(ex); });
  router.add("GET", "/v1beta/models", [this](Exchange& ex) { return models(ex); });
  router.add_prefix("GET", std::string(gemini::kModelsPath),
                    [this](Exchange& ex) { return models(ex); });
  const Surface* responses = responses_.get();
  router.add("POST", "/v1/responses",
             [this, responses](Exchange& ex) { return pipeline_.generate(*responses, ex); });
  router.add("POST", "/v1/chat/completions",
             [this, openai](Exchange& ex) { return pipeline_.generate(*openai, ex); });
  router.add("GET", "/v1/models", [this](Exchange& ex) { return models(ex); });
  router.add_prefix("GET", std::string(gemini::kV1ModelsPath),
                    [this](Exchange& ex) { return models(ex); });
  router.add("GET", "/healthz", [](Exchange& ex) -> asio::awaitable<void> {
    HttpResponse r{200, "application/json", {}, R"({"status":"ok"})"};
    co_await ex.respond(std::move(r));
  });
}

}  // namespace glmgate
