// Responses request decoding; see responses_request.hpp. Consecutive function_call items become
// one assistant message with several tool_calls; a reasoning item's text rides on the assistant
// message that follows it as reasoning_content.
#include "surfaces/responses/responses_request.hpp"

#include "canonical/json_checks.hpp"
#include "surfaces/responses/reasoning_token.hpp"
#include "surfaces/responses/responses_tools.hpp"

namespace glmgate::responses {

namespace json = boost::json;

namespace {

using Error = std::optional<ApiError>;

// Text of a message's content: a string, or input_text / output_text parts.
Result<json::value> message_content(const json::value& content, const std::string& field) {
  if (content.is_string()) return json::value(content.get_string());
  if (!content.is_array()) return type_error(field, "a string or an array", content);
  json::array parts;
  bool image = false;
  for (std::size_t i = 0; i < content.get_array().size(); ++i) {
    const auto& p = content.get_array()[i];
    std::string pf = indexed(field, i);
    if (!p.is_object()) return type_error(pf, "an object", p);
    std::string_view type = string_or_empty(p.get_object(), "type");
    if (type == "input_text" || type == "output_text" || type == "text") {
      auto t = p.get_object().find("text");
      if (t == p.get_object().end() || !t->value().is_string()) return missing_field(pf + ".text");
      parts.push_back(json::object{{"type", "text"}, {"text", t->value()}});
    } else if (type == "input_image") {
      std::string_view url = string_or_empty(p.get_object(), "image_url");
      if (url.empty()) return missing_field(pf + ".image_url");
      parts.push_back(json::object{{"type", "image_url"}, {"image_url", {{"url", url}}}});
      image = true;
    } else {
      return ApiError::unsupported_parameter(
          "Content parts of type '" + std::string(type) + "' are not supported.", pf + ".type");
    }
  }
  if (image) return json::value(std::move(parts));
  std::string joined;
  for (const auto& p : parts)
    joined += p.at("text").get_string();
  return json::value(joined);
}

class Decoder {
 public:
  Decoder(const json::object& in, CanonicalRequest& req, const json::object* resolved)
      : in_(in), out_(req.body), req_(req), resolved_(resolved) {}

  Error run() {
    auto model = in_.find("model");
    if (model == in_.end()) return missing_field("model");
    if (!model->value().is_string()) return type_error("model", "a string", model->value());
    out_["model"] = model->value();
    messages_ = &out_["messages"].emplace_array();
    if (auto it = in_.find("instructions"); it != in_.end() && !it->value().is_null()) {
      if (!it->value().is_string()) return type_error("instructions", "a string", it->value());
      messages_->push_back(json::object{{"role", "system"}, {"content", it->value()}});
    }
    req_.turn_start = messages_->size();
    if (auto e = input()) return e;
    if (auto e = tools()) return e;
    return options();
  }

 private:
  Error input() {
    auto it = in_.find("input");
    if (it == in_.end()) return missing_field("input");
    if (it->value().is_string()) {
      messages_->push_back(json::object{{"role", "user"}, {"content", it->value()}});
      return std::nullopt;
    }
    if (!it->value().is_array()) return type_error("input", "a string or an array", it->value());
    const auto& items = it->value().get_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      std::string f = indexed("input", i);
      if (!items[i].is_object()) return type_error(f, "an object", items[i]);
      if (auto e = item(items[i].get_object(), f, true)) return e;
    }
    return std::nullopt;
  }

  // One input item; `follow`: an item_reference may be resolved (not within a resolved item).
  Error item(const json::object& item, const std::string& f, bool follow) {
    std::string_view type = string_or_empty(item, "type");
    if (type.empty() || type == "message") return message(item, f);
    if (type == "function_call" || type == "custom_tool_call") {
      bool custom = type == "custom_tool_call";
      auto call_id = string_or_empty(item, "call_id");
      auto name = string_or_empty(item, "name");
      if (call_id.empty()) return missing_field(f + ".call_id");
      if (name.empty()) return missing_field(f + ".name");
      std::string arguments = custom ? custom_arguments(string_or_empty(item, "input"))
                                     : std::string(string_or_empty(item, "arguments"));
      json::object call{{"id", call_id},
                        {"type", "function"},
                        {"function",
                         {{"name", flat_tool_name(string_or_empty(item, "namespace"), name)},
                          {"arguments", std::move(arguments)}}}};
      assistant_for_calls().at("tool_calls").as_array().push_back(std::move(call));
      return std::nullopt;
    }
    if (type == "function_call_output" || type == "custom_tool_call_output") {
      auto call_id = string_or_empty(item, "call_id");
      if (call_id.empty()) return missing_field(f + ".call_id");
      auto output = item.find("output");
      if (output == item.end()) return missing_field(f + ".output");
      auto text = message_content(output->value(), f + ".output");
      if (!text) return text.error();
      std::string content = text->is_string() ? std::string(text->get_string()) : "";
      messages_->push_back(
          json::object{{"role", "tool"}, {"tool_call_id", call_id}, {"content", content}});
      open_calls_.reset();
      return std::nullopt;
    }
    if (type == "reasoning") {
      reasoning(item);
      return std::nullopt;
    }
    if (type == "item_reference") return reference(item, f, follow);
    // Calls and results of built-in tools glmgate does not run: nothing the upstream can use.
    if (is_builtin_item(type)) return std::nullopt;
    return ApiError::unsupported_parameter(
        "Input items of type '" + std::string(type) + "' are not supported.", f + ".type");
  }

