// Folding a canonical stream back into a completion: text and reasoning concatenated, tool calls
// accumulated by index even when interleaved, the finish reason and the last usage kept.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "canonical/completion_accumulator.hpp"

namespace glmgate {
namespace {

namespace json = boost::json;

json::object chunk(json::object delta, json::value finish = nullptr) {
  return json::object{
      {"id", "chatcmpl-1"},
      {"object", "chat.completion.chunk"},
      {"created", 7},
      {"model", "glm-test"},
      {"choices", json::array{json::object{
                      {"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish}}}}};
}

TEST(CompletionAccumulator, FoldsAStreamIntoTheCompletion) {
  CompletionAccumulator acc;
  acc.add(chunk({{"role", "assistant"}, {"reasoning_content", "Let me "}}));
  acc.add(chunk({{"reasoning_content", "think."}}));
  acc.add(chunk({{"content", "Sure"}}));
  acc.add(
      chunk({{"tool_calls",
              json::array{json::object{{"index", 0},
                                       {"id", "c1"},
                                       {"function", {{"name", "one"}, {"arguments", "{\"x\":"}}}},
                          json::object{{"index", 1},
                                       {"id", "c2"},
                                       {"function", {{"name", "two"}, {"arguments", "{}"}}}}}}}));
  acc.add(chunk({{"tool_calls",
                  json::array{json::object{{"index", 0}, {"function", {{"arguments", "1}"}}}}}}}));
  acc.add(chunk({}, "tool_calls"));
  json::object usage_chunk{{"id", "chatcmpl-1"},
                           {"choices", json::array()},
                           {"usage", {{"prompt_tokens", 5}, {"completion_tokens", 9}}}};
  acc.add(usage_chunk);
  json::object c = acc.completion();
  EXPECT_EQ(c.at("id"), "chatcmpl-1");
  EXPECT_EQ(c.at("model"), "glm-test");
  EXPECT_EQ(c.at("created"), 7);
  const auto& choice = c.at("choices").as_array()[0].as_object();
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  const auto& msg = choice.at("message").as_object();
  EXPECT_EQ(msg.at("content"), "Sure");
  EXPECT_EQ(msg.at("reasoning_content"), "Let me think.");
  const auto& calls = msg.at("tool_calls").as_array();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].at("function").at("arguments"), "{\"x\":1}");
  EXPECT_EQ(calls[1].at("id"), "c2");
  EXPECT_EQ(c.at("usage").at("total_tokens"), 14);
}

TEST(CompletionAccumulator, AnExplicitUsageWinsAndAnUnfinishedStreamSaysSo) {
  CompletionAccumulator acc;
  acc.add(chunk({{"content", "partial"}}));
  Usage u;
  u.prompt_tokens = 3;
  u.completion_tokens = 1;
  u.estimated = true;
  json::object c = acc.completion(u);
  EXPECT_TRUE(c.at("choices").as_array()[0].at("finish_reason").is_null());
  EXPECT_EQ(c.at("choices").as_array()[0].at("message").at("content"), "partial");
  EXPECT_EQ(c.at("usage").at("prompt_tokens"), 3);
  EXPECT_FALSE(c.at("choices").as_array()[0].at("message").as_object().contains("tool_calls"));
}

}  // namespace
}  // namespace glmgate
