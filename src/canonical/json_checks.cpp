// Shared decoder helpers; see json_checks.hpp.
#include "canonical/json_checks.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace glmgate {

namespace json = boost::json;

const char* json_kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "unknown";
}

ApiError type_error(const std::string& field, std::string_view expected, const json::value& v) {
  return ApiError::invalid_request("Invalid type for '" + field + "': expected " +
                                       std::string(expected) + ", but got " + json_kind_name(v) +
                                       ".",
                                   field, "invalid_type");
}

ApiError missing_field(const std::string& field) {
  return ApiError::invalid_request("Missing required parameter: '" + field + "'.", field,
                                   "missing_required_parameter");
}

namespace {
// Doubles that convert to int64 without overflow (casting one outside that range is undefined):
// [-2^63, 2^63), both ends exact in a double.
bool fits_int64(double d) {
  return d >= -0x1p63 && d < 0x1p63;
}
}  // namespace

std::string indexed(const std::string& field, std::size_t i) {
  return field + "[" + std::to_string(i) + "]";
}

bool is_json_integer(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  if (!v.is_double()) return false;
  double d = v.get_double();
  return fits_int64(d) && d == static_cast<double>(static_cast<std::int64_t>(d));
}

std::int64_t json_integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64())
    return v.get_uint64() > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(v.get_uint64());
  double d = v.is_double() ? v.get_double() : 0.0;
  if (!fits_int64(d)) return d < 0 ? INT64_MIN : INT64_MAX;
  return static_cast<std::int64_t>(d);
}

Result<std::int64_t> token_bound(const json::value& v, const std::string& field) {
  if (!v.is_number()) return type_error(field, "an integer", v);
  bool huge = (v.is_uint64() && v.get_uint64() > INT64_MAX) ||
              (v.is_double() && !fits_int64(v.get_double()));
  if (!huge && !is_json_integer(v)) return type_error(field, "an integer", v);
  if (huge || json_integer(v) < 1)
    return ApiError::invalid_request("Invalid value for '" + field + "': " + json::serialize(v) +
                                         ". It must be an integer from 1 to " +
                                         std::to_string(INT64_MAX) + ".",
                                     field, "invalid_value");
  return json_integer(v);
}

std::optional<ApiError> parse_body_object(std::string_view text, json::value& out) {
  boost::system::error_code ec;
  out = json::parse(text, ec, out.storage());
  if (ec)
    return ApiError::invalid_request("We could not parse the JSON body of your request (" +
                                         ec.message() + "). The body must be a JSON object.",
                                     {}, "invalid_json");
  if (!out.is_object())
    return ApiError::invalid_request(
        "The request body must be a JSON object, got " + std::string(json_kind_name(out)) + ".", {},
        "invalid_json");
  return std::nullopt;
}

std::string_view string_or_empty(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string_view(it->value().get_string())
                                                  : std::string_view();
}

const json::object* first_choice(const json::object& response) {
  auto choices = response.find("choices");
  if (choices == response.end() || !choices->value().is_array() ||
      choices->value().get_array().empty() || !choices->value().get_array()[0].is_object())
    return nullptr;
  return &choices->value().get_array()[0].get_object();
}

AnswerView answer_of(const json::object& completion) {
  AnswerView a;
  const json::object* choice = first_choice(completion);
  if (!choice) return a;
  if (auto f = string_or_empty(*choice, "finish_reason"); !f.empty()) a.finish = f;
  auto m = choice->find("message");
  if (m == choice->end() || !m->value().is_object()) return a;
  const auto& msg = m->value().get_object();
  a.reasoning = string_or_empty(msg, "reasoning_content");
  a.text = string_or_empty(msg, "content");
  a.calls = tool_calls_of(msg);
  return a;
}

json::value arguments_object(std::string_view arguments) {
  boost::system::error_code ec;
  json::value v = json::parse(arguments, ec);
  if (ec || !v.is_object()) return json::object();
  return v;
}

std::vector<ToolCallView> tool_calls_of(const json::object& message) {
  std::vector<ToolCallView> out;
  auto calls = message.find("tool_calls");
  if (calls == message.end() || !calls->value().is_array()) return out;
  std::int64_t position = 0;
  for (const auto& c : calls->value().get_array()) {
    if (!c.is_object()) continue;
    ToolCallView view{position++, string_or_empty(c.get_object(), "id"), {}, {}};
    if (auto i = c.get_object().find("index"); i != c.get_object().end() && i->value().is_int64())
      view.index = i->value().get_int64();
    if (auto f = c.get_object().find("function");
        f != c.get_object().end() && f->value().is_object()) {
      view.name = string_or_empty(f->value().get_object(), "name");
      view.arguments = string_or_empty(f->value().get_object(), "arguments");
    }
    out.push_back(view);
  }
  return out;
}

json::object canonical_assistant(const std::string& text, const std::string& reasoning,
                                 json::array calls) {
  json::object msg{{"role", "assistant"}};
  msg["content"] = text.empty() && !calls.empty() ? json::value(nullptr) : json::value(text);
  if (!reasoning.empty()) msg["reasoning_content"] = reasoning;
  if (!calls.empty()) msg["tool_calls"] = std::move(calls);
  return msg;
}

namespace {
std::size_t text_chars(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return v.get_string().size();
    case json::kind::array: {
      std::size_t n = 0;
      for (const auto& x : v.get_array())
        n += text_chars(x);
      return n;
    }
    case json::kind::object: {
      std::size_t n = 0;
      for (const auto& kv : v.get_object())
        n += kv.key() == "role" || kv.key() == "type" ? 0 : text_chars(kv.value());
      return n;
    }
    default:
      return 0;
  }
}
}  // namespace

std::int64_t estimate_prompt_tokens(const json::object& canonical) {
  std::size_t chars = 0, messages = 0;
  if (auto m = canonical.find("messages"); m != canonical.end() && m->value().is_array()) {
    chars += text_chars(m->value());
    messages = m->value().get_array().size();
  }
  if (auto t = canonical.find("tools"); t != canonical.end()) chars += text_chars(t->value());
  return static_cast<std::int64_t>((chars + 3) / 4 + 3 * messages);
}

}  // namespace glmgate