  // The content's text (the whole reasoning), else the summary's (glmgate's answers carry the same
  // text in both when a summary was asked for: it must reach the upstream once), else the
  // reasoning glmgate sealed into encrypted_content.
  void reasoning(const json::object& item) {
    std::string text;
    for (std::string_view key : {"content", "summary"}) {
      if (auto parts = item.find(key); parts != item.end() && parts->value().is_array())
        for (const auto& p : parts->value().get_array())
          if (p.is_object()) text += string_or_empty(p.get_object(), "text");
      if (!text.empty()) break;
    }
    if (text.empty())
      if (auto opened = open_reasoning(string_or_empty(item, "encrypted_content")))
        text = std::move(*opened);
    pending_reasoning_ += text;
  }

  Error reference(const json::object& item, const std::string& f, bool follow) {
    std::string_view id = string_or_empty(item, "id");
    if (id.empty()) return missing_field(f + ".id");
    if (!resolved_) {
      // Listed for the pipeline to look up; this decode is then done again with the items.
      req_.item_references.push_back(ItemReference{std::string(id), f});
      return std::nullopt;
    }
    auto found = resolved_->find(id);
    if (!follow || found == resolved_->end() || !found->value().is_object())
      return ApiError::invalid_request("Item with id '" + std::string(id) + "' not found.", f,
                                       "item_not_found");
    return this->item(found->value().get_object(), f, false);
  }

  static bool is_builtin_item(std::string_view type) {
    for (std::string_view t :
         {"web_search_call", "file_search_call", "computer_call", "computer_call_output",
          "code_interpreter_call", "image_generation_call", "local_shell_call",
          "local_shell_call_output", "shell_call", "shell_call_output", "apply_patch_call",
          "apply_patch_call_output", "mcp_list_tools", "mcp_approval_request",
          "mcp_approval_response", "mcp_call", "tool_search_call", "tool_search_output",
          "compaction"})
      if (type == t) return true;
    return false;
  }

  Error message(const json::object& item, const std::string& f) {
    std::string_view role = string_or_empty(item, "role");
    if (role != "user" && role != "assistant" && role != "system" && role != "developer")
      return ApiError::invalid_request("Invalid value for '" + f + ".role': '" + std::string(role) +
                                           "'. Supported values are: 'user', 'assistant', "
                                           "'system' and 'developer'.",
                                       f + ".role", "invalid_value");
    auto content = item.find("content");
    if (content == item.end()) return missing_field(f + ".content");
    auto value = message_content(content->value(), f + ".content");
    if (!value) return value.error();
    // Most OpenAI-compatible upstreams (GLM among them) have no developer role.
    json::object msg{{"role", role == "developer" ? "system" : role},
                     {"content", std::move(*value)}};
    if (role == "assistant" && !pending_reasoning_.empty()) {
      msg["reasoning_content"] = pending_reasoning_;
      pending_reasoning_.clear();
    }
    messages_->push_back(std::move(msg));
    open_calls_.reset();
    if (role == "assistant") open_calls_ = messages_->size() - 1;
    return std::nullopt;
  }

  // The assistant message function_call items attach to: the one just before, or a new one.
  json::object& assistant_for_calls() {
    if (!open_calls_) {
      json::object msg{{"role", "assistant"}, {"content", nullptr}};
      if (!pending_reasoning_.empty()) {
        msg["reasoning_content"] = pending_reasoning_;
        pending_reasoning_.clear();
      }
      messages_->push_back(std::move(msg));
      open_calls_ = messages_->size() - 1;
    }
    json::object& msg = (*messages_)[*open_calls_].as_object();
    if (!msg.contains("tool_calls")) msg["tool_calls"] = json::array();
    return msg;
  }

  Error tools() { return decode_tools(in_, out_); }

