// Mapping upstream failures to client errors, and keeping provider keys out of messages.
#include <gtest/gtest.h>

#include "providers/upstream_errors.hpp"

namespace glmgate {
namespace {

TEST(MapUpstreamResponse, MapsZaiBusinessCodes) {
  struct Case {
    const char* code;
    int status;
    const char* our_code;
  };
  for (auto c :
       {Case{"1302", 429, "rate_limit_exceeded"}, Case{"1303", 429, "rate_limit_exceeded"},
        Case{"1305", 429, "rate_limit_exceeded"}, Case{"1313", 429, "rate_limit_exceeded"},
        Case{"1312", 503, "upstream_overloaded"}, Case{"1261", 400, "context_length_exceeded"}}) {
    std::string body = std::string(R"({"error":{"code":")") + c.code + R"(","message":"m"}})";
    ApiError e = map_upstream_response("zai", 429, body, "");
    EXPECT_EQ(e.status, c.status) << c.code;
    EXPECT_EQ(e.code, c.our_code) << c.code;
    EXPECT_NE(e.message.find("m"), std::string::npos);
  }
}

TEST(MapUpstreamResponse, MapsHttpStatuses) {
  const char* body = R"({"error":{"message":"nope","type":"x"}})";
  EXPECT_EQ(map_upstream_response("p", 400, body, "").status, 400);
  EXPECT_EQ(map_upstream_response("p", 401, body, "").status, 502);
  EXPECT_EQ(map_upstream_response("p", 403, body, "").status, 502);
  EXPECT_EQ(map_upstream_response("p", 404, body, "").status, 502);
  EXPECT_EQ(map_upstream_response("p", 429, body, "").status, 429);
  EXPECT_EQ(map_upstream_response("p", 500, body, "").status, 502);
  EXPECT_EQ(map_upstream_response("p", 503, body, "").status, 503);
  EXPECT_EQ(map_upstream_response("p", 504, body, "").status, 504);
  ApiError e = map_upstream_response("p", 500, "plain text failure", "");
  EXPECT_EQ(e.type, "upstream_error");
  EXPECT_NE(e.message.find("plain text failure"), std::string::npos);
  EXPECT_NE(
      map_upstream_response("p", 500, R"({"error":"vllm style"})", "").message.find("vllm style"),
      std::string::npos);
}

TEST(MapUpstreamResponse, NeverRepeatsTheProviderKey) {
  std::string key = "sk-live-9f8e7d6c5b4a39281706";
  ApiError e = map_upstream_response(
      "p", 401, R"({"error":{"message":"Incorrect API key provided: )" + key + R"("}})", key);
  EXPECT_EQ(e.message.find(key), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("9f8e7d6c"), std::string::npos) << e.message;
}

// The key may sit in any field of an upstream error, not only in its message.
TEST(MapUpstreamResponse, RedactsEveryStringOfTheError) {
  std::string key = "pk_live_0123456789abcdef";  // not shaped like sk-...: only the secret masks it
  for (int status : {400, 422, 401, 500}) {
    ApiError e = map_upstream_response(
        "p", status,
        R"({"error":{"code":")" + key + R"(","type":")" + key + R"(","param":")" + key +
            R"(","message":"bad","details":[{"hint":")" + key + R"("}]}})",
        key);
    for (const std::string* field : {&e.code, &e.type, &e.param, &e.message})
      EXPECT_EQ(field->find("0123456789abcdef"), std::string::npos) << status << ": " << *field;
  }
  ApiError coded = map_upstream_response(
      "p", 400, R"({"error":{"code":"sk-abcdefghijklmnopqrstuv","message":"m"}})", "");
  EXPECT_EQ(coded.code.find("abcdefghijklmnop"), std::string::npos) << coded.code;
  // A code that looks like one still passes on.
  EXPECT_EQ(
      map_upstream_response("p", 400, R"({"error":{"code":"bad_temp","message":"m"}})", "").code,
      "bad_temp");
  // A message that is only the upstream's raw body is redacted too.
  EXPECT_EQ(map_upstream_response("p", 500, "failed for " + key, key).message.find(key),
            std::string::npos);
}

TEST(Redact, MasksTheSecretAndKeyShapedTokens) {
  EXPECT_EQ(redact("key abcdef123 used", "abcdef123"), "key *** used");
  EXPECT_EQ(redact("bad key sk-abcdefghijklmnop!", ""), "bad key sk-***!");
  EXPECT_EQ(redact("short sk-abc stays", ""), "short sk-abc stays");
}

TEST(MapTransportError, TimeoutsAre504AndTheRest502) {
  EXPECT_EQ(map_transport_error("p", {UpstreamFailure::timeout_first_byte, "t"}).status, 504);
  EXPECT_EQ(map_transport_error("p", {UpstreamFailure::timeout_idle, "t"}).status, 504);
  EXPECT_EQ(map_transport_error("p", {UpstreamFailure::connect, "c"}).status, 502);
  EXPECT_EQ(map_transport_error("p", {UpstreamFailure::reset, "r"}).status, 502);
}

}  // namespace
}  // namespace glmgate
