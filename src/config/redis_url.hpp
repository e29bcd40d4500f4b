// RedisUrl: `redis://[[user]:password@]host[:port][/db]` and `rediss://` (TLS) taken apart, for
// the config's `redis` key and the Redis client. Pure; no I/O.
// Errors: parse_redis_url() says what is wrong in words that never quote the URL, so that a
// password in it reaches no log or message; redacted() is the form to print.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace glmgate {

struct RedisUrl {
  bool tls = false;      // rediss://: TLS, the server verified against the system's CAs
  std::string user;      // empty: the default user (AUTH with the password alone)
  std::string password;  // empty: no AUTH
  std::string host;      // a name, an IPv4 address or an IPv6 address without brackets
  std::uint16_t port = 6379;
  int db = 0;  // SELECTed on connect when not 0

  // "redis://host:port/db", with "user:***@" or ":***@" in place of the credentials.
  std::string redacted() const;
};

struct RedisUrlParse {
  std::optional<RedisUrl> url;
  std::string error;  // when url is empty: what is wrong, without the URL's text
};

RedisUrlParse parse_redis_url(std::string_view text);

}  // namespace glmgate
