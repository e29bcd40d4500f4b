// Upstream error mapping; see upstream_errors.hpp.
#include "providers/upstream_errors.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace glmgate {

namespace json = boost::json;

namespace {

bool key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

std::string string_or_number(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return {};
  if (it->value().is_string()) return std::string(it->value().get_string());
  if (it->value().is_int64()) return std::to_string(it->value().get_int64());
  return {};
}

// Z.ai business codes that tell more than the HTTP status.
std::optional<ApiError> map_zai_code(std::string_view code, const std::string& message) {
  if (code == "1302" || code == "1303" || code == "1304" || code == "1305" || code == "1308" ||
      code == "1310" || code == "1313")
    return ApiError::rate_limited(message);
  if (code == "1312") return ApiError::unavailable(message, "upstream_overloaded");
  if (code == "1261")
    return ApiError::invalid_request(message, "messages", "context_length_exceeded");
  if (code == "1301") return ApiError::invalid_request(message, {}, "content_filter");
  if (code == "1210" || code == "1213" || code == "1214" || code == "1215")
    return ApiError::invalid_request(message);
  return std::nullopt;
}

// The error an upstream status (and its Z.ai business code) means for the client.
ApiError map_status(int status, const std::string& code, const std::string& prefixed) {
  if (auto zai = map_zai_code(code, prefixed)) return *zai;
  switch (status) {
    case 400:
    case 422:
      return ApiError::invalid_request(prefixed, {}, code.empty() ? "" : code);
    case 413:
      return {413, "invalid_request_error", "request_too_large", prefixed, {}};
    case 408:
      return ApiError::upstream_timeout(prefixed);
    case 429:
      return ApiError::rate_limited(prefixed);
    case 503:
    case 529:
      return ApiError::unavailable(prefixed, "upstream_overloaded");
    case 504:
      return ApiError::upstream_timeout(prefixed);
    default:
      // 401/403/404 say the gateway's provider settings are wrong, not the client's request.
      return ApiError::upstream(prefixed);
  }
}

// Every string in `v`, keys included, with the secret masked: an upstream may echo the key in
// any field of its error (code, type, param, nested details), not only in its message.
void redact_all(json::value& v, std::string_view secret) {
  if (v.is_string()) {
    v = redact(v.get_string(), secret);
  } else if (v.is_array()) {
    for (auto& x : v.get_array())
      redact_all(x, secret);
  } else if (v.is_object()) {
    json::object clean;
    for (auto& kv : v.get_object()) {
      redact_all(kv.value(), secret);
      clean[redact(kv.key(), secret)] = std::move(kv.value());
    }
    v = std::move(clean);
  }
}

// An upstream's error code passes on only when it looks like one (Z.ai's "1302", OpenAI's
// "context_length_exceeded"): anything else is the upstream's text, not a code.
bool looks_like_code(std::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

}  // namespace

std::string redact(std::string_view text, std::string_view secret) {
  std::string out(text);
  if (secret.size() >= 4) {
    for (auto pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos))
      out.replace(pos, secret.size(), "***");
  }
  for (auto pos = out.find("sk-"); pos != std::string::npos; pos = out.find("sk-", pos + 1)) {
    std::size_t end = pos + 3;
    while (end < out.size() && key_char(out[end]))
      ++end;
    if (end - pos >= 12) out.replace(pos + 3, end - pos - 3, "***");
  }
  return out;
}

ApiError map_upstream_response(std::string_view provider, int status, std::string_view body,
                               std::string_view provider_key) {
  std::string message, code;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (!ec) redact_all(parsed, provider_key);
  if (!ec && parsed.is_object()) {
    const auto& o = parsed.get_object();
    if (auto e = o.find("error"); e != o.end() && e->value().is_object()) {
      message = string_or_number(e->value().get_object(), "message");
      code = string_or_number(e->value().get_object(), "code");
    } else if (auto e = o.find("error"); e != o.end() && e->value().is_string()) {
      message = std::string(e->value().get_string());  // vLLM/Ollama style
    } else {
      message = string_or_number(o, "message");
    }
  }
  if (message.empty()) message = std::string(body.substr(0, 300));
  message = redact(message, provider_key);
  if (!looks_like_code(code)) code.clear();
  std::string prefixed = "Upstream " + std::string(provider) + " returned HTTP " +
                         std::to_string(status) + (message.empty() ? "" : ": " + message);

  ApiError e = map_status(status, code, prefixed);
  e.from_upstream = true;
  e.upstream_status = status;
  e.upstream_code = code;
  return e;
}

ApiError map_transport_error(std::string_view provider, const UpstreamError& error) {
  std::string where = "Upstream " + std::string(provider) + ": ";
  ApiError e = error.is_timeout() ? ApiError::upstream_timeout(where + error.detail)
               : error.kind == UpstreamFailure::too_large
                   ? ApiError::upstream(where + error.detail, "upstream_output_too_large")
                   : ApiError::upstream(where + error.detail);
  e.from_upstream = true;
  return e;
}

}  // namespace glmgate
