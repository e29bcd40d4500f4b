// The wallet of instances that share a store: holds inside the lease answer at once, a hold
// beyond it grows the lease, two instances never hold more than the balance, a demand moves
// credit another instance does not use, a dead instance's lease comes back after its ttl, charges
// shrink the lease when committed, and a store that cannot be reached is a 503, never a grant.
#include "accounts/lease_wallet.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "store_fixture.hpp"

namespace glmgate {
namespace {

constexpr NanoUsd kUsd = kNanoPerUsd;

// The LeaseStore of a real store, which a test can take away.
class SeveredLeaseStore final : public LeaseStore {
 public:
  explicit SeveredLeaseStore(LeaseStore& inner) : inner_(inner) {}
  bool down = false;

  LeaseGrant grow_lease(const std::string& a, const std::string& i, NanoUsd need, NanoUsd want,
                        std::int64_t now, std::int64_t ttl) override {
    check();
    return inner_.grow_lease(a, i, need, want, now, ttl);
  }
  void shrink_lease(const std::string& a, const std::string& i, NanoUsd amount) override {
    check();
    inner_.shrink_lease(a, i, amount);
  }
  LeaseRenewal renew_leases(const std::string& i, std::int64_t now, std::int64_t ttl) override {
    check();
    return inner_.renew_leases(i, now, ttl);
  }
  void demand_credit(const std::string& a, const std::string& i, std::int64_t now) override {
    check();
    inner_.demand_credit(a, i, now);
  }
  void drop_leases(const std::string& i) override {
    check();
    inner_.drop_leases(i);
  }
  std::vector<Lease> leases(const std::string& a) override { return inner_.leases(a); }

 private:
  void check() const {
    if (down) throw StoreUnavailable("connection refused");
  }
  LeaseStore& inner_;
};

// use_future needs a result it can default-construct; a Decision is not one.
boost::asio::awaitable<std::optional<HoldDecision>> await_hold(LeaseWallet& wallet, KeyInfo key,
                                                               NanoUsd amount) {
  co_return co_await wallet.hold(key, "m", amount);
}

// One server instance: its book, its wallet, its own connection to the shared store.
struct Instance {
  Instance(const std::string& url, const std::string& name, const std::string& account,
           std::atomic<std::int64_t>& clock, LeaseOptions options, std::int64_t free_calls = 0)
      : store(open_store(url)),
        severable(*store),
        book(free_calls, name, BookFunds::leases),
        wallet(book, severable, pool, name, options, [&clock] { return clock.load(); }) {
    AccountRecord r = *store->find_account(account);
    book.load(r);
  }
  // hold() run to its end on an io_context of the test's own.
  HoldDecision hold(const KeyInfo& key, NanoUsd amount) {
    HoldDecision d = wallet.try_hold(key, "m", amount);
    if (!d.is_pending()) return d;
    boost::asio::io_context io;
    auto f = boost::asio::co_spawn(io, await_hold(wallet, key, amount), boost::asio::use_future);
    io.run();
    return *f.get();
  }

  std::unique_ptr<Store> store;
  SeveredLeaseStore severable;
  BlockingPool pool{1};
  AccountBook book;
  LeaseWallet wallet;
};

// The count of free calls all instances share (Redis in a server), in memory; it can be cut off.
class MemoryFreeCalls final : public FreeCallCounter {
 public:
  bool down = false;
  std::int64_t count = 0;
  int asked = 0;

  boost::asio::awaitable<std::optional<bool>> take(const std::string&, const std::string&,
                                                   std::int64_t limit, std::int64_t used) override {
    ++asked;
    if (down) co_return std::nullopt;
    count = std::max(count, used);
    if (count >= limit) co_return false;
    ++count;
    co_return true;
  }
  void give_back(const std::string&, const std::string&) override { --count; }
};

class LeaseWalletTest : public FundedStoreTest {
 protected:
  void SetUp() override {
    FundedStoreTest::SetUp();
    url_ = "sqlite:" + (dir_ / "g.db").string();
    key_.account_id = account_;
    options_.slice = 2 * kUsd;
    options_.demand_wait = std::chrono::milliseconds(300);
    options_.demand_retry = std::chrono::milliseconds(20);
  }
  std::unique_ptr<Instance> instance(const std::string& name) {
    return std::make_unique<Instance>(url_, name, account_, clock_, options_);
  }
  NanoUsd leased(const std::string& name) {
    for (const auto& l : store_->leases(account_))
      if (l.instance == name && l.expires_at > clock_.load()) return l.amount;
    return 0;
  }

