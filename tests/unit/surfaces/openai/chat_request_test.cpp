// Decoding OpenAI chat requests: what passes, what is normalized, and which field an error names.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <cctype>
#include <ostream>
#include <string>

#include "surfaces/openai/chat_request.hpp"

namespace glmgate::openai {
namespace {

TEST(DecodeChatRequest, KeepsUnknownFieldsAndReadsStreamFlags) {
  auto r = decode_chat_request(
      R"({"model":"glm-5","messages":[{"role":"user","content":"hi"}],"stream":true,
          "stream_options":{"include_usage":true},"thinking":{"type":"enabled"},"tool_stream":true})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->model, "glm-5");
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_EQ(boost::json::serialize(r->body.at("thinking")), R"({"type":"enabled"})");
  EXPECT_TRUE(r->body.at("tool_stream").as_bool());
}

TEST(DecodeChatRequest, AcceptsAToolConversationWithReasoning) {
  auto r = decode_chat_request(R"({"model":"m","messages":[
    {"role":"system","content":"s"},
    {"role":"user","content":[{"type":"text","text":"weather?"}]},
    {"role":"assistant","content":null,"reasoning_content":"think",
     "tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c1","content":"sunny"}],
    "tools":[{"type":"function","function":{"name":"w","parameters":{}}}],
    "tool_choice":{"type":"function","function":{"name":"w"}}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body.at("messages").as_array()[2].as_object().at("reasoning_content").as_string(),
            "think");
}

TEST(DecodeChatRequest, MapsMaxCompletionTokensToMaxTokens) {
  auto r = decode_chat_request(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_completion_tokens":50})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.at("max_tokens").as_int64(), 50);
  EXPECT_FALSE(r->body.contains("max_completion_tokens"));
  auto both = decode_chat_request(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":9,"max_completion_tokens":50})");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->body.at("max_tokens").as_int64(), 9);
}

struct BadCase {
  const char* body;
  const char* param;
};

// What a failure prints for a case: its body, not the struct's bytes.
void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.body << " (param: \"" << c.param << "\")";
}

// A case's name in the test list: its index and the field it names ("16_top_p", "0_no_param").
std::string case_name(const ::testing::TestParamInfo<BadCase>& info) {
  std::string name = std::to_string(info.index) + "_";
  std::string_view param = info.param.param;
  if (param.empty()) param = "no_param";
  for (char c : param)
    name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

class DecodeChatRequestErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(DecodeChatRequestErrors, NameTheField) {
  auto r = decode_chat_request(GetParam().body);
  ASSERT_FALSE(r) << GetParam().body;
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().type, "invalid_request_error");
  EXPECT_EQ(r.error().param, GetParam().param);
  if (*GetParam().param) {
    EXPECT_NE(r.error().message.find(GetParam().param), std::string::npos) << r.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DecodeChatRequestErrors,
    ::testing::Values(
        BadCase{"{", ""}, BadCase{"[]", ""}, BadCase{"null", ""},
        BadCase{R"({"messages":[]})", "model"}, BadCase{R"({"model":1,"messages":[]})", "model"},
        BadCase{R"({"model":"m"})", "messages"},
        BadCase{R"({"model":"m","messages":{}})", "messages"},
        BadCase{R"({"model":"m","messages":[]})", "messages"},
        BadCase{R"({"model":"m","messages":[1]})", "messages[0]"},
        BadCase{R"({"model":"m","messages":[{"role":"user"}]})", "messages[0].content"},
        BadCase{R"({"model":"m","messages":[{"role":"user","content":[{"text":"x"}]}]})",
                "messages[0].content[0].type"},
        BadCase{
            R"({"model":"m","messages":[{"role":"assistant","content":"a","tool_calls":[{"id":"c"}]}]})",
            "messages[0].tool_calls[0].function"},
        BadCase{
            R"({"model":"m","messages":[{"role":"assistant","content":"a","tool_calls":[{"id":"c","function":{"name":"f","arguments":{}}}]}]})",
            "messages[0].tool_calls[0].function.arguments"},
        BadCase{R"({"model":"m","messages":[{"role":"user","content":"x","reasoning_content":3}]})",
                "messages[0].reasoning_content"},
        BadCase{R"({"model":"m","messages":[{"role":"user","content":"x"}],"top_p":2})", "top_p"},
        BadCase{R"({"model":"m","messages":[{"role":"user","content":"x"}],"seed":"s"})", "seed"},
        BadCase{R"({"model":"m","messages":[{"role":"user","content":"x"}],"top_k":1.5})", "top_k"},
        BadCase{R"({"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{}})",
                "response_format.type"},
        BadCase{R"({"model":"m","messages":[{"role":"user","content":"x"}],"user":5})", "user"},
        BadCase{
            R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{}}]})",
            "tools[0].function.name"},
        // Output bounds beyond int64 (the pipeline once threw on them: a 500).
        BadCase{
            R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":18446744073709551615})",
            "max_tokens"},
        BadCase{R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":1e30})",
                "max_tokens"},
        BadCase{R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":-1})",
                "max_tokens"},
        BadCase{
            R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_completion_tokens":9223372036854775808})",
            "max_completion_tokens"}),
    case_name);

TEST(DecodeChatRequest, SendsAnIntegralBoundAsAnInteger) {
  auto r = decode_chat_request(R"({"model":"m","messages":[{"role":"user","content":"x"}],
                                  "max_tokens":100.0})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.at("max_tokens"), boost::json::value(100));
}

}  // namespace
}  // namespace glmgate::openai
