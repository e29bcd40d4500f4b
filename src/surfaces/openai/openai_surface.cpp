// OpenAI Chat Completions surface; see openai_surface.hpp.
#include "surfaces/openai/openai_surface.hpp"

#include <boost/json/serialize.hpp>

#include "surfaces/openai/chat_request.hpp"

namespace glmgate::openai {

namespace json = boost::json;

namespace {

class ChatStreamEncoder final : public StreamEncoder {
 public:
  explicit ChatStreamEncoder(bool include_usage) : include_usage_(include_usage) {}

  Headers headers() const override {
    return {{"content-type", "text/event-stream"}, {"cache-control", "no-cache"}};
  }

  void chunk(json::object& chunk, std::string& out) override {
    auto choices = chunk.find("choices");
    bool usage_only = choices == chunk.end() ||
                      (choices->value().is_array() && choices->value().get_array().empty());
    if (usage_only) {
      if (!include_usage_ || !chunk.contains("usage")) return;  // glmgate asked for it, not them
      usage_sent_ = true;
    } else if (!include_usage_) {
      chunk.erase("usage");
    } else if (!chunk.contains("usage")) {
      chunk["usage"] = nullptr;  // as OpenAI: every chunk but the last carries usage: null
    }
    frame(chunk, out);
  }

  void error(const ApiError& e, std::string& out) override {
    out += "data: ";
    out += error_body(e);
    out += "\n\n";
  }

  void done(const std::optional<Usage>& usage, std::string& out) override {
    // Some upstreams put usage on the last choice chunk only; a client that asked still gets the
    // usage chunk it expects.
    if (include_usage_ && !usage_sent_ && usage) {
      json::object chunk;
      chunk["id"] = last_id_;
      chunk["object"] = "chat.completion.chunk";
      chunk["created"] = last_created_;
      chunk["model"] = last_model_;
      chunk["choices"] = json::array();
      chunk["usage"] = usage_to_json(*usage);
      frame(chunk, out);
    }
    out += "data: [DONE]\n\n";
  }

  std::string_view ping() const override { return ": ping\n\n"; }

 private:
  void frame(const json::object& chunk, std::string& out) {
    if (last_id_.empty()) {
      if (auto it = chunk.find("id"); it != chunk.end() && it->value().is_string())
        last_id_ = std::string(it->value().get_string());
      if (auto it = chunk.find("created"); it != chunk.end()) last_created_ = it->value();
      if (auto it = chunk.find("model"); it != chunk.end()) last_model_ = it->value();
    }
    out += "data: ";
    out += json::serialize(chunk);
    out += "\n\n";
  }

  bool include_usage_;
  bool usage_sent_ = false;
  std::string last_id_;
  json::value last_created_;
  json::value last_model_;
};

}  // namespace

std::string bearer_token(std::string_view authorization) {
  constexpr std::string_view kBearer = "bearer ";
  if (authorization.size() <= kBearer.size()) return {};
  for (std::size_t i = 0; i < kBearer.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kBearer[i]) return {};
  std::string_view token = authorization.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  return std::string(token);
}

std::string error_body(const ApiError& error) {
  json::object e;
  e["message"] = error.message;
  e["type"] = error.type;
  e["param"] = error.param.empty() ? json::value(nullptr) : json::value(error.param);
  e["code"] = error.code.empty() ? json::value(nullptr) : json::value(error.code);
  return json::serialize(json::object{{"error", std::move(e)}});
}

std::string OpenAiSurface::api_key(const HttpRequest& request) const {
  return bearer_token(request.header("authorization"));
}

Result<CanonicalRequest> OpenAiSurface::decode(const HttpRequest& request,
                                               json::storage_ptr storage) const {
  return decode_chat_request(request.body, std::move(storage));
}

std::string OpenAiSurface::encode_response(json::object& response, const CanonicalRequest&) const {
  return json::serialize(response);
}

std::unique_ptr<StreamEncoder> OpenAiSurface::stream_encoder(const CanonicalRequest& req) const {
  return std::make_unique<ChatStreamEncoder>(req.include_usage);
}

HttpResponse OpenAiSurface::render_error(const ApiError& error) const {
  HttpResponse r;
  r.status = error.status;
  r.body = error_body(error);
  return r;
}

}  // namespace glmgate::openai
