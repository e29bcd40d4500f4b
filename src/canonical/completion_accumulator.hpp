// CompletionAccumulator: folds a stream of canonical chunks back into the chat.completion a
// non-streamed call would have returned (content, reasoning_content, tool calls by index, finish
// reason, usage), so a streamed generation can be stored and served again by its ID like any
// other. One per stream; not thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>

#include "canonical/usage.hpp"

namespace glmgate {

class CompletionAccumulator {
 public:
  void add(const boost::json::object& chunk);
  // The completion so far; `usage` overrides the last usage seen in the chunks.
  boost::json::object completion(const std::optional<Usage>& usage = std::nullopt) const;
  std::string_view finish_reason() const { return finish_; }

 private:
  struct ToolCall {
    std::string id;
    std::string name;
    std::string arguments;
  };
  std::string id_;
  std::string model_;
  std::int64_t created_ = 0;
  std::string content_;
  std::string reasoning_;
  std::map<std::int64_t, ToolCall> tool_calls_;
  std::string finish_;
  std::optional<Usage> usage_;
};

}  // namespace glmgate
