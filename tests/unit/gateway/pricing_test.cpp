// The reservation's bound counts every choice a request asks for, and `n` is checked.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <limits>

#include "gateway/pricing.hpp"

namespace glmgate {
namespace {

boost::json::object body(const char* text) {
  return boost::json::parse(text).as_object();
}

TEST(RequestedChoices, DefaultsToOneAndAcceptsOneTo128) {
  auto none = body(R"({"model":"m"})");
  EXPECT_EQ(*requested_choices(none), 1);
  auto null = body(R"({"n":null})");
  EXPECT_EQ(*requested_choices(null), 1);
  auto eight = body(R"({"n":8})");
  EXPECT_EQ(*requested_choices(eight), 8);
  auto most = body(R"({"n":128})");
  EXPECT_EQ(*requested_choices(most), 128);
  auto whole = body(R"({"n":3.0})");
  EXPECT_EQ(*requested_choices(whole), 3);
  EXPECT_TRUE(whole.at("n").is_int64()) << "sent upstream as an integer";
}

TEST(RequestedChoices, RefusesOthersNamingN) {
  for (const char* text : {R"({"n":0})", R"({"n":-1})", R"({"n":129})", R"({"n":1.5})",
                           R"({"n":"2"})", R"({"n":true})", R"({"n":[2]})", R"({"n":1e300})"}) {
    auto b = body(text);
    auto n = requested_choices(b);
    ASSERT_FALSE(n) << text;
    EXPECT_EQ(n.error().status, 400) << text;
    EXPECT_EQ(n.error().param, "n") << text;
  }
}

TEST(ReservationBound, CountsEveryChoice) {
  ModelConfig m;
  m.input_price_per_mtok = 1'000'000'000;       // $1 per 1M tokens: 1000 nano-USD a token
  m.output_price_per_mtok = 1'000'000'000'000;  // $1000 per 1M: $1 per 1000 tokens
  EXPECT_EQ(reservation_bound(m, 100, 1000, 1), 100'000 + 1'000'000'000);
  EXPECT_EQ(reservation_bound(m, 100, 1000, 8), 100'000 + 8'000'000'000);
  constexpr auto kMax = std::numeric_limits<NanoUsd>::max();
  EXPECT_EQ(reservation_bound(m, 100, std::numeric_limits<std::int64_t>::max() / 2, 128), kMax)
      << "saturates, never wraps";
  EXPECT_EQ(reservation_bound(m, kMax, kMax, 128), kMax);
}

}  // namespace
}  // namespace glmgate
