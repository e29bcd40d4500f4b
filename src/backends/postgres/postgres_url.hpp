// How a PostgreSQL store is named in messages: its URL without the password. The store is given
// as a libpq connection URI (postgres://user:password@host:port/db?param=value&...); the password
// may be in its user info or a `password` parameter, and both are hidden. libpq's own messages
// about a URI it cannot read may quote parts of it: scrub_postgres_secrets() takes the password
// out of those too.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace glmgate {

// `url` with the password of its user info and of any password parameter replaced by "***".
std::string redact_postgres_url(std::string_view url);
// The passwords `url` holds, as written and percent-decoded (what redact_postgres_url() hides).
std::vector<std::string> postgres_url_secrets(std::string_view url);
// `message` with every occurrence of each of `secrets` replaced by "***".
std::string scrub_postgres_secrets(std::string message, const std::vector<std::string>& secrets);

}  // namespace glmgate
