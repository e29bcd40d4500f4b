// The OTLP/HTTP JSON body of spans: the shape a collector reads (resourceSpans > scopeSpans >
// spans), hex ids, 64-bit numbers as strings, typed attributes, the error status; and span ids
// that are never all zeros.
#include "telemetry/otlp_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <set>

namespace glmgate {
namespace {

namespace json = boost::json;

TEST(OtlpJson, WritesSpansAsACollectorReadsThem) {
  Span call;
  call.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  call.span_id = "00f067aa0ba902b7";
  call.parent_span_id = "1111111111111111";
  call.name = "chat glm-5";
  call.kind = Span::Kind::server;
  call.start_unix_ns = 1'765'000'000'123'456'789;
  call.end_unix_ns = 1'765'000'001'123'456'789;
  call.attributes = {{"gen_ai.request.model", std::string("glm-5")},
                     {"gen_ai.usage.input_tokens", std::int64_t{12}},
                     {"ratio", 0.5},
                     {"stream", true}};
  Span attempt;
  attempt.trace_id = call.trace_id;
  attempt.span_id = "2222222222222222";
  attempt.parent_span_id = call.span_id;
  attempt.name = "chat up";
  attempt.kind = Span::Kind::client;
  attempt.error = true;
  attempt.status_message = "HTTP 500";

  json::value doc = json::parse(otlp_traces_json({call, attempt}, "glmgate"));
  const auto& rs = doc.at("resourceSpans").as_array().at(0).as_object();
  const auto& resource_attr = rs.at("resource").at("attributes").as_array().at(0);
  EXPECT_EQ(resource_attr.at("key"), "service.name");
  EXPECT_EQ(resource_attr.at("value").at("stringValue"), "glmgate");
  const auto& spans = rs.at("scopeSpans").as_array().at(0).at("spans").as_array();
  ASSERT_EQ(spans.size(), 2u);
  const auto& s = spans[0].as_object();
  EXPECT_EQ(s.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(s.at("spanId"), "00f067aa0ba902b7");
  EXPECT_EQ(s.at("parentSpanId"), "1111111111111111");
  EXPECT_EQ(s.at("kind"), 2);
  EXPECT_EQ(s.at("startTimeUnixNano"), "1765000000123456789");
  EXPECT_EQ(s.at("endTimeUnixNano"), "1765000001123456789");
  const auto& attrs = s.at("attributes").as_array();
  EXPECT_EQ(attrs.at(0).at("value").at("stringValue"), "glm-5");
  EXPECT_EQ(attrs.at(1).at("value").at("intValue"), "12");
  EXPECT_EQ(attrs.at(2).at("value").at("doubleValue"), 0.5);
  EXPECT_EQ(attrs.at(3).at("value").at("boolValue"), true);
  EXPECT_EQ(s.at("status").at("code"), 0);
  const auto& a = spans[1].as_object();
  EXPECT_EQ(a.at("kind"), 3);
  EXPECT_EQ(a.at("status").at("code"), 2);
  EXPECT_EQ(a.at("status").at("message"), "HTTP 500");
}

TEST(OtlpJson, ARootSpanHasNoParent) {
  Span root;
  root.trace_id = new_trace_id();
  root.span_id = new_span_id();
  json::value doc = json::parse(otlp_traces_json({root}, "x"));
  const auto& s = doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0);
  EXPECT_FALSE(s.as_object().contains("parentSpanId"));
}

TEST(OtlpJson, IdsAreLowerHexOfTheirLengthAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = new_trace_id(), s = new_span_id();
    EXPECT_EQ(t.size(), 32u);
    EXPECT_EQ(s.size(), 16u);
    EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(s.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace glmgate
