// RedisUrl; see redis_url.hpp.
#include "config/redis_url.hpp"

#include <boost/url/parse.hpp>
#include <charconv>

namespace glmgate {

namespace {

constexpr const char* kShape =
    "expected redis://[[user]:password@]host[:port][/db] or rediss://...";

RedisUrlParse fail(std::string what) {
  return {std::nullopt, std::move(what) + " (" + kShape + ")"};
}

template <class T>
bool to_number(std::string_view s, T& out, T min, T max) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max) return false;
  out = v;
  return true;
}

}  // namespace

std::string RedisUrl::redacted() const {
  std::string out = tls ? "rediss://" : "redis://";
  if (!user.empty() || !password.empty()) out += user + (password.empty() ? "" : ":***") + "@";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return out + ":" + std::to_string(port) + "/" + std::to_string(db);
}

RedisUrlParse parse_redis_url(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return fail("not a URL");
  const auto& u = *parsed;
  RedisUrl url;
  if (u.scheme() == "rediss")
    url.tls = true;
  else if (u.scheme() != "redis")
    return fail("the scheme must be redis or rediss, got \"" + std::string(u.scheme()) + "\"");
  if (!u.has_authority() || u.encoded_host().empty()) return fail("the host is missing");
  if (u.has_query() || u.has_fragment()) return fail("a query or fragment is not allowed");
  if (u.has_userinfo()) {
    url.user = u.user();
    url.password = u.password();
  }
  url.host = u.host_address();  // an IPv6 address without its brackets
  if (u.has_port() && !to_number<std::uint16_t>(u.port(), url.port, 1, 65535))
    return fail("the port must be a number from 1 to 65535");
  std::string_view path = u.encoded_path();
  if (!path.empty() && path != "/") {
    if (path.front() != '/' || !to_number<int>(path.substr(1), url.db, 0, 1'000'000))
      return fail("the path must be the database number, e.g. /0");
  }
  return {std::move(url), {}};
}

}  // namespace glmgate
