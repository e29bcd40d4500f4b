// The Anthropic converter pair in the other direction, for providers of kind "anthropic" (Z.ai's
// Anthropic-compatible endpoint, or Anthropic itself): a canonical request into an Anthropic
// Messages request, an Anthropic message back into a canonical chat.completion, and Anthropic
// stream events back into canonical chunks. Pure functions and a per-stream state machine; no I/O.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_error.hpp"

namespace glmgate::anthropic {

boost::json::object encode_request(const boost::json::object& canonical,
                                   const std::string& upstream_model, bool stream);

boost::json::object completion_from_message(const boost::json::object& message);

// end_turn / stop_sequence -> stop, max_tokens -> length, tool_use -> tool_calls,
// refusal -> content_filter.
std::string_view finish_reason(std::string_view stop_reason);

// Anthropic events in, canonical chunks out. feed() appends the chunks an event yields; an
// `error` event yields an ApiError; message_stop ends the stream.
class UpstreamStreamDecoder {
 public:
  struct Output {
    std::vector<boost::json::object> chunks;
    std::optional<ApiError> error;
    bool finished = false;
  };
  void feed(std::string_view event, const boost::json::object& data, Output& out);
  bool saw_finish() const { return saw_finish_; }

 private:
  boost::json::object chunk(boost::json::object delta, std::optional<std::string_view> finish = {});

  std::string id_;
  std::string model_;
  std::int64_t input_tokens_ = 0;
  std::int64_t cache_read_ = 0;
  std::int64_t output_tokens_ = 0;
  std::vector<std::int64_t> tool_of_block_;  // block index -> tool call index, or -1
  std::int64_t tools_ = 0;
  bool saw_finish_ = false;
};

}  // namespace glmgate::anthropic