  Error options() {
    if (auto it = in_.find("max_output_tokens"); it != in_.end() && !it->value().is_null()) {
      auto bound = token_bound(it->value(), "max_output_tokens");
      if (!bound) return bound.error();
      out_["max_tokens"] = *bound;
    }
    for (std::string_view key : {"temperature", "top_p"})
      if (auto it = in_.find(key); it != in_.end() && !it->value().is_null()) {
        if (!it->value().is_number()) return type_error(std::string(key), "a number", it->value());
        out_[key] = it->value();
      }
    if (auto it = in_.find("stream"); it != in_.end() && !it->value().is_null()) {
      if (!it->value().is_bool()) return type_error("stream", "a boolean", it->value());
      out_["stream"] = it->value();
    }
    if (auto it = in_.find("reasoning"); it != in_.end() && it->value().is_object()) {
      std::string_view effort = string_or_empty(it->value().get_object(), "effort");
      if (!effort.empty())
        out_["thinking"] = json::object{
            {"type", effort == "none" || effort == "minimal" ? "disabled" : "enabled"}};
    }
    if (auto it = in_.find("text"); it != in_.end() && it->value().is_object()) {
      auto format = it->value().get_object().find("format");
      if (format != it->value().get_object().end() && format->value().is_object()) {
        const auto& f = format->value().get_object();
        std::string_view type = string_or_empty(f, "type");
        if (type == "json_schema") {
          json::object schema{{"name", string_or_empty(f, "name")}};
          if (auto s = f.find("schema"); s != f.end()) schema["schema"] = s->value();
          if (auto s = f.find("strict"); s != f.end()) schema["strict"] = s->value();
          out_["response_format"] =
              json::object{{"type", "json_schema"}, {"json_schema", std::move(schema)}};
        } else if (type == "json_object") {
          out_["response_format"] = json::object{{"type", "json_object"}};
        }
      }
    }
    for (std::string_view key : {"background", "store"})
      if (auto it = in_.find(key); it != in_.end() && !it->value().is_null()) {
        if (!it->value().is_bool()) return type_error(std::string(key), "a boolean", it->value());
        (key == "store" ? req_.store : req_.background) = it->value().get_bool();
      }
    if (auto it = in_.find("previous_response_id"); it != in_.end() && !it->value().is_null()) {
      if (!it->value().is_string() || it->value().get_string().empty())
        return type_error("previous_response_id", "a response ID", it->value());
      req_.previous_response_id = std::string(it->value().get_string());
    }
    if (auto it = in_.find("metadata"); it != in_.end() && !it->value().is_null()) {
      if (!it->value().is_object()) return type_error("metadata", "an object", it->value());
      if (it->value().get_object().size() > 16)
        return ApiError::invalid_request("'metadata' may have at most 16 keys.", "metadata",
                                         "invalid_value");
      for (const auto& kv : it->value().get_object())
        if (!kv.value().is_string() || kv.value().get_string().size() > 512 || kv.key().size() > 64)
          return ApiError::invalid_request(
              "'metadata' values must be strings of at most 512 characters (keys 64).", "metadata",
              "invalid_value");
    }
    if (auto it = in_.find("include"); it != in_.end() && it->value().is_array())
      for (const auto& v : it->value().get_array())
        if (v.is_string() && v.get_string() == "reasoning.encrypted_content")
          req_.encrypted_reasoning = true;
    req_.echo = echo_fields(in_);
    return std::nullopt;
  }

  const json::object& in_;
  json::object& out_;
  CanonicalRequest& req_;
  const json::object* resolved_;  // item_reference IDs -> items; null: list them instead
  json::array* messages_ = nullptr;
  std::optional<std::size_t> open_calls_;  // the assistant message function_calls attach to
  std::string pending_reasoning_;
};

}  // namespace

json::object echo_fields(const json::object& request) {
  json::object echo;  // default storage: copied out of the request's arena
  for (std::string_view key : {"instructions", "metadata", "previous_response_id", "store",
                               "temperature", "top_p", "tools", "tool_choice", "max_output_tokens",
                               "parallel_tool_calls", "reasoning", "text", "background"})
    if (auto it = request.find(key); it != request.end()) echo[key] = it->value();
  return echo;
}

Result<CanonicalRequest> decode_responses_request(std::string_view text, json::storage_ptr storage,
                                                  const json::object* resolved) {
  json::value parsed(storage);
  if (auto e = parse_body_object(text, parsed)) return *e;
  CanonicalRequest req{json::object(storage)};
  if (auto e = Decoder(parsed.get_object(), req, resolved).run()) return *e;
  req.model = std::string(req.body.at("model").get_string());
  req.continuable = true;
  if (auto it = req.body.find("stream"); it != req.body.end()) req.stream = it->value().get_bool();
  return req;
}

}  // namespace glmgate::responses
