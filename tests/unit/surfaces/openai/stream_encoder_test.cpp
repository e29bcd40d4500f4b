// The OpenAI stream encoder: usage chunks only for clients that asked, a synthesized usage chunk
// when the upstream only put usage on a choice chunk, [DONE], error frames and pings.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "surfaces/openai/openai_surface.hpp"

namespace glmgate::openai {
namespace {

boost::json::object obj(std::string_view text) {
  return boost::json::parse(text).as_object();
}

std::unique_ptr<StreamEncoder> encoder(bool include_usage) {
  CanonicalRequest req;
  req.include_usage = include_usage;
  return OpenAiSurface().stream_encoder(req);
}

TEST(ChatStreamEncoder, DropsTheUsageChunkTheClientDidNotAskFor) {
  auto enc = encoder(false);
  std::string out;
  auto chunk = obj(
      R"({"id":"c","choices":[{"index":0,"delta":{"content":"hi"}}],"usage":{"prompt_tokens":1}})");
  enc->chunk(chunk, out);
  auto usage = obj(R"({"id":"c","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}})");
  enc->chunk(usage, out);
  enc->done(Usage{1, 2}, out);
  EXPECT_EQ(out,
            "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n"
            "data: [DONE]\n\n");
}

TEST(ChatStreamEncoder, ForwardsUsageWhenAskedAndMarksEarlierChunksNull) {
  auto enc = encoder(true);
  std::string out;
  auto chunk = obj(R"({"id":"c","choices":[{"index":0,"delta":{"content":"hi"}}]})");
  enc->chunk(chunk, out);
  auto usage = obj(R"({"id":"c","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}})");
  enc->chunk(usage, out);
  enc->done(Usage{1, 2}, out);
  EXPECT_EQ(out,
            "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}],"
            "\"usage\":null}\n\n"
            "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,"
            "\"completion_tokens\":2}}\n\n"
            "data: [DONE]\n\n");
}

TEST(ChatStreamEncoder, SynthesizesTheUsageChunkWhenTheUpstreamSentNone) {
  auto enc = encoder(true);
  std::string out;
  auto chunk = obj(
      R"({"id":"c","object":"chat.completion.chunk","created":5,"model":"glm-5","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}})");
  enc->chunk(chunk, out);
  out.clear();
  enc->done(Usage{3, 4}, out);
  EXPECT_EQ(out,
            "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":5,\"model\":"
            "\"glm-5\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,"
            "\"total_tokens\":7}}\n\n"
            "data: [DONE]\n\n");
}

TEST(ChatStreamEncoder, RendersErrorsAndPings) {
  auto enc = encoder(false);
  std::string out;
  enc->error(ApiError::upstream("boom"), out);
  EXPECT_EQ(out,
            "data: {\"error\":{\"message\":\"boom\",\"type\":\"upstream_error\",\"param\":null,"
            "\"code\":\"upstream_error\"}}\n\n");
  EXPECT_EQ(enc->ping(), ": ping\n\n");
  auto headers = enc->headers();
  EXPECT_EQ(find_header(headers, "content-type"), "text/event-stream");
}

TEST(OpenAiSurface, ReadsBearerKeys) {
  EXPECT_EQ(bearer_token("Bearer sk-glm-abc"), "sk-glm-abc");
  EXPECT_EQ(bearer_token("bearer   sk-glm-abc  "), "sk-glm-abc");
  EXPECT_EQ(bearer_token("Basic xyz"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_EQ(bearer_token(""), "");
}

TEST(OpenAiSurface, RendersErrorsInOpenAiShape) {
  HttpResponse r =
      OpenAiSurface().render_error(ApiError::unsupported_parameter("no tools here", "tools"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "{\"error\":{\"message\":\"no tools here\",\"type\":\"invalid_request_error\","
            "\"param\":\"tools\",\"code\":\"unsupported_parameter\"}}");
}

}  // namespace
}  // namespace glmgate::openai
