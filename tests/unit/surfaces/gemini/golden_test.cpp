// Golden-file tests of the Gemini converters, both directions (tests/golden/gemini/). Kinds:
//   "request":  a Gemini request (+ "model", "stream") -> the canonical request (or its 400)
//   "count_tokens": a countTokens body (+ "model") -> its answer (or its 400)
//   "response": a canonical chat.completion -> the GenerateContentResponse
//   "stream":   canonical chunks (+ usage, or an upstream error) -> the responses sent, SSE-framed
//               unless "json_array" is true (then the whole body, parsed as one JSON array)
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "surfaces/gemini/count_tokens.hpp"
#include "surfaces/gemini/generate_request.hpp"
#include "surfaces/gemini/generate_response.hpp"
#include "surfaces/gemini/stream_encoder.hpp"
#include "surfaces/golden.hpp"

namespace glmgate {
namespace {

namespace json = boost::json;

json::array parse_sse(const std::string& text) {
  json::array out;
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find("\n\n", at);
    std::string frame = text.substr(at, end - at);
    at = end == std::string::npos ? text.size() : end + 2;
    out.push_back(json::parse(frame.substr(6)));  // "data: "
  }
  return out;
}

json::value run_case(const json::object& c) {
  std::string_view kind = c.at("kind").as_string();
  if (kind == "request") {
    bool stream = c.contains("stream") && c.at("stream").as_bool();
    auto decoded = gemini::decode_generate_request(json::serialize(c.at("input")),
                                                   c.at("model").as_string(), stream);
    return golden::request_result(decoded);
  }
  if (kind == "count_tokens") {
    auto counted = gemini::count_tokens(json::serialize(c.at("input")), c.at("model").as_string());
    if (!counted)
      return json::object{{"status", counted.error().status},
                          {"param", counted.error().param},
                          {"message", counted.error().message}};
    return json::parse(counted.value());
  }
  if (kind == "response") return gemini::response_from_completion(c.at("input").as_object());
  bool array = c.contains("json_array") && c.at("json_array").as_bool();
  auto encoder = gemini::make_stream_encoder(array);
  std::string out = golden::encode_stream(*encoder, c);
  if (array) return json::parse(out);
  return parse_sse(out);
}

TEST(GeminiGolden, EveryCaseMatches) {
  EXPECT_GE(golden::run_dir("tests/golden/gemini", run_case), 8);
}

}  // namespace
}  // namespace glmgate
