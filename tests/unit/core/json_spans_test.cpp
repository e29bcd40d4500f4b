// parse_locating(): the same value and errors as json::parse, and the spans of top-level string
// members only where replacing the literal in the text is the same as changing the value;
// replace_string_values(): the text a serializer would agree with.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

#include "core/json_spans.hpp"

namespace glmgate {
namespace {

namespace json = boost::json;

constexpr std::string_view kKeys[] = {"id", "model"};

struct Located {
  json::value value;
  boost::system::error_code ec;
  std::array<TextSpan, 2> spans;
};

Located locate(std::string_view text) {
  Located out;
  out.value = parse_locating(text, kKeys, out.spans, out.ec);
  return out;
}

std::string_view at(std::string_view text, TextSpan span) {
  return text.substr(span.begin, span.end - span.begin);
}

TEST(ParseLocating, BuildsWhatJsonParseBuildsAndFindsTheTopLevelLiterals) {
  std::string text =
      R"({"id" : "chatcmpl-up","object":"chat.completion","model":"glm-4.6",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"a \"quoted\" word",)"
      R"("id":"inner","model":"inner"}}],"usage":{"prompt_tokens":3,"total_tokens":1.5e1}})";
  Located got = locate(text);
  ASSERT_FALSE(got.ec);
  EXPECT_EQ(got.value, json::parse(text));
  ASSERT_TRUE(got.spans[0].found());
  ASSERT_TRUE(got.spans[1].found());
  EXPECT_EQ(at(text, got.spans[0]), R"("chatcmpl-up")");
  EXPECT_EQ(at(text, got.spans[1]), R"("glm-4.6")");
}

TEST(ParseLocating, LeavesOutMembersWhoseLiteralIsNotTheirValueOrThatRepeat) {
  // Escaped value, value not a string, a key given twice (once spelled with an escape): the text
  // cannot stand for the value in any of them.
  for (std::string text :
       {R"({"id":"chat\u0063mpl","model":"m"})", R"({"id":7,"model":"m"})",
        R"({"id":"a","model":"m","\u006dodel":"n"})", R"({"id":"a","model":"m","id":"b"})",
        R"({"id":"a","model":{"name":"m"}})"}) {
    Located got = locate(text);
    ASSERT_FALSE(got.ec) << text;
    EXPECT_EQ(got.value, json::parse(text)) << text;
    EXPECT_FALSE(got.spans[0].found() && got.spans[1].found()) << text;
  }
  // A key spelled with an escape is the key the object has.
  std::string escaped_key = R"({"id":"a","\u006dodel":"m"})";
  EXPECT_EQ(at(escaped_key, locate(escaped_key).spans[1]), R"("m")");
  Located empty = locate(R"({"id":"","model":"m"})");
  EXPECT_EQ(at(R"({"id":"","model":"m"})", empty.spans[0]), R"("")");
}

TEST(ParseLocating, FailsAsJsonParseDoesAndFindsNothing) {
  for (std::string text : {"", "{", R"({"id":"a"} x)", R"({"id":"a",})", "[1,2", "\"\xff\""}) {
    Located got = locate(text);
    boost::system::error_code expected;
    (void)json::parse(text, expected);
    EXPECT_EQ(got.ec, expected) << text;
    EXPECT_FALSE(got.spans[0].found()) << text;
    EXPECT_FALSE(got.spans[1].found()) << text;
  }
  Located array = locate(R"([{"id":"a","model":"b"}])");
  ASSERT_FALSE(array.ec);
  EXPECT_FALSE(array.spans[0].found()) << "only members of a top-level object count";
}

TEST(ReplaceStringValues, GivesTheTextOfTheChangedValueInEitherOrder) {
  for (std::string text : {std::string(R"({"id":"up-1","n":[1,2],"model":"glm-4.6","x":"y"})"),
                           std::string(R"({"model":"glm-4.6", "id":"up-1"})")}) {
    Located got = locate(text);
    ASSERT_TRUE(got.spans[0].found() && got.spans[1].found()) << text;
    const std::string_view values[] = {"chatcmpl-ours", "my \"model\"\n"};
    std::string out = replace_string_values(text, got.spans, values);
    json::value expected = json::parse(text);
    expected.as_object()["id"] = values[0];
    expected.as_object()["model"] = values[1];
    EXPECT_EQ(json::parse(out), expected) << out;
  }
}

}  // namespace
}  // namespace glmgate
