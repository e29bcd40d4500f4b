// OpenAI Chat Completions request decoding; see chat_request.hpp.
#include "surfaces/openai/chat_request.hpp"

#include <boost/json/parse.hpp>

#include <array>

#include "canonical/json_checks.hpp"

namespace glmgate::openai {

namespace json = boost::json;

namespace {

ApiError missing(const std::string& field) {
  return missing_field(field);
}
bool is_integer(const json::value& v) {
  return is_json_integer(v);
}
std::int64_t as_integer(const json::value& v) {
  return json_integer(v);
}

// The top-level fields that decoding reads, found in one pass over the body: a dozen separate
// lookups each walked all of its keys.
enum Field {
  kModel,
  kMessages,
  kTools,
  kToolChoice,
  kMaxTokens,
  kMaxCompletionTokens,
  kTemperature,
  kTopP,
  kTopK,
  kSeed,
  kN,
  kStop,
  kStream,
  kStreamOptions,
  kResponseFormat,
  kUser,
  kFieldCount
};
constexpr std::array<std::string_view, kFieldCount> kFieldNames = {"model",
                                                                   "messages",
                                                                   "tools",
                                                                   "tool_choice",
                                                                   "max_tokens",
                                                                   "max_completion_tokens",
                                                                   "temperature",
                                                                   "top_p",
                                                                   "top_k",
                                                                   "seed",
                                                                   "n",
                                                                   "stop",
                                                                   "stream",
                                                                   "stream_options",
                                                                   "response_format",
                                                                   "user"};

class Fields {
 public:
  explicit Fields(const json::object& body) {
    for (const auto& kv : body)
      for (std::size_t f = 0; f < kFieldCount; ++f)
        if (kv.key() == kFieldNames[f]) {
          values_[f] = &kv.value();
          break;
        }
  }
  const json::value* operator[](Field f) const { return values_[f]; }
  // Present and not null.
  const json::value* given(Field f) const {
    const json::value* v = values_[f];
    return v && !v->is_null() ? v : nullptr;
  }

 private:
  std::array<const json::value*, kFieldCount> values_{};
};

std::optional<ApiError> check_number(const Fields& fields, Field field, double min, double max) {
  const json::value* v = fields.given(field);
  if (!v) return std::nullopt;
  std::string key(kFieldNames[field]);
  if (!v->is_number()) return type_error(key, "a number", *v);
  double d = v->to_number<double>();
  if (d < min || d > max)
    return ApiError::invalid_request("Invalid value for '" + key + "': " + std::to_string(d) +
                                         " is outside [" + std::to_string(min) + ", " +
                                         std::to_string(max) + "].",
                                     key, "invalid_value");
  return std::nullopt;
}

// The name of an array element or of one of its members, for an error message: built only when
// one is needed, not for every message of a long conversation.
struct ElementField {
  std::string_view array;  // "messages"
  std::size_t index;
  std::string_view member;  // ".content"; empty: the element itself
  std::string str(std::string_view more = {}) const {
    std::string out(array);
    out += '[';
    out += std::to_string(index);
    out += ']';
    out += member;
    out += more;
    return out;
  }
  std::string str(std::size_t sub_index, std::string_view more = {}) const {
    return str("[" + std::to_string(sub_index) + "]" + std::string(more));
  }
};

std::optional<ApiError> check_content(const json::value& content, const ElementField& field,
                                      bool nullable) {
  if (content.is_string()) return std::nullopt;
  if (content.is_null()) {
    if (nullable) return std::nullopt;
    return type_error(field.str(), "a string or an array of content parts", content);
  }
  if (!content.is_array())
    return type_error(field.str(), "a string or an array of content parts", content);
  const auto& parts = content.get_array();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!parts[i].is_object()) return type_error(field.str(i), "an object", parts[i]);
    const auto& part = parts[i].get_object();
    auto type = part.find("type");
    if (type == part.end() || !type->value().is_string()) return missing(field.str(i, ".type"));
  }
  return std::nullopt;
}

