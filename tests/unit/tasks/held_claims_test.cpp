// HeldClaims: a claim renewed lives on; one a renewal did not renew is lost, unless the server took
// it again since the round began; one not renewed for a lease less a fifth is given up on this
// host's clock; a closed task's claim is released.
#include <gtest/gtest.h>

#include "tasks/task_claims.hpp"

namespace glmgate {
namespace {

using Clock = HeldClaims::Clock;
using std::chrono::milliseconds;

std::shared_ptr<LiveTask> task(std::string id) {
  auto t = std::make_shared<LiveTask>();
  t->record.id = std::move(id);
  return t;
}

std::vector<std::string> ids(const std::vector<std::shared_ptr<LiveTask>>& tasks) {
  std::vector<std::string> out;
  for (const auto& t : tasks)
    out.push_back(t->record.id);
  return out;
}

TEST(HeldClaims, ARenewalKeepsWhatItRenewedAndLosesTheRest) {
  HeldClaims claims(milliseconds(1000));
  const auto t0 = Clock::now();
  claims.hold(task("a"), t0);
  claims.hold(task("b"), t0);
  ClaimRenewal renewal{{"a"}, {}};
  auto lost = claims.renewed({"a", "b"}, renewal, t0 + milliseconds(100));
  EXPECT_EQ(ids(lost), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(claims.find("a"));
  EXPECT_FALSE(claims.find("b"));
  // Held again after the round began (a cancel's claim): not lost by that round.
  claims.hold(task("c"), t0 + milliseconds(300));
  EXPECT_TRUE(claims.renewed({"a", "c"}, renewal, t0 + milliseconds(200)).empty());
  EXPECT_EQ(claims.size(), 2u);
}

TEST(HeldClaims, GivesUpAClaimNotRenewedBeforeItsLeaseLessAMargin) {
  HeldClaims claims(milliseconds(1000));
  const auto t0 = Clock::now();
  claims.hold(task("a"), t0);
  claims.hold(task("b"), t0 + milliseconds(500));
  EXPECT_TRUE(claims.expired(t0 + milliseconds(799)).empty());
  EXPECT_EQ(ids(claims.expired(t0 + milliseconds(800))), (std::vector<std::string>{"a"}));
  claims.renewed({"b"}, ClaimRenewal{{"b"}, {}}, t0 + milliseconds(900));
  EXPECT_TRUE(claims.expired(t0 + milliseconds(1600)).empty());
  claims.release("b");
  EXPECT_EQ(claims.size(), 0u);
  EXPECT_TRUE(claims.ids().empty());
}

}  // namespace
}  // namespace glmgate
