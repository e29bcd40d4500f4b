// The Responses API's tools as canonical (Chat Completions) function tools, and the way back.
// `function` tools pass as they are; the members of a `namespace` group (Codex) become function
// tools named "<namespace>__<name>", the flat form Codex itself uses where a protocol has no
// namespaces; a `custom` tool (free-form text input) becomes a function tool with one string
// parameter "input"; built-in tools glmgate cannot run (web_search, file_search, mcp...) are left
// out of the upstream request. A ToolMap, built from the request's `tools` as sent, turns an
// upstream call back into what the client declared: the bare name with its namespace, and
// whether it is a custom tool. Pure functions; a ToolMap is immutable once built.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/api_error.hpp"

namespace glmgate::responses {

// The name a tool has upstream (`ns` empty: a top-level tool, its own name); a namespace member's
// is "<namespace>__<name>" (underscores around the joint
// trimmed, as Codex does), shortened with a hash suffix when longer than 64 characters, the
// limit of OpenAI-compatible upstreams.
std::string flat_tool_name(std::string_view ns, std::string_view name);

// What an upstream tool name stands for in the client's request.
struct ToolOrigin {
  std::string name;     // as declared, without the namespace
  std::string ns;       // the namespace group, empty at the top level
  bool custom = false;  // a custom (free-form text) tool: calls come back as custom_tool_call
};

class ToolMap {
 public:
  ToolMap() = default;
  // From the request's `tools` (anything else, or malformed entries, are skipped).
  explicit ToolMap(const boost::json::value& tools);

  // The client's declaration behind an upstream name; null for a plain top-level function tool.
  const ToolOrigin* origin(std::string_view upstream_name) const;

 private:
  std::unordered_map<std::string, ToolOrigin> by_upstream_;
};

// The text input of a custom tool call from the upstream's function arguments ({"input": ...});
// the arguments as they are when the model sent something else.
std::string custom_input(std::string_view arguments);
// The function arguments a custom tool call's text input becomes upstream.
std::string custom_arguments(std::string_view input);

// Decodes `tools`, `tool_choice` and `parallel_tool_calls` of the Responses request `in` into the
// canonical request `out`. A tool_choice that forces a built-in tool is a 400 (glmgate cannot run
// it, and answering without it would ignore what the client required).
std::optional<ApiError> decode_tools(const boost::json::object& in, boost::json::object& out);

}  // namespace glmgate::responses
