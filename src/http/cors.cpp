// CORS headers; see cors.hpp.
#include "http/cors.hpp"

#include <algorithm>

namespace glmgate {

namespace {

// What a browser script may read beyond the CORS-safelisted response headers.
constexpr std::string_view kExposed =
    "x-request-id, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, "
    "x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, "
    "x-ratelimit-reset-tokens, retry-after";
// Sent when a preflight does not list the headers it wants: what the OpenAI, Anthropic and
// Gemini browser SDKs send.
constexpr std::string_view kAllowedHeaders =
    "authorization, content-type, x-api-key, x-goog-api-key, x-goog-api-client, "
    "anthropic-version, anthropic-beta, anthropic-dangerous-direct-browser-access, "
    "openai-organization, openai-project, x-request-id";
// A day; browsers cap it lower (Chromium at two hours).
constexpr std::string_view kMaxAge = "86400";
constexpr std::string_view kOwnPrefix = "x-glmgate-";

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

// Field names (tchar), commas and spaces only: safe and meaningful to echo back.
bool plain_field_list(std::string_view v) {
  if (v.empty() || v.size() > 1024) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ',' || c == ' ' || c == '\t';
  });
}

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> origins) {
  for (auto& o : origins) {
    if (o == "*") {
      any_ = true;
      continue;
    }
    std::transform(o.begin(), o.end(), o.begin(), lower);
    origins_.push_back(std::move(o));
  }
}

std::string_view CorsPolicy::allow_origin(std::string_view origin) const {
  if (any_) return "*";
  if (origin.empty()) return {};
  for (const auto& o : origins_)
    if (iequals_ascii(origin, o)) return o;
  return {};
}

void CorsPolicy::mark_answer(Headers& headers, std::string_view allow_origin) {
  std::string exposed(kExposed);
  for (const auto& h : headers)
    if (h.name.rfind(kOwnPrefix, 0) == 0) exposed.append(", ").append(h.name);
  headers.push_back({"access-control-allow-origin", std::string(allow_origin)});
  headers.push_back({"vary", "Origin"});
  headers.push_back({"access-control-expose-headers", std::move(exposed)});
}

void CorsPolicy::mark_preflight(Headers& headers, std::string_view allow_origin,
                                std::string_view methods, std::string_view requested_headers) {
  headers.push_back({"access-control-allow-origin", std::string(allow_origin)});
  headers.push_back({"vary", "Origin"});
  headers.push_back({"access-control-allow-methods", std::string(methods)});
  headers.push_back({"access-control-allow-headers", plain_field_list(requested_headers)
                                                         ? std::string(requested_headers)
                                                         : std::string(kAllowedHeaders)});
  headers.push_back({"access-control-max-age", std::string(kMaxAge)});
}

}  // namespace glmgate
