// The in-memory wallet: reservations against available balance, settlement (charge, refund,
// release), free calls, external grants, and threads racing on one account never overspending.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "accounts/account_book.hpp"

namespace glmgate {
namespace {

class AccountBookTest : public ::testing::Test {
 protected:
  AccountBookTest() : book(0, "srv_test") { load(1000); }
  void load(NanoUsd balance, const std::string& id = "acct_a") {
    AccountRecord r;
    r.id = id;
    r.balance = balance;
    book.load(r);
  }
  AccountBook book;
  KeyInfo key{"key_a", "a", "sk", "acct_a", false};
};

TEST_F(AccountBookTest, ReservesAgainstBalanceMinusOpenReservations) {
  auto r1 = book.try_hold(key, "m", 600);
  ASSERT_TRUE(r1);
  auto r2 = book.try_hold(key, "m", 600);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().status, 402);
  EXPECT_EQ(r2.error().code, "insufficient_quota");
  EXPECT_EQ(book.figures("acct_a")->reserved, 600);
  auto r3 = book.try_hold(key, "m", 400);
  ASSERT_TRUE(r3);
}

TEST_F(AccountBookTest, ChargesTheCostAndReleasesTheRest) {
  auto r = book.try_hold(key, "m", 600);
  auto s = book.settle(key, "m", r.value(), 250, "req_1");
  EXPECT_EQ(s.charged, 250);
  auto f = *book.figures("acct_a");
  EXPECT_EQ(f.balance, 750);
  EXPECT_EQ(f.reserved, 0);
  EXPECT_EQ(f.spent, 250);
  ASSERT_TRUE(s.entry);
  EXPECT_EQ(s.entry->amount, -250);
  EXPECT_EQ(s.entry->kind, "charge");
  EXPECT_EQ(s.entry->request_id, "req_1");
  EXPECT_EQ(s.entry->origin, "srv_test");
  EXPECT_EQ(s.entry->account_id, "acct_a");
}

TEST_F(AccountBookTest, RefundsInFullWithoutALedgerRow) {
  auto r = book.try_hold(key, "m", 600);
  auto s = book.settle(key, "m", r.value(), 0, "req_1");
  EXPECT_EQ(book.figures("acct_a")->balance, 1000);
  EXPECT_EQ(book.figures("acct_a")->reserved, 0);
  EXPECT_FALSE(s.entry);
}

TEST_F(AccountBookTest, AppliesGrantsFromOtherProcesses) {
  ASSERT_FALSE(book.try_hold(key, "m", 1500));
  LedgerEntry grant;
  grant.account_id = "acct_a";
  grant.amount = 1000;
  book.apply_external(grant);
  EXPECT_TRUE(book.try_hold(key, "m", 1500));
  // Loading a known account again keeps the in-memory figures.
  load(5);
  EXPECT_EQ(book.figures("acct_a")->balance, 2000);
}

TEST_F(AccountBookTest, RefusesKeysOfUnknownOrNoAccountButNotTheAdminsOwn) {
  KeyInfo stray{"key_s", "s", "sk", "acct_unknown", false};
  EXPECT_EQ(book.try_hold(stray, "m", 1).error().status, 403);
  KeyInfo orphan{"key_o", "o", "sk", "", false};
  EXPECT_EQ(book.try_hold(orphan, "m", 1).error().status, 403);
  KeyInfo admin{"key_ad", "admin", "sk", "", true};
  auto r = book.try_hold(admin, "m", 1'000'000);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r.value().metered);
}

TEST(AccountBookFree, GivesFreeCallsPerModelThenBills) {
  AccountBook book(2, "srv");
  AccountRecord a;
  a.id = "acct_a";
  book.load(a);  // balance 0
  KeyInfo key{"key_a", "a", "sk", "acct_a", false};
  auto r1 = book.try_hold(key, "m1", 100);
  auto r2 = book.try_hold(key, "m1", 100);
  ASSERT_TRUE(r1 && r2);
  EXPECT_FALSE(book.try_hold(key, "m1", 100));  // two pending free calls: none left
  EXPECT_TRUE(book.try_hold(key, "m2", 100));   // per model
  // A failed free call gives its slot back; a successful one uses it up.
  EXPECT_FALSE(book.settle(key, "m1", r1.value(), 0, "r1").free);
  auto s2 = book.settle(key, "m1", r2.value(), 80, "r2");
  EXPECT_TRUE(s2.free);
  EXPECT_FALSE(s2.entry);  // a free call leaves no ledger row
  auto r3 = book.try_hold(key, "m1", 100);
  ASSERT_TRUE(r3);
  EXPECT_TRUE(book.settle(key, "m1", r3.value(), 80, "r3").free);
  EXPECT_FALSE(book.try_hold(key, "m1", 100));
  EXPECT_EQ(book.figures("acct_a")->balance, 0);
}

TEST(AccountBookRace, ParallelThreadsNeverOverspend) {
  AccountBook book(0, "srv");
  AccountRecord a;
  a.id = "acct_a";
  a.balance = 10'000;
  book.load(a);
  KeyInfo key{"key_a", "a", "sk", "acct_a", false};
  std::atomic<int> ok{0};
  std::atomic<NanoUsd> ledger_sum{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto r = book.try_hold(key, "m", 100);
        if (!r) continue;
        auto s = book.settle(key, "m", r.value(), 37, "r");
        if (s.entry) ledger_sum += s.entry->amount;
        ++ok;
      }
    });
  for (auto& t : threads)
    t.join();
  auto f = *book.figures("acct_a");
  EXPECT_EQ(f.reserved, 0);
  EXPECT_EQ(f.balance, 10'000 - 37 * ok.load());
  EXPECT_GE(f.balance, 0);
  EXPECT_LT(f.balance, 100);  // it ran until the balance could not cover another reservation
  EXPECT_EQ(ledger_sum.load(), -37 * ok.load());  // every charge has its ledger row
}

}  // namespace
}  // namespace glmgate
