// Responses tools; see responses_tools.hpp.
#include "surfaces/responses/responses_tools.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>

#include "canonical/json_checks.hpp"

namespace glmgate::responses {

namespace json = boost::json;

namespace {

using Error = std::optional<ApiError>;

constexpr std::size_t kMaxToolName = 64;

// FNV-1a: a stable, platform-independent hash, so a shortened name is the same in every process
// and every release (it is stored with the conversation).
std::uint32_t fnv1a(std::string_view text) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : text) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

// Calls fn(member, is_custom, ns, ns_description, field) for every function or custom tool of
// `tools`, namespace members included; other tools (built-ins) are skipped.
template <class F>
Error each_callable(const json::value& tools, F&& fn) {
  if (tools.is_null()) return std::nullopt;
  return each_object(tools, "tools", [&](const json::object& t, const std::string& f) -> Error {
    std::string_view type = string_or_empty(t, "type");
    if (type == "function" || type == "custom") return fn(t, type == "custom", "", "", f);
    if (type != "namespace") return std::nullopt;
    std::string_view ns = string_or_empty(t, "name");
    if (ns.empty()) return missing_field(f + ".name");
    std::string_view about = string_or_empty(t, "description");
    auto members = t.find("tools");
    if (members == t.end() || members->value().is_null()) return std::nullopt;
    return each_object(members->value(), f + ".tools",
                       [&](const json::object& m, const std::string& mf) -> Error {
                         std::string_view mt = string_or_empty(m, "type");
                         if (mt != "function" && mt != "custom") return std::nullopt;
                         return fn(m, mt == "custom", ns, about, mf);
                       });
  });
}

std::string custom_description(const json::object& t) {
  std::string d(string_or_empty(t, "description"));
  if (!d.empty()) d += "\n\n";
  d += "This tool takes free-form text, not JSON arguments: put the whole text in \"input\".";
  auto format = t.find("format");
  if (format != t.end() && format->value().is_object()) {
    const auto& fo = format->value().get_object();
    if (string_or_empty(fo, "type") == "grammar") {
      std::string_view syntax = string_or_empty(fo, "syntax");
      d += "\nThe text must follow this ";
      d += syntax.empty() ? "grammar" : std::string(syntax) + " grammar";
      d += ":\n";
      d += string_or_empty(fo, "definition");
    }
  }
  return d;
}

json::object canonical_tool(const json::object& t, bool custom, std::string_view ns,
                            std::string_view about) {
  json::object fn{{"name", flat_tool_name(ns, string_or_empty(t, "name"))}};
  std::string description =
      custom ? custom_description(t) : std::string(string_or_empty(t, "description"));
  if (!ns.empty() && !about.empty()) {
    if (!description.empty()) description += "\n\n";
    description.append("(Part of ").append(ns).append(": ").append(about).append(")");
  }
  if (!description.empty()) fn["description"] = description;
  if (custom) {
    fn["parameters"] = json::object{
        {"type", "object"},
        {"properties", {{"input", {{"type", "string"}, {"description", "The free-form text."}}}}},
        {"required", json::array{"input"}},
        {"additionalProperties", false}};
  } else {
    auto params = t.find("parameters");
    fn["parameters"] = params != t.end() && params->value().is_object()
                           ? params->value()
                           : json::value(json::object{{"type", "object"}});
    if (auto s = t.find("strict"); s != t.end() && s->value().is_bool()) fn["strict"] = s->value();
  }
  return json::object{{"type", "function"}, {"function", std::move(fn)}};
}

Error decode_tool_choice(const json::value& choice, json::object& out) {
  if (choice.is_string()) {
    out["tool_choice"] = choice;
    return std::nullopt;
  }
  if (!choice.is_object()) return type_error("tool_choice", "a string or an object", choice);
  const auto& c = choice.get_object();
  std::string_view type = string_or_empty(c, "type");
  if (type == "function" || type == "custom") {
    std::string_view name = string_or_empty(c, "name");
    if (name.empty()) return missing_field("tool_choice.name");
    out["tool_choice"] = json::object{
        {"type", "function"},
        {"function", {{"name", flat_tool_name(string_or_empty(c, "namespace"), name)}}}};
    return std::nullopt;
  }
  if (type == "allowed_tools") {
    // The upstream has no subset to restrict to: the mode alone still says whether to call.
    std::string_view mode = string_or_empty(c, "mode");
    out["tool_choice"] = mode.empty() ? "auto" : mode;
    return std::nullopt;
  }
  if (type.empty()) return missing_field("tool_choice.type");
  return ApiError::unsupported_parameter(
      "tool_choice forces the built-in tool '" + std::string(type) +
          "', which glmgate does not run; only function, custom and namespace tools reach the "
          "model.",
      "tool_choice");
}

}  // namespace

