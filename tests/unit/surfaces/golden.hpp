// Golden-file runner shared by the surface converter tests: every tests/golden/<dir>/*.json holds
// an input and the exact expected output; `run` computes the output from the case. With
// GLMGATE_UPDATE_GOLDEN=1 the expected outputs are rewritten instead (review the diff).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "surfaces/surface.hpp"

namespace glmgate::golden {

inline int run_dir(const std::string& dir,
                   const std::function<boost::json::value(const boost::json::object&)>& run,
                   const std::function<void(const boost::json::object&, const boost::json::value&,
                                            const std::string&)>& also_check = {}) {
  namespace fs = std::filesystem;
  namespace json = boost::json;
  bool update = std::getenv("GLMGATE_UPDATE_GOLDEN") != nullptr;
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(GLMGATE_SOURCE_DIR) / dir)) {
    if (entry.path().extension() != ".json") continue;
    ++cases;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    json::object c = json::parse(text.str()).as_object();
    json::value got = run(c);
    std::string name = entry.path().filename().string();
    if (also_check) also_check(c, got, name);
    if (update) {
      c["expected"] = got;
      std::ofstream(entry.path()) << json::serialize(c) << "\n";
      continue;
    }
    if (!c.contains("expected")) {
      ADD_FAILURE() << name << ": no expected output";
      continue;
    }
    EXPECT_EQ(got, c.at("expected")) << name << "\n got: " << json::serialize(got);
  }
  return cases;
}

// Feeds a stream case to `encoder`: its "chunks", then its "error" ({status, message}) or the end
// of the stream with its "usage" ({prompt_tokens, completion_tokens, cached_tokens?,
// reasoning_tokens?}). Returns the bytes the encoder wrote.
inline std::string encode_stream(StreamEncoder& encoder, const boost::json::object& c) {
  std::string out;
  for (const auto& chunk : c.at("chunks").as_array()) {
    boost::json::object copy = chunk.as_object();
    encoder.chunk(copy, out);
  }
  if (auto e = c.find("error"); e != c.end()) {
    ApiError err{static_cast<int>(e->value().at("status").as_int64()),
                 "upstream_error",
                 "upstream_error",
                 std::string(e->value().at("message").as_string()),
                 {}};
    encoder.error(err, out);
    return out;
  }
  std::optional<Usage> usage;
  if (auto u = c.find("usage"); u != c.end()) {
    const auto& o = u->value().as_object();
    Usage v;
    v.prompt_tokens = o.at("prompt_tokens").as_int64();
    v.completion_tokens = o.at("completion_tokens").as_int64();
    if (auto k = o.find("cached_tokens"); k != o.end()) v.cached_tokens = k->value().as_int64();
    if (auto r = o.find("reasoning_tokens"); r != o.end())
      v.reasoning_tokens = r->value().as_int64();
    usage = v;
  }
  encoder.done(usage, out);
  return out;
}

// The frames of SSE text (what lies between blank lines), in order.
inline std::vector<std::string> sse_frames(const std::string& text) {
  std::vector<std::string> frames;
  for (std::size_t at = 0, end; at < text.size();
       at = end == std::string::npos ? text.size() : end + 2) {
    end = text.find("\n\n", at);
    frames.push_back(text.substr(at, end - at));
  }
  return frames;
}

// A decoder's result as a golden value: the canonical body, or the 400's status, param, message.
inline boost::json::value request_result(const Result<CanonicalRequest>& decoded) {
  if (!decoded)
    return boost::json::object{{"status", decoded.error().status},
                               {"param", decoded.error().param},
                               {"message", decoded.error().message}};
  return decoded.value().body;
}

}  // namespace glmgate::golden
