// The LeaseStore contract (contracts/store/lease_store.hpp), for every backend: leases grow only
// into free credit, all or nothing below `need`; a charge an instance commits shrinks its lease;
// an expired lease frees its credit and is not revived; demands reach the other instances; and
// instances growing at once on several connections never lease more than the balance.
#include <atomic>
#include <thread>
#include <tuple>

#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

using LeaseStoreContract = StoreContractTest;
GLMGATE_STORE_CONTRACT(LeaseStoreContract);

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kTtl = 30'000;

NanoUsd lease_of(LeaseStore& store, const std::string& account, const std::string& instance,
                 std::int64_t now = kNow) {
  for (const auto& l : store.leases(account))
    if (l.instance == instance && l.expires_at > now) return l.amount;
  return 0;
}

TEST_P(LeaseStoreContract, GrowsIntoFreeCreditOnlyAndAllOrNothingBelowNeed) {
  std::string acme = new_account("acme", 100);
  LeaseGrant a = store_->grow_lease(acme, "srv_a", 10, 60, kNow, kTtl);
  EXPECT_EQ(a.added, 60);
  EXPECT_EQ(a.available, 40);
  LeaseGrant refused = store_->grow_lease(acme, "srv_b", 50, 80, kNow, kTtl);
  EXPECT_EQ(refused.added, 0);  // 40 free: less than it needs, so nothing
  EXPECT_EQ(refused.available, 40);
  EXPECT_EQ(lease_of(*store_, acme, "srv_b"), 0);
  LeaseGrant b = store_->grow_lease(acme, "srv_b", 30, 80, kNow, kTtl);
  EXPECT_EQ(b.added, 40);  // as much of `want` as is free
  EXPECT_EQ(b.available, 0);
  LeaseGrant more = store_->grow_lease(acme, "srv_a", 0, 10, kNow, kTtl);
  EXPECT_EQ(more.added, 0);
  EXPECT_EQ(lease_of(*store_, acme, "srv_a"), 60);
  EXPECT_EQ(lease_of(*store_, acme, "srv_b"), 40);
}

TEST_P(LeaseStoreContract, UnknownAccountIsAConflict) {
  EXPECT_THROW(store_->grow_lease("acct_nobody", "srv_a", 1, 1, kNow, kTtl), StoreConflict);
}

TEST_P(LeaseStoreContract, ChargesShrinkTheLeaseOfTheInstanceThatMadeThem) {
  std::string acme = new_account("acme", 100);
  store_->grow_lease(acme, "srv_a", 60, 60, kNow, kTtl);
  store_->grow_lease(acme, "srv_b", 40, 40, kNow, kTtl);
  UsageRecord call = call_record("req_1", acme, 25);
  WriteBatch batch;
  batch.calls.push_back({call, charge_of(call, "srv_a")});
  LedgerEntry other = charge_of(call_record("req_2", acme, 10), "srv_b");
  batch.charges.push_back(other);
  store_->commit(batch);
  EXPECT_EQ(store_->find_account(acme)->balance, 65);
  EXPECT_EQ(lease_of(*store_, acme, "srv_a"), 35);
  EXPECT_EQ(lease_of(*store_, acme, "srv_b"), 30);
  // The leases still cover the balance exactly: nothing is free.
  EXPECT_EQ(store_->grow_lease(acme, "srv_c", 1, 1, kNow, kTtl).added, 0);
  // A charge above the lease leaves it at 0, never below.
  UsageRecord big = call_record("req_3", acme, 50);
  WriteBatch over;
  over.calls.push_back({big, charge_of(big, "srv_b")});
  store_->commit(over);
  EXPECT_EQ(lease_of(*store_, acme, "srv_b"), 0);
  EXPECT_EQ(ledger_sum(acme), store_->find_account(acme)->balance);
}

