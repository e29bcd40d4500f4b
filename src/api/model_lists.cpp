// Model lists; see model_lists.hpp. Prices are printed as plain decimals ("pricing":{"input":2.5})
// by building that part of the JSON text here: Boost.JSON writes doubles as 2.5E0.
#include "api/model_lists.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "surfaces/gemini/generate_response.hpp"

namespace glmgate {

namespace json = boost::json;

namespace {

// A model in Gemini's list shape.
json::object gemini_entry(const ModelConfig& m) {
  return json::object{{"name", "models/" + m.id},
                      {"version", "001"},
                      {"displayName", m.id},
                      {"description", "Served by glmgate from " + m.provider + "."},
                      {"inputTokenLimit", m.context_window},
                      {"outputTokenLimit", m.max_output_tokens},
                      {"supportedGenerationMethods",
                       json::array{"generateContent", "streamGenerateContent", "countTokens"}},
                      {"thinking", m.reasoning}};
}

constexpr std::int64_t kCatalogCreated = 1735689600;  // fixed, so listings are stable
constexpr std::string_view kCatalogCreatedAt = "2025-01-01T00:00:00Z";  // the same, RFC 3339

// The OpenAI entry: the JSON object, then the pricing member appended to its text.
std::string openai_entry(const ModelConfig& m) {
  std::string text = json::serialize(json::object{
      {"id", m.id},
      {"object", "model"},
      {"created", kCatalogCreated},
      {"owned_by", m.provider},
      {"context_window", m.context_window},
      {"max_output_tokens", m.max_output_tokens},
      {"supports_tools", m.tools},
      {"supports_reasoning", m.reasoning},
  });
  text.pop_back();  // the closing brace
  text += R"(,"pricing":{"currency":"USD","unit":"1M tokens","input":)";
  text += decimal_usd(m.input_price_per_mtok);
  text += R"(,"cached_input":)";
  text += decimal_usd(m.cached_input_price_per_mtok);
  text += R"(,"output":)";
  text += decimal_usd(m.output_price_per_mtok);
  text += "}}";
  return text;
}

json::object anthropic_entry(const ModelConfig& m) {
  return json::object{{"type", "model"},
                      {"id", m.id},
                      {"display_name", m.id},
                      {"created_at", kCatalogCreatedAt},
                      {"max_input_tokens", m.context_window},
                      {"max_tokens", m.max_output_tokens},
                      {"capabilities", nullptr},
                      {"lifecycle", "active"},
                      {"line", nullptr},
                      {"deprecated_at", nullptr},
                      {"retires_at", nullptr}};
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

}  // namespace

ListShape list_shape(const HttpRequest& request) {
  if (!request.header("x-goog-api-key").empty() || !request.query_param("key").empty())
    return ListShape::gemini;
  if (!request.header("x-api-key").empty() || !request.header("anthropic-version").empty())
    return ListShape::anthropic;
  return ListShape::openai;
}

std::string decimal_usd(NanoUsd nano) {
  std::string text = format_usd(nano);  // "2.500000000"
  while (text.back() == '0')
    text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

ModelLists::ModelLists(const std::vector<ModelConfig>& models) {
  std::vector<std::string> openai, anthropic, gemini;
  for (const auto& m : models) {
    auto add = [&](ListShape shape, std::vector<std::string>& list, std::string body) {
      list.push_back(body);
      models_[index(shape)].emplace(m.id, std::move(body));
    };
    add(ListShape::openai, openai, openai_entry(m));
    add(ListShape::anthropic, anthropic, json::serialize(anthropic_entry(m)));
    add(ListShape::gemini, gemini, json::serialize(gemini_entry(m)));
  }
  lists_[index(ListShape::openai)] = R"({"object":"list","data":[)" + joined(openai) + "]}";
  json::value first = models.empty() ? json::value(nullptr) : json::value(models.front().id);
  json::value last = models.empty() ? json::value(nullptr) : json::value(models.back().id);
  lists_[index(ListShape::anthropic)] =
      R"({"data":[)" + joined(anthropic) + R"(],"has_more":false,"first_id":)" +
      json::serialize(first) + R"(,"last_id":)" + json::serialize(last) + "}";
  lists_[index(ListShape::gemini)] = R"({"models":[)" + joined(gemini) + "]}";
}

const std::string* ModelLists::find(ListShape shape, std::string_view id) const {
  if (shape == ListShape::gemini && id.rfind("models/", 0) == 0) id.remove_prefix(7);
  const auto& bodies = models_[index(shape)];
  auto it = bodies.find(std::string(id));
  return it == bodies.end() ? nullptr : &it->second;
}

}  // namespace glmgate