  std::string url_;
  KeyInfo key_{"key_a", "a", "sk", "", false};
  LeaseOptions options_;
  std::atomic<std::int64_t> clock_{1'800'000'000'000};
};

TEST_F(LeaseWalletTest, AHoldBeyondTheLeaseGrowsItAndHoldsInsideItAnswerAtOnce) {
  auto a = instance("srv_a");
  EXPECT_TRUE(a->wallet.try_hold(key_, "m", kUsd).is_pending());  // no lease yet
  HoldDecision first = a->hold(key_, kUsd);
  ASSERT_TRUE(first);
  EXPECT_EQ(leased("srv_a"), 3 * kUsd);  // what it needed and a slice
  HoldDecision second = a->wallet.try_hold(key_, "m", 2 * kUsd);
  ASSERT_TRUE(second);  // inside the lease: no store call, no wait
  EXPECT_EQ(leased("srv_a"), 3 * kUsd);
  EXPECT_TRUE(a->wallet.try_hold(key_, "m", kUsd).is_pending());  // the lease is all held
}

TEST_F(LeaseWalletTest, TwoInstancesNeverHoldMoreThanTheBalance) {
  auto a = instance("srv_a");
  auto b = instance("srv_b");
  NanoUsd granted = 0;
  int refused = 0;
  for (int i = 0; i < 14; ++i) {
    HoldDecision d = (i % 2 ? b : a)->hold(key_, kUsd);
    if (d)
      granted += d.value().amount;
    else {
      EXPECT_EQ(d.error().status, 402);
      ++refused;
    }
  }
  EXPECT_EQ(granted, kFunds);  // every dollar held once: 10 of 14 asked
  EXPECT_EQ(refused, 4);
  EXPECT_EQ(leased("srv_a") + leased("srv_b"), kFunds);
}

TEST_F(LeaseWalletTest, A402SaysWhatTheAccountCanStillHoldNotThisInstancesLease) {
  auto a = instance("srv_a");
  ASSERT_TRUE(a->hold(key_, 2 * kUsd));  // leases 2 and a slice of 2: 6 left to lease
  auto b = instance("srv_b");
  // b has no lease, 8 cannot be leased, and a (which does not tick here) keeps its spare.
  HoldDecision d = b->hold(key_, 8 * kUsd);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().status, 402);
  EXPECT_NE(d.error().message.find("it needs up to $8.000000000"), std::string::npos)
      << d.error().message;
  EXPECT_NE(d.error().message.find("and $6.000000000 is available"), std::string::npos)
      << d.error().message;
}

TEST_F(LeaseWalletTest, ADemandMovesCreditTheOtherInstanceDoesNotHold) {
  auto a = instance("srv_a");
  auto b = instance("srv_b");
  ASSERT_TRUE(a->hold(key_, 8 * kUsd));  // leases all 10: 8 held, 2 spare
  // b needs 2: the store has nothing free, so b asks; a gives its spare back at its next round.
  options_.demand_wait = std::chrono::milliseconds(3000);
  auto b_patient = instance("srv_b2");
  std::thread other([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    a->wallet.tick();
  });
  HoldDecision d = b_patient->hold(key_, 2 * kUsd);
  other.join();
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(leased("srv_a"), 8 * kUsd);
  EXPECT_EQ(leased("srv_b2"), 2 * kUsd);
  // Nothing left anywhere: the next hold is a 402 that says so.
  HoldDecision none = b->hold(key_, kUsd);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "insufficient_quota");
}

TEST_F(LeaseWalletTest, ADeadInstancesLeaseComesBackAfterItsTtl) {
  {
    auto a = instance("srv_a");
    ASSERT_TRUE(a->hold(key_, 9 * kUsd));
  }  // killed: never gave its lease back
  auto b = instance("srv_b");
  EXPECT_FALSE(b->hold(key_, 5 * kUsd));
  for (std::int64_t waited = 0; waited <= options_.ttl_ms; waited += 1'000) {
    clock_ += 1'000;
    b->wallet.tick();  // b's own leases stay alive meanwhile
  }
  HoldDecision d = b->hold(key_, 5 * kUsd);
  ASSERT_TRUE(d);
  EXPECT_EQ(leased("srv_a"), 0);
}

