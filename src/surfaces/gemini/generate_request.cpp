// Gemini request decoding; see generate_request.hpp. Gemini calls may carry no id: glmgate gives
// each functionCall a deterministic id from its position, and answers a functionResponse with the
// oldest unanswered call of the same name, so the upstream sees matching tool_call_ids.
#include "surfaces/gemini/generate_request.hpp"

#include <boost/json/serialize.hpp>
#include <deque>
#include <map>

#include "canonical/json_checks.hpp"

namespace glmgate::gemini {

namespace json = boost::json;

namespace {

using Error = std::optional<ApiError>;

ApiError invalid(const std::string& field, const std::string& what) {
  return ApiError::invalid_request("Invalid value at '" + field + "': " + what, field,
                                   "invalid_value");
}

// Gemini schemas name types in upper case ("OBJECT"); JSON Schema wants lower case.
json::value lower_schema(const json::value& v) {
  if (v.is_object()) {
    json::object out;
    for (const auto& kv : v.get_object()) {
      if (kv.key() == "type" && kv.value().is_string()) {
        std::string t(kv.value().get_string());
        for (auto& c : t)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out[kv.key()] = t;
      } else {
        out[kv.key()] = lower_schema(kv.value());
      }
    }
    return out;
  }
  if (v.is_array()) {
    json::array out;
    for (const auto& x : v.get_array())
      out.push_back(lower_schema(x));
    return out;
  }
  return v;
}

class Decoder {
 public:
  Decoder(const json::object& in, json::object& out) : in_(in), out_(out) {}

  Error run() {
    auto& messages = out_["messages"].emplace_array();
    if (auto e = system(messages)) return e;
    if (auto e = contents(messages)) return e;
    if (auto e = generation_config()) return e;
    if (auto e = tools()) return e;
    if (auto e = tool_config()) return e;
    return std::nullopt;
  }

 private:
  Error system(json::array& messages) {
    auto it = in_.find("systemInstruction");
    if (it == in_.end()) it = in_.find("system_instruction");
    if (it == in_.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_object()) return type_error("systemInstruction", "an object", it->value());
    std::string text;
    auto parts = it->value().get_object().find("parts");
    if (parts != it->value().get_object().end() && parts->value().is_array())
      for (const auto& p : parts->value().get_array())
        if (p.is_object())
          if (auto t = p.get_object().find("text");
              t != p.get_object().end() && t->value().is_string()) {
            if (!text.empty()) text += "\n";
            text += t->value().get_string();
          }
    if (!text.empty()) messages.push_back(json::object{{"role", "system"}, {"content", text}});
    return std::nullopt;
  }

  Error contents(json::array& messages) {
    auto it = in_.find("contents");
    if (it == in_.end()) return missing_field("contents");
    if (!it->value().is_array()) return type_error("contents", "an array", it->value());
    const auto& list = it->value().get_array();
    if (list.empty()) return invalid("contents", "contents is not specified");
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string cf = indexed("contents", i);
      if (!list[i].is_object()) return type_error(cf, "an object", list[i]);
      const auto& c = list[i].get_object();
      std::string_view role = "user";
      if (auto r = c.find("role"); r != c.end() && !r->value().is_null()) {
        if (!r->value().is_string()) return type_error(cf + ".role", "a string", r->value());
        role = r->value().get_string();
      }
      if (role != "user" && role != "model" && role != "function")
        return invalid(cf + ".role", "Please use a valid role: user, model.");
      auto parts = c.find("parts");
      if (parts == c.end()) return missing_field(cf + ".parts");
      if (!parts->value().is_array()) return type_error(cf + ".parts", "an array", parts->value());
      Error e = role == "model" ? model(parts->value().get_array(), cf + ".parts", messages)
                                : user(parts->value().get_array(), cf + ".parts", messages);
      if (e) return e;
    }
    return std::nullopt;
  }

  Error user(const json::array& parts, const std::string& field, json::array& messages) {
    json::array content;
    bool has_image = false;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      std::string pf = indexed(field, i);
      if (!parts[i].is_object()) return type_error(pf, "an object", parts[i]);
      const auto& p = parts[i].get_object();
      if (auto t = p.find("text"); t != p.end()) {
        if (!t->value().is_string()) return type_error(pf + ".text", "a string", t->value());
        content.push_back(json::object{{"type", "text"}, {"text", t->value()}});
      } else if (auto d = p.find("inlineData"); d != p.end()) {
        if (!d->value().is_object()) return type_error(pf + ".inlineData", "an object", d->value());
        const auto& blob = d->value().get_object();
        auto mime = blob.find("mimeType");
        auto data = blob.find("data");
        if (mime == blob.end() || !mime->value().is_string())
          return missing_field(pf + ".inlineData.mimeType");
        if (data == blob.end() || !data->value().is_string())
          return missing_field(pf + ".inlineData.data");
        std::string url = "data:" + std::string(mime->value().get_string()) + ";base64," +
                          std::string(data->value().get_string());
        content.push_back(json::object{{"type", "image_url"}, {"image_url", {{"url", url}}}});
        has_image = true;
      } else if (auto r = p.find("functionResponse"); r != p.end()) {
        if (!r->value().is_object())
          return type_error(pf + ".functionResponse", "an object", r->value());
        const auto& fr = r->value().get_object();
        auto name = fr.find("name");
        if (name == fr.end() || !name->value().is_string())
          return missing_field(pf + ".functionResponse.name");
        std::string id = answer_id(std::string(name->value().get_string()), fr);
        auto response = fr.find("response");
        std::string text = response == fr.end() ? "{}" : json::serialize(response->value());
        messages.push_back(json::object{{"role", "tool"}, {"tool_call_id", id}, {"content", text}});
      } else if (p.contains("fileData")) {
        return ApiError::unsupported_parameter("fileData parts are not supported.",
                                               pf + ".fileData");
      }
    }
    if (content.empty()) return std::nullopt;
    if (has_image) {
      messages.push_back(json::object{{"role", "user"}, {"content", std::move(content)}});
    } else {
      std::string joined;
      for (const auto& c : content)
        joined += c.at("text").get_string();
      messages.push_back(json::object{{"role", "user"}, {"content", joined}});
    }
    return std::nullopt;
  }

