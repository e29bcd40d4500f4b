// Golden-file tests of the Anthropic converters, both directions: each file under
// tests/golden/anthropic/ holds an input and the exact expected output. Kinds:
//   "request":  an Anthropic request -> the canonical request (or the 400 it gets)
//   "response": a canonical chat.completion -> the Anthropic message
//   "stream":   canonical chunks (+ usage, or an upstream error) -> the Anthropic events
// GLMGATE_UPDATE_GOLDEN=1 rewrites the expected outputs (review the diff before committing).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "surfaces/anthropic/anthropic_surface.hpp"
#include "surfaces/anthropic/messages_request.hpp"
#include "surfaces/anthropic/messages_response.hpp"
#include "surfaces/anthropic/stream_encoder.hpp"

namespace glmgate {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

json::object read_case(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str()).as_object();
}

// SSE text into [{"event": name, "data": payload}].
json::array parse_events(const std::string& text) {
  json::array out;
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find("\n\n", at);
    std::string frame = text.substr(at, end - at);
    at = end == std::string::npos ? text.size() : end + 2;
    auto nl = frame.find('\n');
    std::string name = frame.substr(7, nl - 7);            // "event: "
    json::value data = json::parse(frame.substr(nl + 7));  // "data: "
    out.push_back(json::object{{"event", name}, {"data", data}});
  }
  return out;
}

json::value run_case(const json::object& c) {
  std::string_view kind = c.at("kind").as_string();
  if (kind == "request") {
    auto decoded = anthropic::decode_messages_request(json::serialize(c.at("input")));
    if (!decoded)
      return json::object{{"status", decoded.error().status},
                          {"param", decoded.error().param},
                          {"message", decoded.error().message}};
    return decoded->body;
  }
  if (kind == "response") return anthropic::message_from_completion(c.at("input").as_object());
  auto encoder = anthropic::make_stream_encoder();
  std::string out;
  for (const auto& chunk : c.at("chunks").as_array()) {
    json::object copy = chunk.as_object();
    encoder->chunk(copy, out);
  }
  if (auto e = c.find("error"); e != c.end()) {
    ApiError err{static_cast<int>(e->value().at("status").as_int64()),
                 "upstream_error",
                 "upstream_error",
                 std::string(e->value().at("message").as_string()),
                 {}};
    encoder->error(err, out);
  } else {
    std::optional<Usage> usage;
    if (auto u = c.find("usage"); u != c.end()) {
      Usage v;
      v.prompt_tokens = u->value().at("prompt_tokens").as_int64();
      v.completion_tokens = u->value().at("completion_tokens").as_int64();
      if (auto cached = u->value().as_object().find("cached_tokens");
          cached != u->value().as_object().end())
        v.cached_tokens = cached->value().as_int64();
      usage = v;
    }
    encoder->done(usage, out);
  }
  return parse_events(out);
}

// Every block opened is closed, indexes count up from 0, deltas go to the open block.
void check_event_grammar(const json::array& events, const std::string& name) {
  std::int64_t open = -1, next = 0;
  for (const auto& e : events) {
    std::string_view type = e.at("event").as_string();
    EXPECT_EQ(e.at("data").at("type").as_string(), type) << name;
    if (type == "content_block_start") {
      EXPECT_EQ(open, -1) << name << ": a block started while another was open";
      open = e.at("data").at("index").as_int64();
      EXPECT_EQ(open, next) << name;
    } else if (type == "content_block_delta") {
      EXPECT_EQ(e.at("data").at("index").as_int64(), open) << name;
    } else if (type == "content_block_stop") {
      EXPECT_EQ(e.at("data").at("index").as_int64(), open) << name;
      open = -1;
      ++next;
    } else if (type == "message_delta" || type == "message_stop") {
      EXPECT_EQ(open, -1) << name << ": message ended with a block open";
    }
  }
}

TEST(AnthropicGolden, EveryCaseMatches) {
  fs::path dir = fs::path(GLMGATE_SOURCE_DIR) / "tests/golden/anthropic";
  bool update = std::getenv("GLMGATE_UPDATE_GOLDEN") != nullptr;
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    ++cases;
    json::object c = read_case(entry.path());
    json::value got = run_case(c);
    std::string name = entry.path().filename().string();
    if (c.at("kind").as_string() == "stream") check_event_grammar(got.as_array(), name);
    if (update) {
      c["expected"] = got;
      std::ofstream(entry.path()) << json::serialize(c) << "\n";
      continue;
    }
    ASSERT_TRUE(c.contains("expected")) << name << ": no expected output";
    EXPECT_EQ(got, c.at("expected")) << name << "\n got: " << json::serialize(got);
  }
  EXPECT_GE(cases, 10);
}

}  // namespace
}  // namespace glmgate
