// ProviderAdapter: one upstream protocol (OpenAI-compatible now; Anthropic and Gemini upstreams
// later). It turns a canonical request into one upstream call and the upstream's answer back into
// canonical responses and chunks (OpenAI shape), errors as ApiError. A ProviderCall belongs to
// the coroutine of one request on one I/O thread; adapters are immutable and shared.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <memory>
#include <optional>
#include <string>

#include "canonical/stream_item.hpp"
#include "config/config.hpp"
#include "core/api_error.hpp"
#include "core/json_spans.hpp"

namespace glmgate {

struct CallContext {
  std::string request_id;
  const ModelConfig* model = nullptr;
  // The client's W3C trace context (traceparent, and tracestate when it came with one), passed
  // on upstream; empty: none.
  std::string traceparent;
  std::string tracestate;
};

// The upstream's own text of a non-streamed answer whose canonical response is that same document
// except for the values of its top-level "id" and "model" (an OpenAI-compatible upstream's
// chat.completion that needed no normalizing), with where those two values sit. A surface that
// answers with the canonical response sends this on with the two values replaced instead of
// serializing the whole response again.
struct UpstreamText {
  std::string body;
  std::array<TextSpan, 2> spans;  // of "id" and "model" (kUpstreamTextKeys)
};
inline constexpr std::string_view kUpstreamTextKeys[] = {"id", "model"};

class ProviderCall {
 public:
  virtual ~ProviderCall() = default;
  // Sends the request. For a stream it returns once the upstream has accepted it; an error here
  // reached the client before any byte of the answer.
  virtual boost::asio::awaitable<std::optional<ApiError>> open() = 0;
  // The whole canonical chat.completion (non-streamed calls), built in `storage`.
  virtual boost::asio::awaitable<Result<boost::json::object>> response(
      boost::json::storage_ptr storage) = 0;
  // After response(): its answer's text when the canonical response is that text but for its id
  // and model (see UpstreamText), else nullptr. Valid while the call lives.
  virtual const UpstreamText* text() const { return nullptr; }
  // The next canonical chunk, the end, or a mid-stream error (streamed calls). A chunk lives in
  // storage the call reuses: it is valid until the next call of next().
  virtual boost::asio::awaitable<StreamItem> next() = 0;
  // After a stream's end: lets the call read what the upstream still sends after its last event
  // (the chunked terminator), so its connection is reused rather than closed. The client has its
  // answer by then; this only saves the next request a connect.
  virtual boost::asio::awaitable<void> recycle() = 0;
  // Cancels the upstream request: the client went away.
  virtual void abort() = 0;
};

class ProviderAdapter {
 public:
  virtual ~ProviderAdapter() = default;
  // `request` (canonical) is read, and changed only where this upstream needs it (its model name,
  // stream options), each of which the next adapter sets again: a caller may hand the same
  // request to another adapter when this call fails, without a copy.
  virtual std::unique_ptr<ProviderCall> call(CallContext context, boost::json::object& request,
                                             bool stream) const = 0;
};

}  // namespace glmgate
