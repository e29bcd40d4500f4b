// Golden-file tests of the Anthropic converters, both directions (tests/golden/anthropic/). Kinds:
//   "request":  an Anthropic request -> the canonical request (or the 400 it gets)
//   "response": a canonical chat.completion -> the Anthropic message
//   "stream":   canonical chunks (+ usage, or an upstream error) -> the Anthropic events
//   ("omit_reasoning": thinking display "omitted"; "prompt_estimate": the pipeline's estimate)
//   "upstream_request" / "upstream_response" / "upstream_stream": the same pair the other way,
//               toward a provider of kind "anthropic"
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocols/anthropic/upstream_codec.hpp"
#include "surfaces/anthropic/anthropic_surface.hpp"
#include "surfaces/anthropic/messages_request.hpp"
#include "surfaces/anthropic/messages_response.hpp"
#include "surfaces/anthropic/stream_encoder.hpp"
#include "surfaces/golden.hpp"

namespace glmgate {
namespace {

namespace json = boost::json;

// SSE text into [{"event": name, "data": payload}].
json::array parse_events(const std::string& text) {
  json::array out;
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find("\n\n", at);
    std::string frame = text.substr(at, end - at);
    at = end == std::string::npos ? text.size() : end + 2;
    auto nl = frame.find('\n');
    std::string name = frame.substr(7, nl - 7);            // "event: "
    json::value data = json::parse(frame.substr(nl + 7));  // "data: "
    out.push_back(json::object{{"event", name}, {"data", data}});
  }
  return out;
}

json::value run_case(const json::object& c) {
  std::string_view kind = c.at("kind").as_string();
  if (kind == "request") {
    auto decoded = anthropic::decode_messages_request(json::serialize(c.at("input")));
    return golden::request_result(decoded);
  }
  bool omit = c.contains("omit_reasoning") && c.at("omit_reasoning").as_bool();
  if (kind == "response")
    return anthropic::message_from_completion(c.at("input").as_object(), omit);
  // The other direction, toward an Anthropic upstream ("created" is the clock, left out).
  if (kind == "upstream_request")
    return anthropic::encode_request(c.at("input").as_object(), "upstream-model",
                                     c.contains("stream") && c.at("stream").as_bool());
  if (kind == "upstream_response") {
    json::object out = anthropic::completion_from_message(c.at("input").as_object());
    out.erase("created");
    return out;
  }
  if (kind == "upstream_stream") {
    anthropic::UpstreamStreamDecoder decoder;
    json::array out;
    for (const auto& e : c.at("events").as_array()) {
      anthropic::UpstreamStreamDecoder::Output o;
      decoder.feed(e.at("event").as_string(), e.at("data").as_object(), o);
      for (auto& chunk : o.chunks) {
        chunk.erase("created");
        out.push_back(std::move(chunk));
      }
      if (o.error)
        out.push_back(json::object{{"error", o.error->message}, {"status", o.error->status}});
      if (o.finished) out.push_back("finished");
    }
    return out;
  }
  auto encoder = anthropic::make_stream_encoder(
      omit, c.contains("prompt_estimate") ? c.at("prompt_estimate").as_int64() : 0);
  std::string out = golden::encode_stream(*encoder, c);
  return parse_events(out);
}

// Every block opened is closed, indexes count up from 0, deltas go to the open block.
void check_event_grammar(const json::array& events, const std::string& name) {
  std::int64_t open = -1, next = 0;
  for (const auto& e : events) {
    std::string_view type = e.at("event").as_string();
    EXPECT_EQ(e.at("data").at("type").as_string(), type) << name;
    if (type == "content_block_start") {
      EXPECT_EQ(open, -1) << name << ": a block started while another was open";
      open = e.at("data").at("index").as_int64();
      EXPECT_EQ(open, next) << name;
    } else if (type == "content_block_delta") {
      EXPECT_EQ(e.at("data").at("index").as_int64(), open) << name;
    } else if (type == "content_block_stop") {
      EXPECT_EQ(e.at("data").at("index").as_int64(), open) << name;
      open = -1;
      ++next;
    } else if (type == "message_delta" || type == "message_stop") {
      EXPECT_EQ(open, -1) << name << ": message ended with a block open";
    }
  }
}

TEST(AnthropicGolden, EveryCaseMatches) {
  int cases =
      golden::run_dir("tests/golden/anthropic", run_case,
                      [](const json::object& c, const json::value& got, const std::string& n) {
                        if (c.at("kind").as_string() == "stream")
                          check_event_grammar(got.as_array(), n);
                      });
  EXPECT_GE(cases, 10);
}

}  // namespace
}  // namespace glmgate