std::string flat_tool_name(std::string_view ns, std::string_view name) {
  if (ns.empty()) return std::string(name);
  while (!ns.empty() && ns.back() == '_')
    ns.remove_suffix(1);
  while (!name.empty() && name.front() == '_')
    name.remove_prefix(1);
  std::string flat;
  flat.append(ns).append("__").append(name);
  if (flat.size() <= kMaxToolName) return flat;
  char suffix[10];
  std::snprintf(suffix, sizeof suffix, "_%08x", static_cast<unsigned>(fnv1a(flat)));
  flat.resize(kMaxToolName - 9);
  return flat + suffix;
}

ToolMap::ToolMap(const json::value& tools) {
  if (!tools.is_array()) return;
  (void)each_callable(tools,
                      [this](const json::object& t, bool custom, std::string_view ns,
                             std::string_view, const std::string&) -> Error {
                        std::string_view name = string_or_empty(t, "name");
                        if (name.empty() || (ns.empty() && !custom)) return std::nullopt;
                        by_upstream_[flat_tool_name(ns, name)] =
                            ToolOrigin{std::string(name), std::string(ns), custom};
                        return std::nullopt;
                      });
}

const ToolOrigin* ToolMap::origin(std::string_view upstream_name) const {
  if (by_upstream_.empty()) return nullptr;
  auto it = by_upstream_.find(std::string(upstream_name));
  return it == by_upstream_.end() ? nullptr : &it->second;
}

std::string custom_input(std::string_view arguments) {
  boost::system::error_code ec;
  json::value v = json::parse(arguments, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.get_object();
    if (auto in = o.find("input"); in != o.end() && in->value().is_string())
      return std::string(in->value().get_string());
    // A model that named the field otherwise still meant its only string.
    if (o.size() == 1 && o.begin()->value().is_string())
      return std::string(o.begin()->value().get_string());
  }
  return std::string(arguments);
}

std::string custom_arguments(std::string_view input) {
  return json::serialize(json::object{{"input", input}});
}

Error decode_tools(const json::object& in, json::object& out) {
  json::array tools(out.storage());
  auto it = in.find("tools");
  if (it != in.end()) {
    auto e = each_callable(it->value(),
                           [&](const json::object& t, bool custom, std::string_view ns,
                               std::string_view about, const std::string& f) -> Error {
                             if (string_or_empty(t, "name").empty())
                               return missing_field(f + ".name");
                             tools.push_back(canonical_tool(t, custom, ns, about));
                             return std::nullopt;
                           });
    if (e) return e;
  }
  auto choice = in.find("tool_choice");
  if (choice != in.end() && !choice->value().is_null())
    if (auto e = decode_tool_choice(choice->value(), out)) return e;
  if (tools.empty()) {
    // Only built-ins (or none): the upstream gets no tools, so no choice among them either.
    if (auto c = out.find("tool_choice"); c != out.end() && c->value().is_string())
      out.erase("tool_choice");
    return std::nullopt;
  }
  out["tools"] = std::move(tools);
  if (auto p = in.find("parallel_tool_calls"); p != in.end() && p->value().is_bool())
    out["parallel_tool_calls"] = p->value();
  return std::nullopt;
}

}  // namespace glmgate::responses
