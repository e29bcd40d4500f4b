// Report arguments shared by the CLI and the admin API: --since and --group-by.
#include <gtest/gtest.h>

#include "accounts/views.hpp"

namespace glmgate {
namespace {

TEST(Views, ParsesSinceAsDateTimeUnixOrAge) {
  const std::int64_t now = 1'800'000'000'000;
  EXPECT_EQ(views::parse_since("2026-11-21", now), 1'795'219'200'000);
  EXPECT_EQ(views::parse_since("2026-11-21T10:00:00Z", now), 1'795'255'200'000);
  EXPECT_EQ(views::parse_since("2026-11-21T10:00", now), 1'795'255'200'000);
  EXPECT_EQ(views::parse_since("1700000000", now), 1'700'000'000'000);
  EXPECT_EQ(views::parse_since("24h", now), now - 86'400'000);
  EXPECT_EQ(views::parse_since("90m", now), now - 5'400'000);
  EXPECT_EQ(views::parse_since("7d", now), now - 7 * 86'400'000LL);
  for (const char* bad :
       {"", "yesterday", "2026-13-01", "2026-11-21T25:00", "h", "-3d", "2026-1-1"})
    EXPECT_FALSE(views::parse_since(bad, now)) << bad;
}

TEST(Views, ParsesGroupBy) {
  UsageQuery q;
  EXPECT_TRUE(views::parse_group_by("model,day", q));
  EXPECT_TRUE(q.by_model && q.by_day);
  EXPECT_TRUE(views::parse_group_by("day", q));
  EXPECT_TRUE(q.by_day && !q.by_model);
  EXPECT_FALSE(views::parse_group_by("week", q));
  EXPECT_FALSE(views::parse_group_by("", q));
}

TEST(Views, GivesMoneyAsExactDecimalAndNano) {
  LedgerEntry e;
  e.amount = -1'234'567;
  e.balance_after = 10 * kNanoPerUsd;
  auto o = views::ledger_entry(e);
  EXPECT_EQ(o.at("amount_usd").as_string(), "-0.001234567");
  EXPECT_EQ(o.at("amount_nano_usd").as_int64(), -1'234'567);
  EXPECT_EQ(o.at("balance_after_usd").as_string(), "10.000000000");
}

}  // namespace
}  // namespace glmgate
