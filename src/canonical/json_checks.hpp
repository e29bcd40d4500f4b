// Helpers the surfaces share: type names for messages, the typed 400s that name the offending
// field, integer checks and output-token bounds, parsing a body into a JSON object, reading string
// fields, building the canonical assistant message and estimating a prompt's tokens. Pure
// functions.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_error.hpp"

namespace glmgate {

// "a string", "an array"... for error messages.
const char* json_kind_name(const boost::json::value& v);

ApiError type_error(const std::string& field, std::string_view expected,
                    const boost::json::value& got);
ApiError missing_field(const std::string& field);

// "messages[3]": the name of an array element in error messages.
std::string indexed(const std::string& field, std::size_t i);

// Calls fn(element, "field[i]") for each element of `array_value`, which must be an array of
// objects (a 400 naming `field` or the element otherwise); the first error fn returns stops it.
template <class F>
std::optional<ApiError> each_object(const boost::json::value& array_value, const std::string& field,
                                    F&& fn) {
  if (!array_value.is_array()) return type_error(field, "an array", array_value);
  const auto& list = array_value.get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string element = indexed(field, i);
    if (!list[i].is_object()) return type_error(element, "an object", list[i]);
    if (auto e = fn(list[i].get_object(), element)) return e;
  }
  return std::nullopt;
}

// The same for the optional field `key` of `in` (absent or null: no elements).
template <class F>
std::optional<ApiError> each_object(const boost::json::object& in, std::string_view key, F&& fn) {
  auto it = in.find(key);
  if (it == in.end() || it->value().is_null()) return std::nullopt;
  return each_object(it->value(), std::string(key), std::forward<F>(fn));
}

bool is_json_integer(const boost::json::value& v);
std::int64_t json_integer(const boost::json::value& v);

// An output-token bound (max_tokens, max_completion_tokens, maxOutputTokens): an integer from 1
// to INT64_MAX. The value, or a 400 naming `field` (a type error, or an out-of-range value such as
// -1, 0, 1e30 or 18446744073709551615).
Result<std::int64_t> token_bound(const boost::json::value& v, const std::string& field);

// Parses `text` into `out`, in `out`'s own storage (a value assigned from another storage is
// copied node by node); a 400 naming the problem when it is not a JSON object.
std::optional<ApiError> parse_body_object(std::string_view text, boost::json::value& out);

// The value of a string field, or empty when it is absent or not a string.
std::string_view string_or_empty(const boost::json::object& o, std::string_view key);

// choices[0] of a canonical response or chunk, when it is an object; else null.
const boost::json::object* first_choice(const boost::json::object& response);

// Tool-call arguments (JSON text from the model) as an object; {} when they do not parse, so a
// model's broken JSON never breaks a client's decoder.
boost::json::value arguments_object(std::string_view arguments);

// The tool_calls of a canonical assistant message or stream delta, as views into it. `index` is
// the call's "index" (stream deltas), else its position.
struct ToolCallView {
  std::int64_t index = 0;
  std::string_view id;
  std::string_view name;
  std::string_view arguments;
};
std::vector<ToolCallView> tool_calls_of(const boost::json::object& message);

// What a chat.completion answered, in the order every surface renders it: the first choice's
// finish reason ("stop" when it has none), its reasoning, text and tool calls. Views into
// `completion`.
struct AnswerView {
  std::string_view finish = "stop";
  std::string_view reasoning;
  std::string_view text;
  std::vector<ToolCallView> calls;
};
AnswerView answer_of(const boost::json::object& completion);

// The canonical assistant message: content (null when there are only tool calls),
// reasoning_content when there was thinking, tool_calls when there were calls.
boost::json::object canonical_assistant(const std::string& text, const std::string& reasoning,
                                        boost::json::array calls);

// An estimate of a canonical request's prompt tokens for count_tokens / countTokens: the text of
// its messages and tools at about 4 characters per token, plus a few tokens per message.
std::int64_t estimate_prompt_tokens(const boost::json::object& canonical);

}  // namespace glmgate
