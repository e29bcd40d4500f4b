// CorsPolicy: which origins are allowed, and the headers of answers and preflights.
#include <gtest/gtest.h>

#include "http/cors.hpp"

namespace glmgate {
namespace {

std::string header(const Headers& headers, std::string_view name) {
  return std::string(find_header(headers, name));
}

TEST(Cors, AllowsOnlyTheConfiguredOrigins) {
  CorsPolicy none;
  EXPECT_FALSE(none.enabled());
  EXPECT_EQ(none.allow_origin("https://app.example.com"), "");

  CorsPolicy some({"https://App.example.com", "http://localhost:5173"});
  EXPECT_TRUE(some.enabled());
  EXPECT_EQ(some.allow_origin("https://app.example.com"), "https://app.example.com");
  EXPECT_EQ(some.allow_origin("HTTPS://APP.EXAMPLE.COM"), "https://app.example.com");
  EXPECT_EQ(some.allow_origin("http://localhost:5173"), "http://localhost:5173");
  EXPECT_EQ(some.allow_origin("http://localhost:5174"), "");
  EXPECT_EQ(some.allow_origin("https://app.example.com.evil.test"), "");
  EXPECT_EQ(some.allow_origin("null"), "");
  EXPECT_EQ(some.allow_origin(""), "");

  CorsPolicy any({"*"});
  EXPECT_EQ(any.allow_origin("https://anything.test"), "*");
  EXPECT_EQ(any.allow_origin("null"), "*");
}

TEST(Cors, MarksAnAnswerAndExposesItsOwnHeaders) {
  Headers h{{"x-ratelimit-remaining-requests", "9"}, {"x-glmgate-cost", "0.1"}};
  CorsPolicy::mark_answer(h, "https://app.example.com");
  EXPECT_EQ(header(h, "access-control-allow-origin"), "https://app.example.com");
  EXPECT_EQ(header(h, "vary"), "Origin");
  std::string exposed = header(h, "access-control-expose-headers");
  for (const char* name : {"x-request-id", "x-ratelimit-limit-requests", "x-ratelimit-reset-tokens",
                           "retry-after", "x-glmgate-cost"})
    EXPECT_NE(exposed.find(name), std::string::npos) << name;
}

TEST(Cors, PreflightEchoesPlainHeaderListsOnly) {
  Headers h;
  CorsPolicy::mark_preflight(h, "*", "POST", "authorization, x-stainless-arch");
  EXPECT_EQ(header(h, "access-control-allow-origin"), "*");
  EXPECT_EQ(header(h, "access-control-allow-methods"), "POST");
  EXPECT_EQ(header(h, "access-control-allow-headers"), "authorization, x-stainless-arch");
  EXPECT_EQ(header(h, "access-control-max-age"), "86400");

  for (const char* odd : {"", "authorization; x=1", "a\"b"}) {
    Headers p;
    CorsPolicy::mark_preflight(p, "*", "GET, HEAD", odd);
    std::string allowed = header(p, "access-control-allow-headers");
    for (const char* name :
         {"authorization", "content-type", "x-api-key", "x-goog-api-key", "anthropic-version",
          "anthropic-beta", "anthropic-dangerous-direct-browser-access"})
      EXPECT_NE(allowed.find(name), std::string::npos) << name << " for \"" << odd << "\"";
  }
}

}  // namespace
}  // namespace glmgate
