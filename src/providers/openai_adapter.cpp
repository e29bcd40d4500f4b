// The OpenAI-compatible upstream adapter (Z.ai, Moonshot, DeepSeek, vLLM, SGLang, llama.cpp,
// Ollama): canonical in, canonical out. Rewrites the model to the upstream name, always asks for
// stream usage, and normalizes GLM's finish reasons. See provider.hpp for the contract.
#include <spdlog/spdlog.h>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <deque>
#include <optional>

#include "http/wire.hpp"
#include "providers/provider.hpp"
#include "providers/sse_parser.hpp"
#include "providers/upstream_client.hpp"
#include "providers/upstream_errors.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxResponseBytes = 64 * 1024 * 1024;
constexpr std::size_t kMaxErrorBytes = 1024 * 1024;

struct OpenAiProvider {
  ProviderConfig config;
  std::string api_key;
  UpstreamEndpoint endpoint;
  std::string target;  // base path + /chat/completions
  // Header lines every request carries, prepared once (the key among them).
  std::string fixed_headers_unary;
  std::string fixed_headers_stream;
};

// GLM finish reasons outside OpenAI's set: `sensitive` is a content filter; `network_error` is an
// upstream failure that must not pass as a normal end.
bool normalize_choices(json::object& message) {
  auto it = message.find("choices");
  if (it == message.end() || !it->value().is_array()) return true;
  for (auto& c : it->value().get_array()) {
    if (!c.is_object()) continue;
    auto fr = c.get_object().find("finish_reason");
    if (fr == c.get_object().end() || !fr->value().is_string()) continue;
    if (fr->value().get_string() == "sensitive") fr->value() = "content_filter";
    if (fr->value().get_string() == "network_error") return false;
  }
  return true;
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

class OpenAiCall final : public ProviderCall {
 public:
  OpenAiCall(const OpenAiProvider& provider, CallContext context, json::object request, bool stream)
      : provider_(provider), context_(std::move(context)), call_(provider.endpoint) {
    request["model"] = context_.model->upstream_model;
    if (stream) {
      json::object options;
      if (auto it = request.find("stream_options"); it != request.end() && it->value().is_object())
        options = it->value().get_object();
      options["include_usage"] = true;
      request["stream_options"] = std::move(options);
    }
    std::string body = json::serialize(request);
    Headers headers{{"x-request-id", context_.request_id}};
    request_ = wire::post_request(
        provider_.target, provider_.endpoint.host_header,
        stream ? provider_.fixed_headers_stream : provider_.fixed_headers_unary, headers, body);
  }

  asio::awaitable<std::optional<ApiError>> open() override {
    auto err = co_await call_.start(std::move(request_));
    if (err) co_return map_transport_error(provider_.config.name, *err);
    if (call_.status() != 200) {
      std::string body;
      auto read_err = co_await call_.read_all(body, kMaxErrorBytes);
      if (read_err && read_err->kind == UpstreamFailure::aborted)
        co_return map_transport_error(provider_.config.name, *read_err);
      co_return map_upstream_response(provider_.config.name, call_.status(), body,
                                      provider_.api_key);
    }
    co_return std::nullopt;
  }

  asio::awaitable<Result<json::object>> response(json::storage_ptr storage) override {
    std::string body;
    if (auto err = co_await call_.read_all(body, kMaxResponseBytes))
      co_return map_transport_error(provider_.config.name, *err);
    boost::system::error_code ec;
    json::value parsed = json::parse(body, ec, std::move(storage));
    if (ec || !parsed.is_object())
      co_return ApiError::upstream("Upstream " + provider_.config.name +
                                   " returned a body that is not a JSON object");
    auto& obj = parsed.get_object();
    if (obj.contains("error"))
      co_return map_upstream_response(provider_.config.name, 502, body, provider_.api_key);
    if (!normalize_choices(obj))
      co_return ApiError::upstream("Upstream " + provider_.config.name +
                                   " reported a network error during generation");
    co_return std::move(obj);
  }

  asio::awaitable<StreamItem> next() override {
    for (;;) {
      if (!pending_.empty()) {
        StreamItem item = std::move(pending_.front());
        pending_.pop_front();
        co_return item;
      }
      if (finished_) co_return StreamItem{};
      // Every chunk handed out before has been consumed (see provider.hpp): start a fresh arena.
      // A fresh one, not release(): release() keeps the doubled block size, so an arena reused
      // for every read of a long stream would soon ask for gigabytes.
      chunk_arena_.emplace(chunk_buffer_, sizeof chunk_buffer_);
      std::string bytes;
      bool done = false;
      if (auto err = co_await call_.read_some(bytes, done)) {
        finished_ = true;
        co_return error_item(map_transport_error(provider_.config.name, *err));
      }
      std::vector<SseEvent> events;
      if (!parser_.feed(bytes, events)) {
        finished_ = true;
        call_.abort();
        co_return error_item(ApiError::upstream("Upstream " + provider_.config.name +
                                                " sent an oversized stream event"));
      }
      for (auto& e : events) {
        if (finished_) break;
        handle_event(e);
      }
      if (done && !finished_) {
        finished_ = true;
        // Some servers end without [DONE]; without a finish reason the stream was cut.
        if (!saw_finish_)
          pending_.push_back(error_item(ApiError::upstream(
              "Upstream " + provider_.config.name + " closed the stream before it finished")));
      }
    }
  }

  void abort() override { call_.abort(); }

 private:
  static StreamItem error_item(ApiError error) {
    StreamItem item;
    item.kind = StreamItem::Kind::error;
    item.error = std::move(error);
    return item;
  }

  void handle_event(const SseEvent& event) {
    if (event.data == "[DONE]") {
      finished_ = true;
      return;
    }
    boost::system::error_code ec;
    json::value parsed = json::parse(event.data, ec, json::storage_ptr(&*chunk_arena_));
    if (ec || !parsed.is_object()) {
      spdlog::warn("request {}: upstream {} sent a stream event that is not JSON; skipped",
                   context_.request_id, provider_.config.name);
      return;
    }
    auto& obj = parsed.get_object();
    if (obj.contains("error")) {
      finished_ = true;
      pending_.push_back(error_item(
          map_upstream_response(provider_.config.name, 502, event.data, provider_.api_key)));
      return;
    }
    if (!normalize_choices(obj)) {
      finished_ = true;
      pending_.push_back(error_item(ApiError::upstream(
          "Upstream " + provider_.config.name + " reported a network error during generation")));
      return;
    }
    saw_finish_ = saw_finish_ || has_finish_reason(obj);
    // Move-constructed, so the chunk stays in the arena (assignment would copy it out).
    pending_.push_back(StreamItem{StreamItem::Kind::chunk, std::move(obj), {}});
  }

  const OpenAiProvider& provider_;
  CallContext context_;
  std::string request_;  // the upstream request's bytes until open() sends them
  UpstreamCall call_;
  SseParser parser_;
  std::deque<StreamItem> pending_;
  // Most chunk events fit the inline block; a larger one spills to the heap until the next read.
  unsigned char chunk_buffer_[512];
  std::optional<json::monotonic_resource> chunk_arena_;
  bool finished_ = false;
  bool saw_finish_ = false;
};

class OpenAiAdapter final : public ProviderAdapter {
 public:
  explicit OpenAiAdapter(const ProviderConfig& config) {
    provider_.config = config;
    if (!config.api_key_env.empty()) {
      const char* key = std::getenv(config.api_key_env.c_str());
      if (key && *key)
        provider_.api_key = key;
      else
        spdlog::warn("provider {}: environment variable {} is not set; calls go without a key",
                     config.name, config.api_key_env);
    }
    provider_.endpoint = make_endpoint(config);
    provider_.target = config.base_path + "/chat/completions";
    std::string common;
    wire::header(common, "Content-Type", "application/json");
    wire::header(common, "User-Agent", "glmgate/0.1");
    if (!provider_.api_key.empty())
      wire::header(common, "Authorization", "Bearer " + provider_.api_key);
    provider_.fixed_headers_unary = common;
    wire::header(provider_.fixed_headers_unary, "Accept", "application/json");
    provider_.fixed_headers_stream = common;
    wire::header(provider_.fixed_headers_stream, "Accept", "text/event-stream");
  }

  std::unique_ptr<ProviderCall> call(CallContext context, json::object request,
                                     bool stream) const override {
    return std::make_unique<OpenAiCall>(provider_, std::move(context), std::move(request), stream);
  }

 private:
  OpenAiProvider provider_;
};

}  // namespace

std::unique_ptr<ProviderAdapter> make_adapter(const ProviderConfig& provider) {
  return std::make_unique<OpenAiAdapter>(provider);
}

}  // namespace glmgate
