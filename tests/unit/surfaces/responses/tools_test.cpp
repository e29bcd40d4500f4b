// Namespace flattening and its way back, custom tool text, and the sealed reasoning token.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "surfaces/responses/reasoning_token.hpp"
#include "surfaces/responses/responses_tools.hpp"

namespace glmgate::responses {
namespace {

namespace json = boost::json;

TEST(ResponsesTools, FlattensNamespaceMembersLikeCodex) {
  EXPECT_EQ(flat_tool_name("", "exec_command"), "exec_command");
  EXPECT_EQ(flat_tool_name("multi_agent_v1", "spawn_agent"), "multi_agent_v1__spawn_agent");
  // MCP namespaces end in "__": the joint is not doubled.
  EXPECT_EQ(flat_tool_name("mcp__github__", "_search"), "mcp__github__search");
}

TEST(ResponsesTools, ShortensLongNamesStablyWithinTheLimit) {
  std::string ns(50, 'n');
  std::string a = flat_tool_name(ns, "a_very_long_tool_name_one");
  std::string b = flat_tool_name(ns, "a_very_long_tool_name_two");
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, flat_tool_name(ns, "a_very_long_tool_name_one"));
  json::value tools =
      json::parse(R"([{"type":"namespace","name":")" + ns +
                  R"(","tools":[{"type":"function","name":"a_very_long_tool_name_one"}]}])");
  ToolMap map(tools);
  const ToolOrigin* o = map.origin(a);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->ns, ns);
  EXPECT_EQ(o->name, "a_very_long_tool_name_one");
}

TEST(ResponsesTools, MapsOnlyNamespaceMembersAndCustomTools) {
  ToolMap map(json::parse(R"([{"type":"function","name":"f"},{"type":"custom","name":"c"},
    {"type":"namespace","name":"ns","tools":[{"type":"function","name":"g"}]},{"type":"web_search"}])"));
  EXPECT_EQ(map.origin("f"), nullptr);
  ASSERT_NE(map.origin("c"), nullptr);
  EXPECT_TRUE(map.origin("c")->custom);
  ASSERT_NE(map.origin("ns__g"), nullptr);
  EXPECT_FALSE(map.origin("ns__g")->custom);
  EXPECT_EQ(ToolMap(json::value("junk")).origin("f"), nullptr);
}

TEST(ResponsesTools, CustomInputIsTheTextTheModelMeant) {
  EXPECT_EQ(custom_input(R"({"input":"*** Begin Patch\n"})"), "*** Begin Patch\n");
  EXPECT_EQ(custom_input(R"({"patch":"x"})"), "x");
  EXPECT_EQ(custom_input(R"({"a":1,"b":2})"), R"({"a":1,"b":2})");
  EXPECT_EQ(custom_input("not json"), "not json");
  EXPECT_EQ(custom_input(custom_arguments("line \"1\"\n")), "line \"1\"\n");
}

TEST(ReasoningToken, RoundTripsAndRejectsWhatItDidNotMake) {
  std::string text = "Let me think: \"quotes\", ünïcödé, and\nnewlines.";
  for (std::size_t n = 0; n < 4; ++n) {  // every base64 padding length
    std::string t = text.substr(n);
    auto opened = open_reasoning(seal_reasoning(t));
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, t);
  }
  EXPECT_FALSE(open_reasoning(""));
  EXPECT_FALSE(open_reasoning("gAAAAABo-opaque"));
  EXPECT_FALSE(open_reasoning("e30="));          // {}
  EXPECT_FALSE(open_reasoning("eyJhIjoxfQ=="));  // {"a":1}
  EXPECT_FALSE(open_reasoning("!!!!"));
}

}  // namespace
}  // namespace glmgate::responses