// A batch of calls alone (each with its own charge; PostgreSQL's leaner statement): each
// instance's lease shrinks by its own charges.
TEST_P(LeaseStoreContract, ABatchOfCallsShrinksEachInstancesLeaseByItsOwn) {
  std::string acme = new_account("acme", 100);
  store_->grow_lease(acme, "srv_a", 60, 60, kNow, kTtl);
  store_->grow_lease(acme, "srv_b", 40, 40, kNow, kTtl);
  WriteBatch batch;
  for (auto [id, cost, origin] : {std::tuple{"req_1", 10, "srv_a"},
                                  {"req_2", 5, "srv_b"},
                                  {"req_3", 20, "srv_a"},
                                  {"req_4", 45, "srv_b"}}) {
    UsageRecord call = call_record(id, acme, cost);
    batch.calls.push_back({call, charge_of(call, origin)});
  }
  store_->commit(batch);
  EXPECT_EQ(store_->find_account(acme)->balance, 20);
  EXPECT_EQ(lease_of(*store_, acme, "srv_a"), 30);
  EXPECT_EQ(lease_of(*store_, acme, "srv_b"), 0);  // 40 - 50, never below 0
  EXPECT_EQ(ledger_sum(acme), 20);
}

TEST_P(LeaseStoreContract, ShrinkGivesCreditBack) {
  std::string acme = new_account("acme", 100);
  store_->grow_lease(acme, "srv_a", 100, 100, kNow, kTtl);
  store_->shrink_lease(acme, "srv_a", 70);
  EXPECT_EQ(lease_of(*store_, acme, "srv_a"), 30);
  EXPECT_EQ(store_->grow_lease(acme, "srv_b", 70, 100, kNow, kTtl).added, 70);
  store_->shrink_lease(acme, "srv_a", 500);
  EXPECT_EQ(lease_of(*store_, acme, "srv_a"), 0);
}

TEST_P(LeaseStoreContract, AnExpiredLeaseFreesItsCreditAndIsNotRevived) {
  std::string acme = new_account("acme", 100);
  store_->grow_lease(acme, "srv_dead", 100, 100, kNow, kTtl);
  EXPECT_EQ(store_->grow_lease(acme, "srv_b", 1, 100, kNow + kTtl - 1, kTtl).added, 0);
  // The instance died: nobody renews its lease, and at its expiry the credit is free.
  const std::int64_t later = kNow + kTtl + 1;
  EXPECT_EQ(store_->grow_lease(acme, "srv_b", 1, 100, later, kTtl).added, 100);
  LeaseRenewal dead = store_->renew_leases("srv_dead", later, kTtl);
  EXPECT_TRUE(dead.live.empty());
  EXPECT_EQ(lease_of(*store_, acme, "srv_dead", later), 0);
  // Growing a dead lease starts from 0: it does not count what it held before it expired.
  store_->shrink_lease(acme, "srv_b", 40);
  EXPECT_EQ(store_->grow_lease(acme, "srv_dead", 0, 40, later, kTtl).added, 40);
  EXPECT_EQ(lease_of(*store_, acme, "srv_dead", later), 40);
}

TEST_P(LeaseStoreContract, RenewingKeepsLiveLeasesAlive) {
  std::string acme = new_account("acme", 100);
  std::string beta = new_account("beta", 100);
  store_->grow_lease(acme, "srv_a", 50, 50, kNow, kTtl);
  store_->grow_lease(beta, "srv_a", 50, 50, kNow, kTtl);
  LeaseRenewal r = store_->renew_leases("srv_a", kNow + kTtl / 2, kTtl);
  EXPECT_EQ(r.live, (std::vector<std::string>{acme, beta}));
  const std::int64_t after_first_expiry = kNow + kTtl + 1;
  EXPECT_EQ(lease_of(*store_, acme, "srv_a", after_first_expiry), 50);
  EXPECT_EQ(store_->grow_lease(acme, "srv_b", 51, 51, after_first_expiry, kTtl).added, 0);
}

