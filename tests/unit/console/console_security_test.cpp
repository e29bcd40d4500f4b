// The console's request checks: the session cookie's flags and parsing, the CSRF token and the
// origin and content-type checks, the client's address behind trusted proxies only, and the
// sign-in limits per address and per email.
#include <gtest/gtest.h>

#include "console/client_address.hpp"
#include "console/cookies.hpp"
#include "console/csrf.hpp"
#include "console/sign_in_limiter.hpp"

namespace glmgate {
namespace {

TEST(SessionCookie, IsHttpOnlyStrictAndUnderHttpsSecureWithTheHostPrefix) {
  EXPECT_EQ(session_cookie("abc", 600, false),
            "glmgate_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=600");
  EXPECT_EQ(session_cookie("abc", 600, true),
            "__Host-glmgate_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=600; Secure");
  EXPECT_EQ(cleared_session_cookie(false),
            "glmgate_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

TEST(SessionCookie, IsReadFromACookieHeaderByItsExactName) {
  EXPECT_EQ(cookie_value("a=1; glmgate_session=s3cret; b=2", "glmgate_session"), "s3cret");
  EXPECT_EQ(cookie_value("xglmgate_session=no;glmgate_session=\"yes\"", "glmgate_session"), "yes");
  EXPECT_EQ(cookie_value("a=1; b=2", "glmgate_session"), "");
  EXPECT_EQ(cookie_value("", "glmgate_session"), "");
}

HttpRequest write(std::string origin, std::string token, std::string type = "application/json") {
  HttpRequest r;
  r.method = "POST";
  r.body = "{}";
  r.headers.push_back({"host", "127.0.0.1:8080"});
  if (!origin.empty()) r.headers.push_back({"origin", origin});
  if (!token.empty()) r.headers.push_back({"x-csrf-token", token});
  if (!type.empty()) r.headers.push_back({"content-type", type});
  return r;
}

TEST(Csrf, AsksForTheSessionsTokenTheConsolesOriginAndAJsonBody) {
  const std::string token = csrf_token("secret-1");
  EXPECT_EQ(token.size(), 43u);  // base64url of 32 bytes, unpadded
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos);
  EXPECT_NE(token, csrf_token("secret-2"));
  const std::string origin = console_origin("", write("", ""));
  EXPECT_EQ(origin, "http://127.0.0.1:8080");
  EXPECT_EQ(console_origin("https://gw.example.com/glm", write("", "")), "https://gw.example.com");

  EXPECT_FALSE(csrf_problem(write(origin, token), origin, "secret-1"));
  EXPECT_FALSE(csrf_problem(write("", token), origin, "secret-1"));  // no Origin sent: fine
  EXPECT_TRUE(csrf_problem(write(origin, ""), origin, "secret-1"));
  EXPECT_TRUE(csrf_problem(write(origin, csrf_token("secret-2")), origin, "secret-1"));
  EXPECT_TRUE(csrf_problem(write("https://evil.example", token), origin, "secret-1"));
  EXPECT_TRUE(csrf_problem(write(origin, token, "text/plain"), origin, "secret-1"));
  EXPECT_TRUE(csrf_problem(write(origin, token, ""), origin, "secret-1"));
  EXPECT_FALSE(csrf_problem(write(origin, "", "application/json; charset=utf-8"), origin, ""));
  HttpRequest cross = write("", token);
  cross.headers.push_back({"sec-fetch-site", "cross-site"});
  EXPECT_TRUE(csrf_problem(cross, origin, "secret-1"));
}

TEST(ClientAddress, BelievesForwardedForOnlyFromTrustedProxies) {
  ClientAddress none({});
  EXPECT_EQ(none.of("203.0.113.9", "1.2.3.4"), "203.0.113.9");
  ClientAddress proxies({"127.0.0.1", "10.0.0.0/8", "fd00::/8"});
  EXPECT_TRUE(proxies.trusted("10.1.2.3"));
  EXPECT_TRUE(proxies.trusted("::ffff:10.1.2.3"));
  EXPECT_TRUE(proxies.trusted("fd12::1"));
  EXPECT_FALSE(proxies.trusted("11.0.0.1"));
  EXPECT_EQ(proxies.of("127.0.0.1", "198.51.100.7"), "198.51.100.7");
  // A client's own X-Forwarded-For entries sit left of the first untrusted hop.
  EXPECT_EQ(proxies.of("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.5"), "198.51.100.7");
  EXPECT_EQ(proxies.of("203.0.113.9", "198.51.100.7"), "203.0.113.9");  // not from a proxy
  EXPECT_EQ(proxies.of("127.0.0.1", ""), "127.0.0.1");
  EXPECT_EQ(proxies.of("127.0.0.1", "garbage"), "127.0.0.1");
}

TEST(SignInLimiter, AllowsTenAMinutePerAddressAndFiveAQuarterPerEmail) {
  SignInLimiter limiter;
  const std::int64_t t = 1'000'000'000'000;
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(limiter.attempt("1.1.1.1", "ann@example.com", t), 0) << i;
  const std::int64_t wait = limiter.attempt("1.1.1.1", "ann@example.com", t);
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, 180);        // one more after 3 minutes (5 per 15)
  for (int i = 0; i < 5; ++i)  // other emails from the same address, up to its 10
    EXPECT_EQ(limiter.attempt("1.1.1.1", "user" + std::to_string(i) + "@example.com", t), 0);
  EXPECT_GT(limiter.attempt("1.1.1.1", "fresh@example.com", t), 0);
  EXPECT_EQ(limiter.attempt("2.2.2.2", "fresh@example.com", t), 0);  // another address
  EXPECT_EQ(limiter.attempt("1.1.1.1", "fresh@example.com", t + 6'000'000'000), 0);
  // One /64 is one address: its hosts share the ten.
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(limiter.attempt("2001:db8::" + std::to_string(i + 1), "v6-" + std::to_string(i), t),
              0);
  EXPECT_GT(limiter.attempt("2001:db8::ffff", "v6-x", t), 0);
  EXPECT_EQ(limiter.attempt("2001:db8:0:1::1", "v6-y", t), 0);
}

TEST(SignInLimiter, KeysAnAddressByItselfAnIPv6OneByIts64AndAMappedIPv4OneAsIPv4) {
  EXPECT_EQ(sign_in_address_key("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(sign_in_address_key("2001:db8::1:2:3:4"), "2001:db8::/64");
  EXPECT_EQ(sign_in_address_key("2001:db8:0:1::9"), "2001:db8:0:1::/64");
  // A dual-stack listener's IPv4 clients: each its own, not all one "::/64".
  EXPECT_EQ(sign_in_address_key("::ffff:203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(sign_in_address_key("::ffff:198.51.100.1"), "198.51.100.1");
  EXPECT_EQ(sign_in_address_key("not an address"), "not an address");
}

TEST(Csrf, TakesTheConsolesOriginInAnyCaseAndWithItsDefaultPort) {
  HttpRequest r = write("HTTPS://GW.example.com", "");
  const std::string origin = console_origin("https://gw.example.com:443/glm", r);
  EXPECT_EQ(origin, "https://gw.example.com");
  EXPECT_FALSE(csrf_problem(r, origin, ""));
  EXPECT_TRUE(csrf_problem(write("http://gw.example.com", ""), origin, ""));
}

}  // namespace
}  // namespace glmgate
