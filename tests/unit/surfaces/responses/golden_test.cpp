// Golden-file tests of the Responses converters (tests/golden/responses/). Kinds:
//   "request":  a Responses request (+ "resolved": item_reference IDs -> items) -> the canonical
//               request, or its 400; unresolved references -> {"references": [{id, param}]}
//   "response": a canonical chat.completion (+ "echo", "sealed") -> the Responses object
//   "stream":   canonical chunks (+ "echo", "sealed", usage) -> the events sent, without the
//               clock's created_at
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "surfaces/golden.hpp"
#include "surfaces/responses/responses_request.hpp"
#include "surfaces/responses/responses_response.hpp"
#include "surfaces/responses/stream_encoder.hpp"

namespace glmgate {
namespace {

namespace json = boost::json;

json::object echo_of(const json::object& c) {
  auto e = c.find("echo");
  return e == c.end() ? json::object() : e->value().as_object();
}

bool sealed_of(const json::object& c) {
  return c.contains("sealed") && c.at("sealed").as_bool();
}

json::array parse_events(const std::string& text) {
  json::array out;
  for (const auto& frame : golden::sse_frames(text)) {
    json::object e = json::parse(frame.substr(frame.find("\ndata: ") + 7)).as_object();
    EXPECT_EQ(frame.substr(7, frame.find('\n') - 7), e.at("type").as_string());
    if (auto r = e.find("response"); r != e.end()) r->value().as_object().erase("created_at");
    out.push_back(std::move(e));
  }
  return out;
}

json::value run_case(const json::object& c) {
  std::string_view kind = c.at("kind").as_string();
  if (kind == "request") {
    std::string body = json::serialize(c.at("input"));
    auto r = c.find("resolved");
    auto decoded = responses::decode_responses_request(
        body, {}, r == c.end() ? nullptr : &r->value().as_object());
    if (decoded && !decoded->item_references.empty()) {
      json::array refs;
      for (const auto& ref : decoded->item_references)
        refs.push_back(json::object{{"id", ref.id}, {"param", ref.param}});
      return json::object{{"references", std::move(refs)}};
    }
    return golden::request_result(decoded);
  }
  if (kind == "response")
    return responses::response_from_completion(c.at("input").as_object(), echo_of(c), "",
                                               sealed_of(c));
  auto encoder = responses::make_stream_encoder(echo_of(c), sealed_of(c));
  return parse_events(golden::encode_stream(*encoder, c));
}

TEST(ResponsesGolden, EveryCaseMatches) {
  EXPECT_GE(golden::run_dir("tests/golden/responses", run_case), 10);
}

}  // namespace
}  // namespace glmgate
