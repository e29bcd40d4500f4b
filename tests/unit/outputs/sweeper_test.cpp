// The sweeper's pass over the console's users: sessions past their end or idle too long go, live
// ones stay, and without a UserStore it leaves sessions alone.
#include "outputs/sweeper.hpp"

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "store_fixture.hpp"

namespace glmgate {
namespace {

using SweeperTest = FundedStoreTest;

TEST_F(SweeperTest, EndsIdleAndEndedSessionsWhenGivenTheUsers) {
  const std::int64_t now = unix_ms_now();
  store_->insert_user({"usr_1", "a@example.com", "member", account_, "", false, "cli", now});
  store_->insert_session({"ended", "usr_1", now - 10'000, now - 1'000, now - 1});
  store_->insert_session({"idle", "usr_1", now - 10'000, now - 9'000, now + 100'000});
  store_->insert_session({"live", "usr_1", now - 10'000, now - 100, now + 100'000});
  Sweeper sweeper(*store_, *store_, std::chrono::hours(1));
  sweeper.sweep();
  EXPECT_TRUE(store_->find_session("ended"));  // not asked to
  sweeper.sweep_users(*store_, 5'000);
  EXPECT_EQ(sweeper.sweep(), 2);
  EXPECT_FALSE(store_->find_session("ended"));
  EXPECT_FALSE(store_->find_session("idle"));
  EXPECT_TRUE(store_->find_session("live"));
}

}  // namespace
}  // namespace glmgate
