// Usage parsing; see usage.hpp.
#include "canonical/usage_json.hpp"

#include <algorithm>
#include <cstdint>

namespace glmgate {

namespace {
std::int64_t int_field(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return 0;
  if (it->value().is_int64()) return std::max<std::int64_t>(0, it->value().get_int64());
  if (it->value().is_uint64())
    return static_cast<std::int64_t>(std::min<std::uint64_t>(it->value().get_uint64(), INT64_MAX));
  if (it->value().is_double()) {  // a cast of an out-of-range double is undefined
    double d = it->value().get_double();
    return d > 0 && d < 9.2e18 ? static_cast<std::int64_t>(d) : 0;
  }
  return 0;
}
}  // namespace

std::optional<Usage> read_usage(const boost::json::object& message) {
  auto it = message.find("usage");
  if (it == message.end() || !it->value().is_object()) return std::nullopt;
  const auto& u = it->value().get_object();
  Usage out;
  out.prompt_tokens = int_field(u, "prompt_tokens");
  out.completion_tokens = int_field(u, "completion_tokens");
  if (auto d = u.find("prompt_tokens_details"); d != u.end() && d->value().is_object())
    out.cached_tokens = int_field(d->value().get_object(), "cached_tokens");
  else
    out.cached_tokens = int_field(u, "cached_tokens");  // some OpenAI-compatible servers
  if (auto d = u.find("completion_tokens_details"); d != u.end() && d->value().is_object())
    out.reasoning_tokens = int_field(d->value().get_object(), "reasoning_tokens");
  return out;
}

boost::json::object usage_to_json(const Usage& usage) {
  boost::json::object u;
  u["prompt_tokens"] = usage.prompt_tokens;
  u["completion_tokens"] = usage.completion_tokens;
  u["total_tokens"] = usage.prompt_tokens + usage.completion_tokens;
  if (usage.cached_tokens) u["prompt_tokens_details"] = {{"cached_tokens", usage.cached_tokens}};
  if (usage.reasoning_tokens)
    u["completion_tokens_details"] = {{"reasoning_tokens", usage.reasoning_tokens}};
  return u;
}

}  // namespace glmgate