TEST_P(LeaseStoreContract, DemandsReachTheOtherInstancesUntilMet) {
  std::string acme = new_account("acme", 100);
  store_->grow_lease(acme, "srv_a", 100, 100, kNow, kTtl);
  EXPECT_EQ(store_->grow_lease(acme, "srv_b", 30, 30, kNow, kTtl).added, 0);
  store_->demand_credit(acme, "srv_b", kNow);
  EXPECT_EQ(store_->renew_leases("srv_a", kNow + 1, kTtl).demanded, std::vector<std::string>{acme});
  EXPECT_TRUE(store_->renew_leases("srv_b", kNow + 1, kTtl).demanded.empty());  // its own
  store_->shrink_lease(acme, "srv_a", 50);
  EXPECT_EQ(store_->grow_lease(acme, "srv_b", 30, 30, kNow + 2, kTtl).added, 30);
  EXPECT_TRUE(store_->renew_leases("srv_a", kNow + 3, kTtl).demanded.empty());  // met
  // A demand nobody meets lapses after the ttl.
  store_->demand_credit(acme, "srv_c", kNow + 4);
  EXPECT_EQ(store_->renew_leases("srv_a", kNow + 5, kTtl).demanded.size(), 1u);
  EXPECT_TRUE(store_->renew_leases("srv_a", kNow + 5 + kTtl, kTtl).demanded.empty());
}

TEST_P(LeaseStoreContract, DroppingGivesEveryLeaseAndDemandBack) {
  std::string acme = new_account("acme", 100);
  store_->grow_lease(acme, "srv_a", 100, 100, kNow, kTtl);
  store_->demand_credit(acme, "srv_a", kNow);
  store_->drop_leases("srv_a");
  EXPECT_TRUE(store_->leases(acme).empty());
  EXPECT_TRUE(store_->renew_leases("srv_b", kNow, kTtl).demanded.empty());
  EXPECT_EQ(store_->grow_lease(acme, "srv_b", 100, 100, kNow, kTtl).added, 100);
}

// Instances on their own connections grow, shrink and charge at once: the live leases never add
// up to more than the balance, and every unit of credit is leased once.
TEST_P(LeaseStoreContract, ConcurrentInstancesNeverLeaseMoreThanTheBalance) {
  constexpr NanoUsd kFunds = 10'000;
  std::string acme = new_account("acme", kFunds);
  constexpr int kInstances = 4;
  std::atomic<NanoUsd> leased{0};
  std::atomic<NanoUsd> charged{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      auto store = open_another();
      const std::string me = "srv_" + std::to_string(i);
      NanoUsd mine = 0;
      for (int round = 0; round < 40; ++round) {
        NanoUsd got = store->grow_lease(acme, me, 50, 150, kNow, kTtl).added;
        mine += got;
        leased += got;
        if (mine >= 30 && round % 3 == 0) {  // spend some of it
          UsageRecord call = call_record(me + "_" + std::to_string(round), acme, 30);
          WriteBatch batch;
          batch.calls.push_back({call, charge_of(call, me)});
          store->commit(batch);
          mine -= 30;
          charged += 30;
        }
        if (mine >= 20 && round % 5 == 0) {  // and give some back
          store->shrink_lease(acme, me, 20);
          mine -= 20;
          leased -= 20;
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  const NanoUsd balance = store_->find_account(acme)->balance;
  EXPECT_EQ(balance, kFunds - charged.load());
  EXPECT_EQ(ledger_sum(acme), balance);
  NanoUsd live = 0;
  for (const auto& l : store_->leases(acme))
    live += l.amount;
  EXPECT_EQ(live, leased.load() - charged.load());  // each grant, shrink and charge counted once
  EXPECT_LE(live, balance);
  EXPECT_EQ(store_->grow_lease(acme, "srv_last", 0, kFunds, kNow, kTtl).added, balance - live);
}

}  // namespace
}  // namespace glmgate
