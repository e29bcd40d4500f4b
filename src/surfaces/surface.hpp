// Surface: one client protocol (OpenAI Chat, later Anthropic Messages, Gemini, Responses). It
// decodes the wire request into the canonical request (the OpenAI Chat Completions request as a
// JSON object), encodes canonical responses and stream chunks back, and renders errors in its own
// shape. Pure functions over Boost.JSON, no I/O; a Surface is immutable and shared by all threads,
// a StreamEncoder belongs to one stream.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "canonical/request.hpp"
#include "canonical/usage_json.hpp"
#include "core/api_error.hpp"
#include "http/message.hpp"

namespace glmgate {

// Turns canonical stream chunks (OpenAI chat.completion.chunk objects carrying the public model
// ID) into the surface's wire bytes.
class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  virtual Headers headers() const = 0;
  virtual void chunk(boost::json::object& chunk, std::string& out) = 0;
  // The upstream failed mid-stream.
  virtual void error(const ApiError& error, std::string& out) = 0;
  // The stream completed; `usage` is the last snapshot, if the upstream sent one.
  virtual void done(const std::optional<Usage>& usage, std::string& out) = 0;
  // A keep-alive the client ignores, sent while the upstream is silent.
  virtual std::string_view ping() const = 0;
};

class Surface {
 public:
  virtual ~Surface() = default;
  virtual std::string_view name() const = 0;
  // How this surface's response IDs begin ("chatcmpl-", "msg_"...); glmgate assigns the rest.
  virtual std::string_view id_prefix() const = 0;
  // The API key as this surface's clients present it; empty when absent.
  virtual std::string api_key(const HttpRequest& request) const = 0;
  // The canonical request's JSON lives in `storage` (the request's arena).
  virtual Result<CanonicalRequest> decode(const HttpRequest& request,
                                          boost::json::storage_ptr storage) const = 0;
  // Decodes again once the items a first decode listed in `item_references` are resolved:
  // `items` maps each ID to the item as the client saw it. Only surfaces that list references
  // need to implement it.
  virtual Result<CanonicalRequest> decode_resolved(const HttpRequest& request,
                                                   boost::json::storage_ptr storage,
                                                   const boost::json::object& /*items*/) const {
    return decode(request, std::move(storage));
  }
  // A canonical (OpenAI chat.completion) response into the surface's response body.
  virtual std::string encode_response(boost::json::object& response,
                                      const CanonicalRequest& request) const = 0;
  // True when encode_response() is the canonical response serialized as it is: the pipeline may
  // then answer with the upstream's own text of it instead (see ProviderCall::text()).
  virtual bool answers_canonical() const { return false; }
  virtual std::unique_ptr<StreamEncoder> stream_encoder(const CanonicalRequest& request) const = 0;
  virtual HttpResponse render_error(const ApiError& error) const = 0;
};

}  // namespace glmgate
