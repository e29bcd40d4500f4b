// The console's session cookie: reading one cookie from a Cookie header, and the Set-Cookie
// values that start and end a session. HttpOnly and SameSite=Strict always; when the console is
// served over https (console_url says so: glmgate itself has no TLS listener, a proxy in front
// does) the cookie is `__Host-` prefixed and Secure. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace glmgate {

// The cookie's name: "__Host-glmgate_session" under https, else "glmgate_session".
std::string_view session_cookie_name(bool secure);

// The value of the cookie `name` in a Cookie header ("a=1; b=2"), or empty.
std::string_view cookie_value(std::string_view cookie_header, std::string_view name);

// Set-Cookie for a new session living `max_age_s` seconds in the browser (the store's own
// expiry ends it earlier when the session is idle).
std::string session_cookie(std::string_view secret, std::int64_t max_age_s, bool secure);
// Set-Cookie that removes it (sign-out).
std::string cleared_session_cookie(bool secure);

}  // namespace glmgate