std::optional<ApiError> check_tool_calls(const json::value& v, const ElementField& field) {
  if (!v.is_array()) return type_error(field.str(), "an array", v);
  const auto& calls = v.get_array();
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (!calls[i].is_object()) return type_error(field.str(i), "an object", calls[i]);
    const auto& call = calls[i].get_object();
    auto id = call.find("id");
    if (id == call.end() || !id->value().is_string()) return missing(field.str(i, ".id"));
    auto fn = call.find("function");
    if (fn == call.end() || !fn->value().is_object()) return missing(field.str(i, ".function"));
    const auto& f = fn->value().get_object();
    auto name = f.find("name");
    if (name == f.end() || !name->value().is_string())
      return missing(field.str(i, ".function.name"));
    auto args = f.find("arguments");
    if (args != f.end() && !args->value().is_string())
      return type_error(field.str(i, ".function.arguments"), "a string", args->value());
  }
  return std::nullopt;
}

std::optional<ApiError> check_messages(const Fields& fields) {
  const json::value* list = fields[kMessages];
  if (!list) return missing("messages");
  if (!list->is_array()) return type_error("messages", "an array", *list);
  const auto& messages = list->get_array();
  if (messages.empty())
    return ApiError::invalid_request(
        "Invalid 'messages': empty array. Expected an array with "
        "minimum length 1.",
        "messages", "empty_array");
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const ElementField mf{"messages", i, {}};
    if (!messages[i].is_object()) return type_error(mf.str(), "an object", messages[i]);
    const auto& m = messages[i].get_object();
    auto role = m.find("role");
    if (role == m.end()) return missing(mf.str(".role"));
    if (!role->value().is_string()) return type_error(mf.str(".role"), "a string", role->value());
    std::string_view r = role->value().get_string();
    if (r != "system" && r != "user" && r != "assistant" && r != "tool" && r != "developer")
      return ApiError::invalid_request("Invalid value for '" + mf.str(".role") + "': '" +
                                           std::string(r) +
                                           "'. Supported values are: 'system', "
                                           "'developer', 'user', 'assistant' and 'tool'.",
                                       mf.str(".role"), "invalid_value");
    auto content = m.find("content");
    if (content == m.end()) {
      if (r != "assistant") return missing(mf.str(".content"));
    } else if (auto e =
                   check_content(content->value(), {"messages", i, ".content"}, r == "assistant")) {
      return e;
    }
    if (r == "assistant") {
      if (auto calls = m.find("tool_calls"); calls != m.end() && !calls->value().is_null())
        if (auto e = check_tool_calls(calls->value(), {"messages", i, ".tool_calls"})) return e;
    }
    if (r == "tool") {
      auto id = m.find("tool_call_id");
      if (id == m.end()) return missing(mf.str(".tool_call_id"));
      if (!id->value().is_string())
        return type_error(mf.str(".tool_call_id"), "a string", id->value());
    }
    if (auto rc = m.find("reasoning_content");
        rc != m.end() && !rc->value().is_string() && !rc->value().is_null())
      return type_error(mf.str(".reasoning_content"), "a string", rc->value());
  }
  return std::nullopt;
}

std::optional<ApiError> check_tool_choice(const Fields& fields) {
  const json::value* choice = fields.given(kToolChoice);
  if (!choice) return std::nullopt;
  if (choice->is_string()) {
    std::string_view s = choice->get_string();
    if (s != "auto" && s != "none" && s != "required")
      return ApiError::invalid_request("Invalid value for 'tool_choice': '" + std::string(s) +
                                           "'. Supported values are: 'none', 'auto' and "
                                           "'required'.",
                                       "tool_choice", "invalid_value");
  } else if (!choice->is_object()) {
    return type_error("tool_choice", "a string or an object", *choice);
  }
  return std::nullopt;
}

