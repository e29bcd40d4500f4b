// Money arithmetic: integers only, rounding up to the nano, no overflow on large counts.
#include <gtest/gtest.h>

#include "core/money.hpp"
#include "gateway/pricing.hpp"

namespace glmgate {
namespace {

TEST(Money, ConvertsConfiguredUsdToNano) {
  EXPECT_EQ(usd_to_nano(2.5), 2'500'000'000);
  EXPECT_EQ(usd_to_nano(0.1), 100'000'000);  // not 99'999'999 from binary floating point
  EXPECT_EQ(usd_to_nano(0), 0);
  EXPECT_FALSE(usd_to_nano(-0.01));
  EXPECT_FALSE(usd_to_nano(1e300));
  EXPECT_FALSE(usd_to_nano(std::nan("")));
}

TEST(Money, TokenCostRoundsUpToTheNano) {
  // $2.50 per 1M tokens is 2500 nano-USD per token.
  EXPECT_EQ(token_cost(1, 2'500'000'000), 2500);
  EXPECT_EQ(token_cost(1'000'000, 2'500'000'000), 2'500'000'000);
  // $0.000001 per 1M tokens: one token costs 1e-12 USD, which rounds up to 1 nano.
  EXPECT_EQ(token_cost(1, 1000), 1);
  EXPECT_EQ(token_cost(0, 2'500'000'000), 0);
  EXPECT_EQ(token_cost(-5, 2'500'000'000), 0);
  // A trillion tokens at $1,000 per 1M: the 1e24 intermediate does not overflow.
  EXPECT_EQ(token_cost(1'000'000'000'000, 1'000'000'000'000), 1'000'000'000'000'000'000);
  // A result beyond int64 saturates instead of wrapping negative.
  EXPECT_EQ(token_cost(1'000'000'000'000, 1'000'000'000'000'000),
            std::numeric_limits<NanoUsd>::max());
}

TEST(Money, FormatsUsd) {
  EXPECT_EQ(format_usd(2'500'000'000), "2.500000000");
  EXPECT_EQ(format_usd(1), "0.000000001");
  EXPECT_EQ(format_usd(-1'500'000'000), "-1.500000000");
}

TEST(Pricing, ChargesCachedInputAtItsOwnPrice) {
  ModelConfig m;
  m.input_price_per_mtok = 2'000'000'000;       // $2 / 1M
  m.cached_input_price_per_mtok = 500'000'000;  // $0.50 / 1M
  m.output_price_per_mtok = 8'000'000'000;      // $8 / 1M
  Usage u;
  u.prompt_tokens = 1000;
  u.cached_tokens = 400;
  u.completion_tokens = 100;
  // 600 * 2000 + 400 * 500 + 100 * 8000 nano.
  EXPECT_EQ(price_usage(m, u), 1'200'000 + 200'000 + 800'000);
  u.cached_tokens = 5000;  // more cached than prompt: never negative
  EXPECT_EQ(price_usage(m, u), 500'000 + 800'000);
}

TEST(Money, ParsesUsdExactlyWithoutFloatingPoint) {
  EXPECT_EQ(parse_usd("10"), 10 * kNanoPerUsd);
  EXPECT_EQ(parse_usd("0.1"), 100'000'000);  // exactly, where 0.1 in binary is not
  EXPECT_EQ(parse_usd("2.50"), 2'500'000'000);
  EXPECT_EQ(parse_usd("$3"), 3 * kNanoPerUsd);
  EXPECT_EQ(parse_usd("-1.5"), -1'500'000'000);
  EXPECT_EQ(parse_usd(".5"), 500'000'000);
  EXPECT_EQ(parse_usd("0.000000001"), 1);
  for (const char* bad :
       {"", "-", ".", "1.", "1.2.3", "ten", "1e3", "0.0000000001", "1 000", "99999999999"})
    EXPECT_FALSE(parse_usd(bad)) << bad;
}

}  // namespace
}  // namespace glmgate
