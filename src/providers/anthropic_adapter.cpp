// The Anthropic upstream adapter (Z.ai's Anthropic-compatible endpoint, or Anthropic itself):
// canonical requests go out as Anthropic Messages requests and the answers and stream events come
// back as canonical responses and chunks, through the Anthropic surface's converter pair run in
// the other direction. Errors in Z.ai's {"error":{"code"}} or Anthropic's shape are mapped like
// the OpenAI endpoint's. See provider.hpp for the contract.
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "protocols/anthropic/upstream_codec.hpp"
#include "providers/adapters.hpp"
#include "providers/http_call.hpp"
#include "providers/upstream_errors.hpp"

namespace glmgate {

namespace json = boost::json;

namespace {

class AnthropicCall final : public HttpCall {
 public:
  AnthropicCall(const HttpProvider& provider, CallContext context, const json::object& request,
                bool stream)
      : HttpCall(provider, context,
                 json::serialize(
                     anthropic::encode_request(request, context.model->upstream_model, stream)),
                 stream) {}

 private:
  Result<json::object> convert_response(json::object& answer, std::string_view raw) override {
    if (answer.contains("type") && answer.at("type") == "error")
      return map_upstream_response(provider().config.name, 502, raw, provider().api_key);
    return anthropic::completion_from_message(answer);
  }

  void handle_event(const SseEvent& event, json::storage_ptr arena) override {
    boost::system::error_code ec;
    json::value parsed = json::parse(event.data, ec, arena);
    if (ec || !parsed.is_object()) {
      spdlog::warn("request {}: upstream {} sent a stream event that is not JSON; skipped",
                   context().request_id, provider().config.name);
      return;
    }
    const auto& data = parsed.get_object();
    // Z.ai's error shape, without an event name.
    if (auto e = data.find("error"); e != data.end() && !data.contains("type")) {
      push_error(
          map_upstream_response(provider().config.name, 502, event.data, provider().api_key));
      return;
    }
    anthropic::UpstreamStreamDecoder::Output out;
    decoder_.feed(event.event, data, out);
    for (auto& c : out.chunks)
      push_chunk(json::object(std::move(c), arena), decoder_.saw_finish());
    if (out.error) push_error(*out.error);
    if (out.finished) finish();
  }

  anthropic::UpstreamStreamDecoder decoder_;
};

Headers x_api_key(const std::string& key) {
  return {{"x-api-key", key}};
}

class AnthropicAdapter final : public ProviderAdapter {
 public:
  AnthropicAdapter(const ProviderConfig& config, std::size_t key)
      : provider_(make_http_provider(config, key, "/v1/messages",
                                     {{"anthropic-version", "2023-06-01"}}, x_api_key)) {}

  std::unique_ptr<ProviderCall> call(CallContext context, json::object& request,
                                     bool stream) const override {
    return std::make_unique<AnthropicCall>(provider_, std::move(context), request, stream);
  }

 private:
  HttpProvider provider_;
};

}  // namespace

std::unique_ptr<ProviderAdapter> make_anthropic_adapter(const ProviderConfig& provider,
                                                        std::size_t key) {
  return std::make_unique<AnthropicAdapter>(provider, key);
}

}  // namespace glmgate