TEST_F(LeaseWalletTest, ChargesCarryTheInstanceAndShrinkItsLeaseWhenCommitted) {
  auto a = instance("srv_a");
  HoldDecision d = a->hold(key_, kUsd);
  ASSERT_TRUE(d);
  Settlement s = a->wallet.settle(key_, "m", d.value(), kUsd / 4, "req_1");
  ASSERT_TRUE(s.entry);
  EXPECT_EQ(s.entry->origin, "srv_a");
  WriteBatch batch;
  batch.charges.push_back(*s.entry);
  store_->commit(batch);
  EXPECT_EQ(leased("srv_a"), 3 * kUsd - kUsd / 4);
  EXPECT_EQ(a->book.available(account_), 3 * kUsd - kUsd / 4);  // the same in memory
  EXPECT_EQ(store_->find_account(account_)->balance, kFunds - kUsd / 4);
}

TEST_F(LeaseWalletTest, IdleAndClosedInstancesGiveTheirLeaseBack) {
  auto a = instance("srv_a");
  ASSERT_TRUE(a->hold(key_, kUsd));
  EXPECT_EQ(leased("srv_a"), 3 * kUsd);
  ASSERT_TRUE(a->wallet.tick());  // the round after the hold dates it (a server ticks every second)
  for (std::int64_t idle = 0; idle < options_.idle_return_ms; idle += 10'000) {
    EXPECT_EQ(leased("srv_a"), 3 * kUsd);
    clock_ += 10'000;
    ASSERT_TRUE(a->wallet.tick());
  }
  EXPECT_EQ(leased("srv_a"), kUsd);  // what it still holds
  a->wallet.close();
  EXPECT_TRUE(store_->leases(account_).empty());
}

TEST_F(LeaseWalletTest, AStoreThatCannotBeReachedIsA503AndLeasesLapseSafely) {
  auto a = instance("srv_a");
  ASSERT_TRUE(a->hold(key_, kUsd));
  a->severable.down = true;
  // Inside the lease, holds go on while the store is away...
  EXPECT_TRUE(a->wallet.try_hold(key_, "m", kUsd));
  // ...beyond it, a grow cannot be asked: 503, nothing held.
  HoldDecision beyond = a->hold(key_, 5 * kUsd);
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error().status, 503);
  // Unrenewed past its local expiry, the lease is no longer spent.
  clock_ += options_.ttl_ms;
  EXPECT_FALSE(a->wallet.tick());
  HoldDecision after = a->hold(key_, kUsd / 10);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().status, 503);
  // Back: the lost lease is dropped, and holds grow a new one.
  a->severable.down = false;
  ASSERT_TRUE(a->wallet.tick());
  ASSERT_TRUE(a->hold(key_, kUsd));
  EXPECT_EQ(leased("srv_a"), 3 * kUsd);
}

TEST_F(LeaseWalletTest, FreeCallsAreCountedOnceForEveryInstanceAndGivenBackWhenUnused) {
  MemoryFreeCalls shared;
  auto a = std::make_unique<Instance>(url_, "srv_a", account_, clock_, options_, 2);
  auto b = std::make_unique<Instance>(url_, "srv_b", account_, clock_, options_, 2);
  a->wallet.share_free_calls(shared);
  b->wallet.share_free_calls(shared);
  HoldDecision first = a->hold(key_, kUsd);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first.value().free && first.value().shared);
  HoldDecision second = b->hold(key_, kUsd);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second.value().free);
  // Two given by the gateway: a's third is paid, though a gave only one.
  HoldDecision third = a->hold(key_, kUsd);
  ASSERT_TRUE(third);
  EXPECT_FALSE(third.value().free);
  EXPECT_EQ(third.value().amount, kUsd);
  EXPECT_EQ(shared.asked, 3);
  // ...and a asks no more once the count said none is left.
  ASSERT_TRUE(a->hold(key_, kUsd));
  EXPECT_EQ(shared.asked, 3);
  // A free call that failed (charged nothing) is free again, for any instance.
  b->wallet.release(key_, "m", second.value());
  EXPECT_EQ(shared.count, 1);
  HoldDecision again = b->hold(key_, kUsd);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again.value().free);
  // With the count out of reach, the book counts alone.
  shared.down = true;
  auto c = std::make_unique<Instance>(url_, "srv_c", account_, clock_, options_, 2);
  c->wallet.share_free_calls(shared);
  HoldDecision local = c->hold(key_, kUsd);
  ASSERT_TRUE(local);
  EXPECT_TRUE(local.value().free);
  EXPECT_FALSE(local.value().shared);
}

}  // namespace
}  // namespace glmgate
