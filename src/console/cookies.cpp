// The session cookie; see cookies.hpp.
#include "console/cookies.hpp"

#include "http/message.hpp"

namespace glmgate {

namespace {

std::string cookie(std::string_view value, std::int64_t max_age_s, bool secure) {
  std::string out(session_cookie_name(secure));
  out += '=';
  out += value;
  out += "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
  if (secure) out += "; Secure";
  return out;
}

}  // namespace

std::string_view session_cookie_name(bool secure) {
  return secure ? "__Host-glmgate_session" : "glmgate_session";
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto end = header.find(';');
    std::string_view pair = trim_ows(header.substr(0, end));
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && trim_ows(pair.substr(0, eq)) == name) {
      std::string_view value = trim_ows(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      return value;
    }
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return {};
}

std::string session_cookie(std::string_view secret, std::int64_t max_age_s, bool secure) {
  return cookie(secret, max_age_s, secure);
}

std::string cleared_session_cookie(bool secure) {
  return cookie("", 0, secure);
}

}  // namespace glmgate
