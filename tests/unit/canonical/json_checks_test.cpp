// token_bound: the one check of an output-token bound every surface uses. Any JSON number that is
// not an integer from 1 to INT64_MAX is a 400 naming the field, never an exception.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "canonical/json_checks.hpp"

namespace glmgate {
namespace {

Result<std::int64_t> bound(const char* json) {
  return token_bound(boost::json::parse(json), "generationConfig.maxOutputTokens");
}

TEST(TokenBound, TakesIntegersFromOneToInt64Max) {
  EXPECT_EQ(*bound("1"), 1);
  EXPECT_EQ(*bound("4096.0"), 4096);
  EXPECT_EQ(*bound("9223372036854775807"), INT64_MAX);
}

TEST(TokenBound, RefusesTheRestNamingTheField) {
  for (const char* bad : {"0", "-1", "-9223372036854775808", "18446744073709551615", "1e30",
                          "-1e30", "9.3e18", "1.5", "\"100\"", "null", "true"}) {
    auto r = bound(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().status, 400) << bad;
    EXPECT_EQ(r.error().param, "generationConfig.maxOutputTokens") << bad;
    EXPECT_NE(r.error().message.find("generationConfig.maxOutputTokens"), std::string::npos);
  }
}

}  // namespace
}  // namespace glmgate
