// The fake provider's steering: directives in the prompt choose the answer; streamed and
// non-streamed answers agree.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "scenario.hpp"

namespace {

boost::json::object request(std::string_view content, bool stream = false) {
  boost::json::object r;
  r["model"] = "up";
  r["stream"] = stream;
  r["messages"] = boost::json::array{boost::json::object{{"role", "user"}, {"content", content}}};
  return r;
}

TEST(FakeScenario, ReadsDirectivesFromTheLastMessage) {
  auto s = fake::parse_scenario(request("hi fake: chunks=5 delay_ms=20 tool=f reasoning=2"), "");
  EXPECT_EQ(s.chunks, 5);
  EXPECT_EQ(s.delay_ms, 20);
  EXPECT_EQ(s.reasoning, 2);
  ASSERT_EQ(s.tools.size(), 1u);
  EXPECT_EQ(s.tools[0], "f");
  EXPECT_EQ(s.model, "up");
}

TEST(FakeScenario, StreamedTextJoinsToTheWholeText) {
  auto s = fake::parse_scenario(request("x fake: chunks=4 text=one_two_three", true), "");
  auto events = fake::stream_events(s, "id");
  std::string joined;
  for (auto& e : events) {
    if (e == "data: [DONE]\n\n") continue;
    auto chunk = boost::json::parse(e.substr(6)).as_object();
    auto& delta = chunk.at("choices").as_array()[0].as_object().at("delta").as_object();
    if (delta.contains("content")) joined += delta.at("content").as_string();
  }
  EXPECT_EQ(joined, "one two three");
  EXPECT_EQ(events.back(), "data: [DONE]\n\n");
}

TEST(FakeScenario, ToolArgumentsComePercentEncodedAfterTheirTool) {
  auto s = fake::parse_scenario(
      request("fake: tool=Read args=%7B%22file_path%22%3A%22%2Ftmp%2Fa%20b%22%7D tool=g"), "");
  ASSERT_EQ(s.tools.size(), 2u);
  EXPECT_EQ(fake::tool_arguments(s, 0), R"({"file_path":"/tmp/a b"})");
  EXPECT_NE(fake::tool_arguments(s, 1).find("Paris"), std::string::npos);  // the default
  auto body = boost::json::parse(fake::completion_body(s, "id")).as_object();
  auto& calls = body.at("choices").as_array()[0].at("message").at("tool_calls").as_array();
  EXPECT_EQ(calls[0].at("function").at("arguments").as_string(), R"({"file_path":"/tmp/a b"})");
}

// Claude Code sends its environment notes as a system entry after the user's prompt.
TEST(FakeScenario, TakesTheDirectiveFromTheLastMessageThatIsNotInstructions) {
  auto r = request("do it fake: tool=Read");
  r["messages"].as_array().push_back(
      boost::json::object{{"role", "system"}, {"content", "# Environment"}});
  auto s = fake::parse_scenario(r, "");
  ASSERT_EQ(s.tools.size(), 1u);
  EXPECT_EQ(s.tools[0], "Read");
  // A tool's result after the call ends the loop: no directive, a plain answer.
  r["messages"].as_array().push_back(
      boost::json::object{{"role", "tool"}, {"tool_call_id", "c"}, {"content", "file text"}});
  EXPECT_TRUE(fake::parse_scenario(r, "").tools.empty());
}

}  // namespace
