// Fake provider scenarios; see scenario.hpp.
#include "scenario.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>

namespace fake {

namespace json = boost::json;

namespace {

constexpr long kCreated = 1700000000;

int to_int(std::string_view v) {
  try {
    return std::stoi(std::string(v));
  } catch (...) {
    return 0;
  }
}

std::string content_text(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (content.is_array())
    for (const auto& part : content.get_array())
      if (part.is_object() && part.get_object().contains("text") &&
          part.get_object().at("text").is_string())
        out += std::string(part.get_object().at("text").get_string());
  return out;
}

// `%XX` escapes decoded; anything malformed is kept as it is (a test tool, not a URL parser).
std::string percent_decoded(std::string_view v) {
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() && hex(v[i + 1]) && hex(v[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(v.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += v[i];
    }
  }
  return out;
}

void apply_directive(Scenario& s, std::string_view directive) {
  while (!directive.empty()) {
    auto space = directive.find_first_of(" \n");
    std::string_view token = directive.substr(0, space);
    directive = space == std::string_view::npos ? std::string_view() : directive.substr(space + 1);
    auto eq = token.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view k = token.substr(0, eq), v = token.substr(eq + 1);
    if (k == "text") {
      s.text = std::string(v);
      for (auto& c : s.text)
        if (c == '_') c = ' ';
      s.text_set = true;
    } else if (k == "chunks")
      s.chunks = std::max(1, to_int(v));
    else if (k == "reasoning")
      s.reasoning = to_int(v);
    else if (k == "tool") {
      s.tools.emplace_back(v);
      s.tool_args.emplace_back();
    } else if (k == "args" && !s.tool_args.empty())
      s.tool_args.back() = percent_decoded(v);
    else if (k == "delay_ms")
      s.delay_ms = to_int(v);
    else if (k == "head_delay_ms")
      s.head_delay_ms = to_int(v);
    else if (k == "status")
      s.status = to_int(v);
    else if (k == "zai_code")
      s.zai_code = std::string(v);
    else if (k == "code")
      s.code = std::string(v);
    else if (k == "fill")
      s.fill = v == "1";
    else if (k == "flood")
      s.flood = v == "1";
    else if (k == "message") {
      s.error_message = std::string(v);
      for (auto& c : s.error_message)
        if (c == '_') c = ' ';
    } else if (k == "fail_first")
      s.fail_first = to_int(v);
    else if (k == "refuse_key")
      s.refuse_key = std::string(v);
    else if (k == "retry_after")
      s.retry_after = to_int(v);
    else if (k == "reset_after")
      s.reset_after = to_int(v);
    else if (k == "stall_after")
      s.stall_after = to_int(v);
    else if (k == "stall_ms")
      s.stall_ms = to_int(v);
    else if (k == "usage")
      s.usage = v != "0";
    else if (k == "usage_every")
      s.usage_every = v == "1";
    else if (k == "done")
      s.done = v != "0";
    else if (k == "finish")
      s.finish = std::string(v);
    else if (k == "cached")
      s.cached = to_int(v);
  }
}

std::vector<std::string> split(const std::string& text, int pieces) {
  std::vector<std::string> out;
  if (pieces < 1) pieces = 1;
  std::size_t n = static_cast<std::size_t>(pieces);
  std::size_t size = (text.size() + n - 1) / n;
  if (size == 0) size = 1;
  for (std::size_t i = 0; i < text.size(); i += size)
    out.push_back(text.substr(i, size));
  return out;
}

json::object usage_json(const Scenario& s, long completion) {
  json::object u{{"prompt_tokens", s.prompt_tokens},
                 {"completion_tokens", completion},
                 {"total_tokens", s.prompt_tokens + completion}};
  if (s.cached) u["prompt_tokens_details"] = {{"cached_tokens", s.cached}};
  if (reasoning_tokens(s))
    u["completion_tokens_details"] = {{"reasoning_tokens", reasoning_tokens(s)}};
  return u;
}

std::string finish_reason(const Scenario& s) {
  if (!s.finish.empty()) return s.finish;
  return s.tools.empty() ? "stop" : "tool_calls";
}

bool has_text(const Scenario& s) {
  return s.tools.empty() || s.text_set;
}

}  // namespace

Scenario parse_scenario(const json::object& request, std::string_view header_directive) {
  Scenario s;
  if (auto it = request.find("model"); it != request.end() && it->value().is_string())
    s.model = std::string(it->value().get_string());
  if (auto it = request.find("stream"); it != request.end() && it->value().is_bool())
    s.stream = it->value().get_bool();
  if (auto it = request.find("stream_options"); it != request.end() && it->value().is_object()) {
    auto iu = it->value().get_object().find("include_usage");
    s.include_usage =
        iu != it->value().get_object().end() && iu->value().is_bool() && iu->value().get_bool();
  }
  if (auto it = request.find("max_tokens"); it != request.end() && it->value().is_int64())
    s.max_tokens = static_cast<int>(it->value().get_int64());
  // Like vLLM and SGLang: n choices (bounded here only so a test cannot exhaust the fake).
  if (auto it = request.find("n"); it != request.end() && it->value().is_int64())
    s.n = static_cast<int>(std::clamp<std::int64_t>(it->value().get_int64(), 1, 1024));
  std::size_t prompt_chars = 0;
  std::string last;
  if (auto it = request.find("messages"); it != request.end() && it->value().is_array()) {
    for (const auto& m : it->value().get_array()) {
      if (!m.is_object()) continue;
      auto c = m.get_object().find("content");
      if (c == m.get_object().end()) continue;
      std::string text = content_text(c->value());
      prompt_chars += text.size();
      // Agents put system entries after the user's turn (Claude Code's environment notes): the
      // directive is the client's, in its last message of any other role.
      auto role = m.get_object().find("role");
      bool instructions =
          role != m.get_object().end() && role->value().is_string() &&
          (role->value().get_string() == "system" || role->value().get_string() == "developer");
      if (!text.empty() && !instructions) last = text;
    }
  }
  s.prompt_tokens = static_cast<long>(prompt_chars / 4 + 1);
  if (auto pos = last.find("fake:"); pos != std::string::npos) {
    auto end = last.find('\n', pos);
    apply_directive(s, std::string_view(last).substr(
                           pos + 5, end == std::string::npos ? std::string::npos : end - pos - 5));
  }
  apply_directive(s, header_directive);
  return s;
}

std::string reasoning_text() {
  return "Let me think about this carefully.";
}

std::string tool_arguments(const Scenario& s, std::size_t i) {
  if (i < s.tool_args.size() && !s.tool_args[i].empty()) return s.tool_args[i];
  return json::serialize(
      json::object{{"city", "Paris"}, {"unit", "celsius"}, {"tool", s.tools.at(i)}});
}

long reasoning_tokens(const Scenario& s) {
  return s.reasoning > 0 ? static_cast<long>(reasoning_text().size() / 4 + 1) : 0;
}

long completion_tokens(const Scenario& s) {
  if (s.fill && s.max_tokens > 0) return static_cast<long>(s.max_tokens) * s.n;
  long n = reasoning_tokens(s);
  if (has_text(s)) n += static_cast<long>(s.text.size() / 4 + 1);
  for (std::size_t i = 0; i < s.tools.size(); ++i)
    n += static_cast<long>(tool_arguments(s, i).size() / 4 + 1);
  return n * s.n;
}

std::string error_body(const Scenario& s) {
  json::object e{{"message", s.error_message}};
  if (!s.zai_code.empty())
    e["code"] = s.zai_code;
  else
    e["type"] = s.status >= 500 ? "server_error" : "invalid_request_error";
  if (!s.code.empty()) e["code"] = s.code;
  return json::serialize(json::object{{"error", std::move(e)}});
}

std::string completion_body(const Scenario& s, const std::string& id) {
  json::object message{{"role", "assistant"}};
  message["content"] = has_text(s) ? json::value(s.text) : json::value(nullptr);
  if (s.reasoning > 0) message["reasoning_content"] = reasoning_text();
  if (!s.tools.empty()) {
    json::array calls;
    for (std::size_t i = 0; i < s.tools.size(); ++i)
      calls.push_back(
          json::object{{"id", "call_" + std::to_string(i) + "_" + s.tools[i]},
                       {"type", "function"},
                       {"function", {{"name", s.tools[i]}, {"arguments", tool_arguments(s, i)}}}});
    message["tool_calls"] = std::move(calls);
  }
  json::object body{{"id", id},
                    {"object", "chat.completion"},
                    {"created", kCreated},
                    {"model", s.model},
                    {"choices", json::array()},
                    {"usage", usage_json(s, completion_tokens(s))}};
  auto& choices = body["choices"].as_array();
  for (int i = 0; i < s.n; ++i)
    choices.push_back(
        json::object{{"index", i}, {"message", message}, {"finish_reason", finish_reason(s)}});
  if (!s.usage) body.erase("usage");  // some upstreams report none
  return json::serialize(body);
}

std::vector<std::string> stream_events(const Scenario& s, const std::string& id) {
  std::vector<json::object> chunks;
  // Each event once per choice (n), as vLLM interleaves them.
  auto chunk = [&](json::object delta, json::value finish) {
    for (int i = 0; i < s.n; ++i)
      chunks.push_back(json::object{
          {"id", id},
          {"object", "chat.completion.chunk"},
          {"created", kCreated},
          {"model", s.model},
          {"choices",
           json::array{json::object{{"index", i}, {"delta", delta}, {"finish_reason", finish}}}}});
  };
  chunk(json::object{{"role", "assistant"}, {"content", ""}}, nullptr);
  for (auto& piece : split(reasoning_text(), s.reasoning > 0 ? s.reasoning : 0))
    if (s.reasoning > 0) chunk(json::object{{"reasoning_content", piece}}, nullptr);
  if (has_text(s))
    for (auto& piece : split(s.text, s.chunks))
      chunk(json::object{{"content", piece}}, nullptr);
  for (std::size_t i = 0; i < s.tools.size(); ++i) {
    auto args = split(tool_arguments(s, i), s.chunks);
    for (std::size_t j = 0; j < args.size(); ++j) {
      json::object call{{"index", static_cast<int>(i)}};
      json::object fn{{"arguments", args[j]}};
      if (j == 0) {
        call["id"] = "call_" + std::to_string(i) + "_" + s.tools[i];
        call["type"] = "function";
        fn["name"] = s.tools[i];
      }
      call["function"] = std::move(fn);
      chunk(json::object{{"tool_calls", json::array{std::move(call)}}}, nullptr);
    }
  }
  chunk(json::object{}, json::value(finish_reason(s)));
  if (s.usage_every) {
    long total = completion_tokens(s);
    for (std::size_t i = 0; i < chunks.size(); ++i)
      chunks[i]["usage"] =
          usage_json(s, total * static_cast<long>(i + 1) / static_cast<long>(chunks.size()));
  }
  std::vector<std::string> out;
  for (auto& c : chunks)
    out.push_back("data: " + json::serialize(c) + "\n\n");
  if (s.include_usage && s.usage && !s.usage_every) {
    json::object u{{"id", id},
                   {"object", "chat.completion.chunk"},
                   {"created", kCreated},
                   {"model", s.model},
                   {"choices", json::array()},
                   {"usage", usage_json(s, completion_tokens(s))}};
    out.push_back("data: " + json::serialize(u) + "\n\n");
  }
  if (s.done) out.push_back("data: [DONE]\n\n");
  return out;
}

std::string flood_event(const Scenario& s, const std::string& id) {
  json::object c{
      {"id", id},
      {"object", "chat.completion.chunk"},
      {"created", kCreated},
      {"model", s.model},
      {"choices", json::array{json::object{{"index", 0},
                                           {"delta", {{"content", std::string(1000, 'f')}}},
                                           {"finish_reason", nullptr}}}}};
  return "data: " + json::serialize(c) + "\n\n";
}

std::string flood_body_head(const Scenario& s, const std::string& id) {
  return R"({"id":")" + id + R"(","object":"chat.completion","created":)" +
         std::to_string(kCreated) + R"(,"model":")" + s.model +
         R"(","choices":[{"index":0,"message":{"role":"assistant","content":")";
}

}  // namespace fake
