// OpenAI Chat Completions request decoding; see chat_request.hpp.
#include "surfaces/openai/chat_request.hpp"

#include <boost/json/parse.hpp>

#include "surfaces/json_checks.hpp"

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

std::optional<ApiError> check_number(const json::object& body, std::string_view key, double min,
                                     double max) {
  auto it = body.find(key);
  if (it == body.end() || it->value().is_null()) return std::nullopt;
  const auto& v = it->value();
  if (!v.is_number()) return type_error(std::string(key), "a number", v);
  double d = v.to_number<double>();
  if (d < min || d > max)
    return ApiError::invalid_request("Invalid value for '" + std::string(key) +
                                         "': " + std::to_string(d) + " is outside [" +
                                         std::to_string(min) + ", " + std::to_string(max) + "].",
                                     std::string(key), "invalid_value");
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

std::optional<ApiError> check_messages(const json::object& body) {
  auto it = body.find("messages");
  if (it == body.end()) return missing("messages");
  if (!it->value().is_array()) return type_error("messages", "an array", it->value());
  const auto& messages = it->value().get_array();
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

std::optional<ApiError> check_tool_choice(const json::object& body);

std::optional<ApiError> check_tools(const json::object& body) {
  if (auto e = check_tool_choice(body)) return e;
  auto it = body.find("tools");
  if (it == body.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_array()) return type_error("tools", "an array", it->value());
  const auto& tools = it->value().get_array();
  for (std::size_t i = 0; i < tools.size(); ++i) {
    std::string tf = "tools[" + std::to_string(i) + "]";
    if (!tools[i].is_object()) return type_error(tf, "an object", tools[i]);
    const auto& t = tools[i].get_object();
    auto type = t.find("type");
    if (type == t.end() || !type->value().is_string()) return missing(tf + ".type");
    if (type->value().get_string() != "function") continue;  // vendor tools (web_search) pass
    auto fn = t.find("function");
    if (fn == t.end() || !fn->value().is_object()) return missing(tf + ".function");
    auto name = fn->value().get_object().find("name");
    if (name == fn->value().get_object().end() || !name->value().is_string())
      return missing(tf + ".function.name");
  }
  return std::nullopt;
}

std::optional<ApiError> check_tool_choice(const json::object& body) {
  auto choice = body.find("tool_choice");
  if (choice != body.end() && !choice->value().is_null()) {
    const auto& c = choice->value();
    if (c.is_string()) {
      std::string_view s = c.get_string();
      if (s != "auto" && s != "none" && s != "required")
        return ApiError::invalid_request("Invalid value for 'tool_choice': '" + std::string(s) +
                                             "'. Supported values are: 'none', 'auto' and "
                                             "'required'.",
                                         "tool_choice", "invalid_value");
    } else if (!c.is_object()) {
      return type_error("tool_choice", "a string or an object", c);
    }
  }
  return std::nullopt;
}

std::optional<ApiError> check_scalars(const json::object& body) {
  for (std::string_view key : {"max_tokens", "max_completion_tokens"}) {
    auto it = body.find(key);
    if (it == body.end() || it->value().is_null()) continue;
    if (!is_integer(it->value())) return type_error(std::string(key), "an integer", it->value());
    if (as_integer(it->value()) < 1)
      return ApiError::invalid_request(
          "Invalid value for '" + std::string(key) + "': it must be at least 1.", std::string(key),
          "invalid_value");
  }
  if (auto e = check_number(body, "temperature", 0, 2)) return e;
  if (auto e = check_number(body, "top_p", 0, 1)) return e;
  for (std::string_view key : {"top_k", "seed", "n"}) {
    auto it = body.find(key);
    if (it != body.end() && !it->value().is_null() && !is_integer(it->value()))
      return type_error(std::string(key), "an integer", it->value());
  }
  if (auto it = body.find("stop"); it != body.end() && !it->value().is_null()) {
    const auto& v = it->value();
    if (v.is_array()) {
      for (const auto& s : v.get_array())
        if (!s.is_string()) return type_error("stop", "a string or an array of strings", v);
    } else if (!v.is_string()) {
      return type_error("stop", "a string or an array of strings", v);
    }
  }
  if (auto it = body.find("stream");
      it != body.end() && !it->value().is_null() && !it->value().is_bool())
    return type_error("stream", "a boolean", it->value());
  if (auto it = body.find("stream_options"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_object()) return type_error("stream_options", "an object", it->value());
    const auto& so = it->value().get_object();
    if (auto iu = so.find("include_usage"); iu != so.end() && !iu->value().is_bool())
      return type_error("stream_options.include_usage", "a boolean", iu->value());
  }
  if (auto it = body.find("response_format"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_object()) return type_error("response_format", "an object", it->value());
    auto type = it->value().get_object().find("type");
    if (type == it->value().get_object().end() || !type->value().is_string())
      return missing("response_format.type");
  }
  if (auto it = body.find("user");
      it != body.end() && !it->value().is_null() && !it->value().is_string())
    return type_error("user", "a string", it->value());
  return std::nullopt;
}

}  // namespace

Result<CanonicalRequest> decode_chat_request(std::string_view text, json::storage_ptr storage) {
  json::value parsed(storage);
  if (auto e = parse_body_object(text, parsed)) return *e;
  CanonicalRequest req{std::move(parsed.get_object())};  // keeps the arena: no copy
  auto& body = req.body;

  auto model = body.find("model");
  if (model == body.end()) return missing("model");
  if (!model->value().is_string()) return type_error("model", "a string", model->value());
  req.model = std::string(model->value().get_string());

  if (auto e = check_messages(body)) return *e;
  if (auto e = check_tools(body)) return *e;
  if (auto e = check_scalars(body)) return *e;

  if (auto it = body.find("stream"); it != body.end() && it->value().is_bool())
    req.stream = it->value().get_bool();
  if (auto it = body.find("stream_options"); it != body.end() && it->value().is_object()) {
    auto iu = it->value().get_object().find("include_usage");
    req.include_usage = iu != it->value().get_object().end() && iu->value().get_bool();
  }
  // Canonical form carries the output cap as max_tokens: GLM and most OpenAI-compatible servers
  // read only that name.
  if (auto it = body.find("max_completion_tokens"); it != body.end()) {
    if (!it->value().is_null() && (!body.contains("max_tokens") || body.at("max_tokens").is_null()))
      body["max_tokens"] = as_integer(it->value());
    body.erase("max_completion_tokens");
  }
  return req;
}

}  // namespace glmgate::openai