std::optional<ApiError> check_tools(const Fields& fields) {
  if (auto e = check_tool_choice(fields)) return e;
  const json::value* list = fields.given(kTools);
  if (!list) return std::nullopt;
  if (!list->is_array()) return type_error("tools", "an array", *list);
  const auto& tools = list->get_array();
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const ElementField tf{"tools", i, {}};
    if (!tools[i].is_object()) return type_error(tf.str(), "an object", tools[i]);
    const auto& t = tools[i].get_object();
    auto type = t.find("type");
    if (type == t.end() || !type->value().is_string()) return missing(tf.str(".type"));
    if (type->value().get_string() != "function") continue;  // vendor tools (web_search) pass
    auto fn = t.find("function");
    if (fn == t.end() || !fn->value().is_object()) return missing(tf.str(".function"));
    auto name = fn->value().get_object().find("name");
    if (name == fn->value().get_object().end() || !name->value().is_string())
      return missing(tf.str(".function.name"));
  }
  return std::nullopt;
}

std::optional<ApiError> check_scalars(const Fields& fields) {
  for (Field f : {kMaxTokens, kMaxCompletionTokens}) {
    const json::value* v = fields.given(f);
    if (!v) continue;
    if (auto bound = token_bound(*v, std::string(kFieldNames[f])); !bound) return bound.error();
  }
  if (auto e = check_number(fields, kTemperature, 0, 2)) return e;
  if (auto e = check_number(fields, kTopP, 0, 1)) return e;
  for (Field f : {kTopK, kSeed, kN}) {
    const json::value* v = fields.given(f);
    if (v && !is_integer(*v)) return type_error(std::string(kFieldNames[f]), "an integer", *v);
  }
  if (const json::value* v = fields.given(kStop)) {
    if (v->is_array()) {
      for (const auto& s : v->get_array())
        if (!s.is_string()) return type_error("stop", "a string or an array of strings", *v);
    } else if (!v->is_string()) {
      return type_error("stop", "a string or an array of strings", *v);
    }
  }
  if (const json::value* v = fields.given(kStream); v && !v->is_bool())
    return type_error("stream", "a boolean", *v);
  if (const json::value* v = fields.given(kStreamOptions)) {
    if (!v->is_object()) return type_error("stream_options", "an object", *v);
    const auto& so = v->get_object();
    if (auto iu = so.find("include_usage"); iu != so.end() && !iu->value().is_bool())
      return type_error("stream_options.include_usage", "a boolean", iu->value());
  }
  if (const json::value* v = fields.given(kResponseFormat)) {
    if (!v->is_object()) return type_error("response_format", "an object", *v);
    auto type = v->get_object().find("type");
    if (type == v->get_object().end() || !type->value().is_string())
      return missing("response_format.type");
  }
  if (const json::value* v = fields.given(kUser); v && !v->is_string())
    return type_error("user", "a string", *v);
  return std::nullopt;
}

}  // namespace

Result<CanonicalRequest> decode_chat_request(std::string_view text, json::storage_ptr storage) {
  json::value parsed(storage);
  if (auto e = parse_body_object(text, parsed)) return *e;
  CanonicalRequest req{std::move(parsed.get_object())};  // keeps the arena: no copy
  auto& body = req.body;

  const Fields fields(body);  // pointers into `body`: used before it changes below
  const json::value* model = fields[kModel];
  if (!model) return missing("model");
  if (!model->is_string()) return type_error("model", "a string", *model);
  req.model = std::string(model->get_string());

  if (auto e = check_messages(fields)) return *e;
  if (auto e = check_tools(fields)) return *e;
  if (auto e = check_scalars(fields)) return *e;

  if (const json::value* v = fields[kStream]; v && v->is_bool()) req.stream = v->get_bool();
  if (const json::value* v = fields[kStreamOptions]; v && v->is_object()) {
    auto iu = v->get_object().find("include_usage");
    req.include_usage = iu != v->get_object().end() && iu->value().get_bool();
  }
  // Canonical form carries the output cap as max_tokens: GLM and most OpenAI-compatible servers
  // read only that name.
  // The bound goes out as an int64 whatever its JSON form was (100.0 is an integer too).
  if (const json::value* v = fields.given(kMaxTokens); v && !v->is_int64())
    body["max_tokens"] = as_integer(*v);
  if (const json::value* v = fields[kMaxCompletionTokens]) {
    if (!v->is_null() && !fields.given(kMaxTokens)) {
      std::int64_t cap = as_integer(*v);
      body["max_tokens"] = cap;
    }
    body.erase("max_completion_tokens");
  }
  return req;
}

}  // namespace glmgate::openai
