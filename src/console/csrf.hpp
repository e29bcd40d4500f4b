// Cross-site request forgery checks for the console API's writes. Three layers, each enough on
// its own against a plain cross-site form, so that one browser's gap does not open the door:
// - the session's CSRF token in `x-csrf-token`, derived from the session secret (nothing more
//   to store) and compared in constant time; requests before a session exists (sign-in, links)
//   have none to send;
// - Origin, when the browser sends it, must be the console's own; Sec-Fetch-Site, when sent,
//   must be same-origin;
// - the body must be declared application/json, which a cross-site form cannot send without a
//   preflight that glmgate does not grant.
// Pure functions; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace glmgate {

// The token the console's page sends back for a session secret: base64url of
// SHA-256("glmgate-csrf\0" + secret), without padding.
std::string csrf_token(std::string_view session_secret);

// The console's origin: `console_url`'s scheme://host[:port], or http://<Host header>.
std::string console_origin(std::string_view console_url, const HttpRequest& request);

// Why the write `request` is refused, or nullopt. `session_secret` empty: no session yet (the
// token is then not asked for).
std::optional<std::string> csrf_problem(const HttpRequest& request, std::string_view origin,
                                        std::string_view session_secret);

}  // namespace glmgate