  Error model(const json::array& parts, const std::string& field, json::array& messages) {
    std::string text, reasoning;
    json::array calls;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      std::string pf = indexed(field, i);
      if (!parts[i].is_object()) return type_error(pf, "an object", parts[i]);
      const auto& p = parts[i].get_object();
      if (auto t = p.find("text"); t != p.end()) {
        if (!t->value().is_string()) return type_error(pf + ".text", "a string", t->value());
        auto thought = p.find("thought");
        bool is_thought =
            thought != p.end() && thought->value().is_bool() && thought->value().get_bool();
        (is_thought ? reasoning : text) += t->value().get_string();
      } else if (auto c = p.find("functionCall"); c != p.end()) {
        if (!c->value().is_object())
          return type_error(pf + ".functionCall", "an object", c->value());
        const auto& fc = c->value().get_object();
        auto name = fc.find("name");
        if (name == fc.end() || !name->value().is_string())
          return missing_field(pf + ".functionCall.name");
        auto args = fc.find("args");
        if (args != fc.end() && !args->value().is_object() && !args->value().is_null())
          return type_error(pf + ".functionCall.args", "an object", args->value());
        std::string id;
        if (auto given = fc.find("id"); given != fc.end() && given->value().is_string())
          id = std::string(given->value().get_string());
        else
          id = "call_" + std::to_string(next_call_++) + "_" +
               std::string(name->value().get_string());
        pending_[std::string(name->value().get_string())].push_back(id);
        std::string arguments =
            args == fc.end() || args->value().is_null() ? "{}" : json::serialize(args->value());
        calls.push_back(
            json::object{{"id", id},
                         {"type", "function"},
                         {"function", {{"name", name->value()}, {"arguments", arguments}}}});
      }
    }
    messages.push_back(canonical_assistant(text, reasoning, std::move(calls)));
    return std::nullopt;
  }

  std::string answer_id(const std::string& name, const json::object& response) {
    if (auto given = response.find("id"); given != response.end() && given->value().is_string())
      return std::string(given->value().get_string());
    auto& queue = pending_[name];
    if (queue.empty()) return "call_" + std::to_string(next_call_++) + "_" + name;
    std::string id = queue.front();
    queue.pop_front();
    return id;
  }

  Error generation_config() {
    auto it = in_.find("generationConfig");
    if (it == in_.end()) it = in_.find("generation_config");
    if (it == in_.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_object()) return type_error("generationConfig", "an object", it->value());
    const auto& g = it->value().get_object();
    for (auto [from, to] : {std::pair{"temperature", "temperature"}, std::pair{"topP", "top_p"}}) {
      auto f = g.find(from);
      if (f == g.end() || f->value().is_null()) continue;
      if (!f->value().is_number())
        return type_error("generationConfig." + std::string(from), "a number", f->value());
      out_[to] = f->value();
    }
    for (auto [from, to] : {std::pair{"topK", "top_k"}, std::pair{"seed", "seed"}}) {
      auto f = g.find(from);
      if (f == g.end() || f->value().is_null()) continue;
      if (!is_json_integer(f->value()))
        return type_error("generationConfig." + std::string(from), "an integer", f->value());
      out_[to] = json_integer(f->value());
    }
    if (auto f = g.find("maxOutputTokens"); f != g.end() && !f->value().is_null()) {
      auto bound = token_bound(f->value(), "generationConfig.maxOutputTokens");
      if (!bound) return bound.error();
      out_["max_tokens"] = *bound;
    }
    if (auto n = g.find("candidateCount");
        n != g.end() && is_json_integer(n->value()) && json_integer(n->value()) > 1)
      return ApiError::unsupported_parameter("Only one candidate is supported.",
                                             "generationConfig.candidateCount");
    if (auto s = g.find("stopSequences"); s != g.end() && !s->value().is_null()) {
      if (!s->value().is_array())
        return type_error("generationConfig.stopSequences", "an array of strings", s->value());
      for (const auto& x : s->value().get_array())
        if (!x.is_string())
          return type_error("generationConfig.stopSequences", "an array of strings", s->value());
      if (!s->value().get_array().empty()) out_["stop"] = s->value();
    }
    if (auto m = g.find("responseMimeType");
        m != g.end() && m->value().is_string() && m->value().get_string() == "application/json") {
      auto schema = g.find("responseJsonSchema");
      if (schema == g.end()) schema = g.find("responseSchema");
      if (schema != g.end() && schema->value().is_object())
        out_["response_format"] = json::object{
            {"type", "json_schema"},
            {"json_schema", {{"name", "response"}, {"schema", lower_schema(schema->value())}}}};
      else
        out_["response_format"] = json::object{{"type", "json_object"}};
    }
    if (auto t = g.find("thinkingConfig"); t != g.end() && t->value().is_object()) {
      auto budget = t->value().get_object().find("thinkingBudget");
      if (budget != t->value().get_object().end() && is_json_integer(budget->value()))
        out_["thinking"] =
            json::object{{"type", json_integer(budget->value()) == 0 ? "disabled" : "enabled"}};
    }
    return std::nullopt;
  }

  Error tools() {
    json::array out;
    auto e = each_object(in_, "tools", [&](const json::object& t, const std::string& tf) -> Error {
      auto decls = t.find("functionDeclarations");
      if (decls == t.end()) decls = t.find("function_declarations");
      if (decls == t.end()) {
        if (t.empty()) return std::nullopt;
        return ApiError::unsupported_parameter(
            "Only functionDeclarations tools are supported (no googleSearch, codeExecution...).",
            tf);
      }
      return each_object(
          decls->value(), tf + ".functionDeclarations",
          [&](const json::object& f, const std::string& ff) -> Error {
            auto name = f.find("name");
            if (name == f.end() || !name->value().is_string()) return missing_field(ff + ".name");
            json::object fn{{"name", name->value()}};
            if (auto d = f.find("description"); d != f.end() && d->value().is_string())
              fn["description"] = d->value();
            if (auto p = f.find("parametersJsonSchema"); p != f.end() && p->value().is_object())
              fn["parameters"] = p->value();
            else if (auto p2 = f.find("parameters"); p2 != f.end() && p2->value().is_object())
              fn["parameters"] = lower_schema(p2->value());
            else
              fn["parameters"] = json::object{{"type", "object"}, {"properties", json::object()}};
            out.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
            return std::nullopt;
          });
    });
    if (e) return e;
    if (!out.empty()) out_["tools"] = std::move(out);
    return std::nullopt;
  }

  Error tool_config() {
    auto it = in_.find("toolConfig");
    if (it == in_.end() || !it->value().is_object()) return std::nullopt;
    auto fcc = it->value().get_object().find("functionCallingConfig");
    if (fcc == it->value().get_object().end() || !fcc->value().is_object()) return std::nullopt;
    const auto& c = fcc->value().get_object();
    std::string_view mode = "AUTO";
    if (auto m = c.find("mode"); m != c.end() && m->value().is_string())
      mode = m->value().get_string();
    if (mode == "AUTO" || mode == "MODE_UNSPECIFIED" || mode == "VALIDATED") {
      out_["tool_choice"] = "auto";
    } else if (mode == "NONE") {
      out_["tool_choice"] = "none";
    } else if (mode == "ANY") {
      auto allowed = c.find("allowedFunctionNames");
      if (allowed != c.end() && allowed->value().is_array() &&
          allowed->value().get_array().size() == 1 && allowed->value().get_array()[0].is_string())
        out_["tool_choice"] = json::object{
            {"type", "function"}, {"function", {{"name", allowed->value().get_array()[0]}}}};
      else
        out_["tool_choice"] = "required";
    } else {
      return invalid("toolConfig.functionCallingConfig.mode", "use AUTO, ANY or NONE");
    }
    return std::nullopt;
  }

  const json::object& in_;
  json::object& out_;
  std::map<std::string, std::deque<std::string>> pending_;  // unanswered call ids by name
  int next_call_ = 0;
};

}  // namespace

Result<CanonicalRequest> decode_generate_request(std::string_view text, std::string_view model,
                                                 bool stream, json::storage_ptr storage) {
  json::value parsed(storage);
  if (auto e = parse_body_object(text, parsed)) return *e;
  return decode_generate_object(parsed.get_object(), model, stream, std::move(storage));
}

Result<CanonicalRequest> decode_generate_object(const json::object& in, std::string_view model,
                                                bool stream, json::storage_ptr storage) {
  CanonicalRequest req{json::object(storage)};
  req.body["model"] = model;
  if (auto e = Decoder(in, req.body).run()) return *e;
  req.model = std::string(model);
  req.stream = stream;
  if (stream) req.body["stream"] = true;
  return req;
}

std::optional<ModelMethod> split_model_method(std::string_view rest) {
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  return ModelMethod{std::string(rest.substr(0, colon)), std::string(rest.substr(colon + 1))};
}

}  // namespace glmgate::gemini
