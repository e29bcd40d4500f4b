// The parts every HTTP upstream protocol shares: a provider's endpoint, key and prebuilt header
// lines, and HttpCall, a ProviderCall that sends one request and reads a JSON answer or an SSE
// stream, leaving only the protocol's conversions to its subclass (OpenAI, Anthropic). A call
// belongs to the coroutine of one request on one I/O thread.
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <optional>
#include <string>
#include <vector>

#include "providers/provider.hpp"
#include "providers/sse_parser.hpp"
#include "providers/upstream_client.hpp"

namespace glmgate {

struct HttpProvider {
  ProviderConfig config;
  std::string api_key;  // from the environment; never logged
  UpstreamEndpoint endpoint;
  std::string target;  // the request path: base path + the protocol's route
  // Header lines every request carries, prepared once (the key among them).
  std::string fixed_headers_unary;
  std::string fixed_headers_stream;
};

// Reads the provider's key number `key` (of its api_key_env pool) from its environment variable
// and prepares the header lines; `auth_headers` are added when a key is set (e.g. Authorization:
// Bearer, or x-api-key).
HttpProvider make_http_provider(const ProviderConfig& config, std::size_t key, std::string route,
                                const Headers& extra_headers,
                                Headers (*auth_headers)(const std::string& key));

class HttpCall : public ProviderCall {
 public:
  HttpCall(const HttpProvider& provider, CallContext context, std::string body, bool stream);

  boost::asio::awaitable<std::optional<ApiError>> open() override;
  boost::asio::awaitable<Result<boost::json::object>> response(
      boost::json::storage_ptr storage) override;
  boost::asio::awaitable<StreamItem> next() override;
  boost::asio::awaitable<void> recycle() override;
  void abort() override { call_.abort(); }
  const UpstreamText* text() const override { return text_ ? &*text_ : nullptr; }

 protected:
  // The parsed answer of a non-streamed call, into a canonical chat.completion.
  virtual Result<boost::json::object> convert_response(boost::json::object& answer,
                                                       std::string_view raw) = 0;
  // True where the parsed answer is the canonical response as it stands, but for its id and model
  // (OpenAI-compatible upstreams): response() then keeps its text (see ProviderCall::text()).
  virtual bool answer_is_canonical() const { return false; }
  // For convert_response() that changed the answer beyond its id and model.
  void forget_text() { text_.reset(); }
  // One stream event; emit with push_chunk / push_error / finish.
  virtual void handle_event(const SseEvent& event, boost::json::storage_ptr arena) = 0;

  void push_chunk(boost::json::object chunk, bool finishes);
  void push_error(ApiError error);
  void finish() { finished_ = true; }
  bool finished() const { return finished_; }
  const HttpProvider& provider() const { return provider_; }
  const CallContext& context() const { return context_; }

 private:
  StreamItem take_pending();
  void absorb(const std::string& bytes, bool done);

  const HttpProvider& provider_;
  CallContext context_;
  std::string request_;  // the upstream request's bytes until open() sends them
  UpstreamCall call_;
  SseParser parser_;
  // Items of the last read not yet handed out (a vector: a deque's first block is 512 bytes,
  // and a waiting stream keeps it).
  std::vector<StreamItem> pending_;
  std::size_t next_pending_ = 0;
  // Most chunk events fit the inline block; a larger one spills to the heap until the next read.
  unsigned char chunk_buffer_[512];
  std::optional<boost::json::monotonic_resource> chunk_arena_;
  std::optional<UpstreamText> text_;
  bool finished_ = false;
  bool saw_finish_ = false;
};

}  // namespace glmgate
