// The access log's JSON line: every field of the call, strings escaped (a client names its model),
// the error class only on errors, and valid JSON with one line per call; a file destination gets
// the lines, "off" none.
#include "logging/call_log.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>

namespace glmgate {
namespace {

namespace json = boost::json;

CallLine line() {
  CallLine l;
  l.request_id = "req_1";
  l.key_prefix = "sk-glm-abcd";
  l.account = "acct_1";
  l.surface = "openai";
  l.model = "odd \"model\"\n\\";
  l.served_model = "backup";
  l.deployment = "c";
  l.status = 200;
  l.prompt_tokens = 12;
  l.completion_tokens = 34;
  l.cost_nano_usd = 560;
  l.latency_us = 78'901;
  l.ttft_us = 2'345;
  l.attempts = 3;
  return l;
}

TEST(CallLog, FormatsOneJsonLinePerCallWithEveryField) {
  std::string text = CallLog::format(line(), 1'700'000'000'123);
  ASSERT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1) << "one line";
  json::object o = json::parse(text).as_object();
  EXPECT_EQ(o.at("ts").as_int64(), 1'700'000'000'123);
  EXPECT_EQ(o.at("model").as_string(), "odd \"model\"\n\\");
  EXPECT_EQ(o.at("served_model").as_string(), "backup");
  EXPECT_EQ(o.at("deployment").as_string(), "c");
  EXPECT_EQ(o.at("key_prefix").as_string(), "sk-glm-abcd");
  EXPECT_EQ(o.at("prompt_tokens").as_int64(), 12);
  EXPECT_EQ(o.at("completion_tokens").as_int64(), 34);
  EXPECT_EQ(o.at("cost_nano_usd").as_int64(), 560);
  EXPECT_EQ(o.at("latency_ms").as_int64(), 78);
  EXPECT_EQ(o.at("ttft_ms").as_int64(), 2);
  EXPECT_EQ(o.at("attempts").as_int64(), 3);
  EXPECT_FALSE(o.contains("error_class"));
  CallLine failed = line();
  failed.status = 502;
  failed.error_class = "upstream";
  EXPECT_EQ(json::parse(CallLog::format(failed, 1)).at("error_class").as_string(), "upstream");
}

TEST(CallLog, WritesToAFileOrNowhere) {
  auto dir =
      std::filesystem::temp_directory_path() / ("glmgate-call-log-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "access.log").string();
  {
    CallLog log(path, nullptr);
    ASSERT_TRUE(log.enabled());
    log.write(line());
    log.write(line());
  }  // the destructor writes what is left
  std::ifstream in(path);
  std::string a, b, c;
  ASSERT_TRUE(std::getline(in, a));
  ASSERT_TRUE(std::getline(in, b));
  EXPECT_FALSE(std::getline(in, c));
  EXPECT_EQ(json::parse(a).at("request_id").as_string(), "req_1");
  EXPECT_FALSE(CallLog("off", nullptr).enabled());
  EXPECT_THROW(CallLog((dir / "no" / "such" / "dir").string(), nullptr), std::runtime_error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace glmgate
