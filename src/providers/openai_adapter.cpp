// The OpenAI-compatible upstream adapter (Z.ai, Moonshot, DeepSeek, vLLM, SGLang, llama.cpp,
// Ollama): canonical in, canonical out. Rewrites the model to the upstream name, always asks for
// stream usage, and normalizes GLM's finish reasons. See provider.hpp for the contract.
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/adapters.hpp"
#include "providers/http_call.hpp"
#include "providers/upstream_errors.hpp"

namespace glmgate {

namespace json = boost::json;

namespace {

// GLM finish reasons outside OpenAI's set: `sensitive` is a content filter; `network_error` is an
// upstream failure that must not pass as a normal end.
enum class Normalized { as_is, changed, failed };

Normalized normalize_choices(json::object& message) {
  auto it = message.find("choices");
  if (it == message.end() || !it->value().is_array()) return Normalized::as_is;
  Normalized result = Normalized::as_is;
  for (auto& c : it->value().get_array()) {
    if (!c.is_object()) continue;
    auto fr = c.get_object().find("finish_reason");
    if (fr == c.get_object().end() || !fr->value().is_string()) continue;
    if (fr->value().get_string() == "sensitive") {
      fr->value() = "content_filter";
      result = Normalized::changed;
    }
    if (fr->value().get_string() == "network_error") return Normalized::failed;
  }
  return result;
}

bool has_finish_reason(const json::object& chunk) {
  auto it = chunk.find("choices");
  if (it == chunk.end() || !it->value().is_array()) return false;
  for (const auto& c : it->value().get_array())
    if (c.is_object() && c.get_object().contains("finish_reason") &&
        !c.get_object().at("finish_reason").is_null())
      return true;
  return false;
}

std::string request_body(json::object& request, const CallContext& context, bool stream) {
  request["model"] = context.model->upstream_model;
  if (stream) {
    json::object options;
    if (auto it = request.find("stream_options"); it != request.end() && it->value().is_object())
      options = it->value().get_object();
    options["include_usage"] = true;
    request["stream_options"] = std::move(options);
  }
  return json::serialize(request);
}

class OpenAiCall final : public HttpCall {
 public:
  OpenAiCall(const HttpProvider& provider, CallContext context, json::object& request, bool stream)
      : HttpCall(provider, context, request_body(request, context, stream), stream) {}

 private:
  bool answer_is_canonical() const override { return true; }

  Result<json::object> convert_response(json::object& answer, std::string_view) override {
    Normalized n = normalize_choices(answer);
    if (n == Normalized::failed)
      return ApiError::upstream("Upstream " + provider().config.name +
                                " reported a network error during generation");
    if (n == Normalized::changed) forget_text();
    return std::move(answer);
  }

  void handle_event(const SseEvent& event, json::storage_ptr arena) override {
    if (event.data == "[DONE]") {
      finish();
      return;
    }
    boost::system::error_code ec;
    json::value parsed = json::parse(event.data, ec, std::move(arena));
    if (ec || !parsed.is_object()) {
      spdlog::warn("request {}: upstream {} sent a stream event that is not JSON; skipped",
                   context().request_id, provider().config.name);
      return;
    }
    auto& obj = parsed.get_object();
    if (obj.contains("error")) {
      push_error(
          map_upstream_response(provider().config.name, 502, event.data, provider().api_key));
      return;
    }
    if (normalize_choices(obj) == Normalized::failed) {
      push_error(ApiError::upstream("Upstream " + provider().config.name +
                                    " reported a network error during generation"));
      return;
    }
    bool finishes = has_finish_reason(obj);
    push_chunk(std::move(obj), finishes);
  }
};

Headers bearer(const std::string& key) {
  return {{"Authorization", "Bearer " + key}};
}

class OpenAiAdapter final : public ProviderAdapter {
 public:
  OpenAiAdapter(const ProviderConfig& config, std::size_t key)
      : provider_(make_http_provider(config, key, "/chat/completions", {}, bearer)) {}

  std::unique_ptr<ProviderCall> call(CallContext context, json::object& request,
                                     bool stream) const override {
    return std::make_unique<OpenAiCall>(provider_, std::move(context), request, stream);
  }

 private:
  HttpProvider provider_;
};

}  // namespace

std::unique_ptr<ProviderAdapter> make_openai_adapter(const ProviderConfig& provider,
                                                     std::size_t key) {
  return std::make_unique<OpenAiAdapter>(provider, key);
}

}  // namespace glmgate
