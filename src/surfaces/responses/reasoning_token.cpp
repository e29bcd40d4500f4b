// Reasoning tokens; see reasoning_token.hpp.
#include "surfaces/responses/reasoning_token.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "canonical/json_checks.hpp"
#include "core/base64.hpp"

namespace glmgate::responses {

namespace json = boost::json;

namespace {

constexpr std::int64_t kVersion = 1;
constexpr std::size_t kMaxToken = 64 * 1024 * 1024;

}  // namespace

std::string seal_reasoning(std::string_view text) {
  std::string plain =
      json::serialize(json::object{{"glmgate", kVersion}, {"reasoning_content", text}});
  return base64_encode(plain);
}

std::optional<std::string> open_reasoning(std::string_view token) {
  if (token.size() > kMaxToken) return std::nullopt;
  auto plain = base64_decode(token);
  if (!plain) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(*plain, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  auto version = o.find("glmgate");
  auto text = o.find("reasoning_content");
  if (version == o.end() || !is_json_integer(version->value()) ||
      json_integer(version->value()) != kVersion || text == o.end() || !text->value().is_string())
    return std::nullopt;
  return std::string(text->value().get_string());
}

}  // namespace glmgate::responses
