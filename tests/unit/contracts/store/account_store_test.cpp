// The AccountStore contract (contracts/store/account_store.hpp), for every backend: accounts by ID
// or name with unique names; balance = ledger sum after every append, with running balances, also
// with two writers appending at once; holds recorded per instance, a restart clearing only its
// own; webhook secrets; a task run's charges.
#include <thread>

#include "contracts/store/store_contract.hpp"
#include "core/clock.hpp"

namespace glmgate {
namespace {

using AccountStoreContract = StoreContractTest;
GLMGATE_STORE_CONTRACT(AccountStoreContract);

LedgerEntry entry(const std::string& account_id, std::string_view kind, NanoUsd amount,
                  const std::string& origin = "cli") {
  LedgerEntry e;
  e.account_id = account_id;
  e.kind = std::string(kind);
  e.amount = amount;
  e.note = "why";
  e.origin = origin;
  return e;
}

TEST_P(AccountStoreContract, FindsAccountsByIdOrNameAndKeepsNamesUnique) {
  AccountStore& accounts = *store_;
  std::string acme = new_account("acme");
  new_account("beta");
  EXPECT_EQ(accounts.find_account(acme)->name, "acme");
  EXPECT_EQ(accounts.find_account("acme")->id, acme);
  EXPECT_FALSE(accounts.find_account("nobody"));
  AccountRecord again;
  again.id = "acct_other";
  again.name = "acme";
  EXPECT_THROW(accounts.insert_account(again), StoreConflict);
  again.name = acme;  // a name that is another account's ID
  EXPECT_THROW(accounts.insert_account(again), StoreConflict);
  auto all = accounts.list_accounts();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].balance, 0);
  EXPECT_EQ(all[0].reserved, 0);
}

TEST_P(AccountStoreContract, KeepsTheBalanceEqualToTheLedgerSumWithRunningBalances) {
  AccountStore& accounts = *store_;
  std::string acme = new_account("acme");
  auto grant = accounts.append_ledger(entry(acme, ledger_kind::kGrant, 1000));
  EXPECT_EQ(grant.balance_after, 1000);
  EXPECT_GT(grant.created_at, 0);
  auto adjust = accounts.append_ledger(entry(acme, ledger_kind::kAdjustment, -300));
  EXPECT_EQ(adjust.balance_after, 700);
  EXPECT_GT(adjust.id, grant.id);
  EXPECT_THROW(accounts.append_ledger(entry("acct_nobody", ledger_kind::kGrant, 5)), StoreConflict);
  auto rows = accounts.ledger(acme);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].kind, "grant");
  EXPECT_EQ(rows[1].note, "why");
  EXPECT_EQ(rows[1].origin, "cli");
  EXPECT_EQ(rows[1].balance_after, 700);
  EXPECT_EQ(accounts.find_account(acme)->balance, 700);
  EXPECT_EQ(ledger_sum(acme), 700);
}

TEST_P(AccountStoreContract, PagesGrantsAndAdjustmentsNewestFirstWithoutCharges) {
  AccountStore& accounts = *store_;
  std::string acme = new_account("acme");
  for (int i = 1; i <= 3; ++i)
    accounts.append_ledger(entry(acme, ledger_kind::kGrant, 100 * i));
  UsageRecord u = call_record("req_1", acme, 50);
  WriteBatch batch;
  batch.calls.push_back({u, charge_of(u)});
  store_->commit(batch);
  accounts.append_ledger(entry(acme, ledger_kind::kAdjustment, -5));
  auto page = accounts.ledger_page(acme, 0, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].amount, -5);
  EXPECT_EQ(page[1].amount, 300);
  auto rest = accounts.ledger_page(acme, page[1].id, 10);
  ASSERT_EQ(rest.size(), 2u);  // the charge is the request log's
  EXPECT_EQ(rest[0].amount, 200);
  EXPECT_EQ(rest[1].amount, 100);
  EXPECT_TRUE(accounts.ledger_page(new_account("beta"), 0, 10).empty());
}

TEST_P(AccountStoreContract, TwoWritersAppendingAtOnceKeepTheBalanceEqualToTheLedgerSum) {
  std::string acme = new_account("acme");
  auto other = open_another();
  constexpr int kRows = 200;
  auto append = [&](AccountStore& accounts, NanoUsd amount) {
    for (int i = 0; i < kRows; ++i)
      accounts.append_ledger(entry(acme, ledger_kind::kGrant, amount));
  };
  std::thread a(append, std::ref(static_cast<AccountStore&>(*store_)), 1);
  std::thread b(append, std::ref(static_cast<AccountStore&>(*other)), 1000);
  a.join();
  b.join();
  auto rows = store_->ledger(acme);
  ASSERT_EQ(rows.size(), 2u * kRows);
  NanoUsd running = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    running += rows[i].amount;
    EXPECT_EQ(rows[i].balance_after, running) << "row " << i;
    if (i > 0) EXPECT_GT(rows[i].id, rows[i - 1].id);
  }
  EXPECT_EQ(store_->find_account(acme)->balance, kRows * 1001);
}

TEST_P(AccountStoreContract, KeepsHoldsPerInstanceAndClearsOnlyTheRestartedInstances) {
  std::string acme = new_account("acme", 1000);
  std::string beta = new_account("beta", 1000);
  // Where instances share the store, their holds count under their live leases.
  const bool shared = store_->serves_several();
  if (shared)
    for (const char* instance : {"instance-a", "instance-b"})
      for (const auto& account : {acme, beta})
        store_->grow_lease(account, instance, 1, 1, unix_ms_now(), 600'000);
  WriteBatch first;
  first.reserved = {"instance-a", {{acme, 100}, {beta, 7}}};
  store_->commit(first);
  WriteBatch second;
  second.reserved = {"instance-b", {{acme, 50}}};
  open_another()->commit(second);
  EXPECT_EQ(store_->find_account(acme)->reserved, 150);  // the sum over instances

  WriteBatch update;  // an instance's amounts replace its own: 0 removes one
  update.reserved = {"instance-a", {{acme, 30}, {beta, 0}}};
  store_->commit(update);
  EXPECT_EQ(store_->find_account(acme)->reserved, 80);
  EXPECT_EQ(store_->find_account(beta)->reserved, 0);
  if (shared) {
    // An instance whose lease ran out (killed with a hold open): its hold no longer counts.
    store_->grow_lease(acme, "instance-c", 1, 1, unix_ms_now() - 120'000, 60'000);
    WriteBatch dead;
    dead.reserved = {"instance-c", {{acme, 1000}}};
    store_->commit(dead);
    EXPECT_EQ(store_->find_account(acme)->reserved, 80);
  }

  store_->clear_reserved("instance-a");                 // instance-a restarted
  EXPECT_EQ(store_->find_account(acme)->reserved, 50);  // instance-b's hold is untouched
  store_->clear_reserved("instance-a");
  EXPECT_EQ(store_->find_account(acme)->reserved, 50);
  store_->clear_reserved("instance-b");
  EXPECT_EQ(store_->list_accounts()[0].reserved, 0);
  EXPECT_EQ(store_->find_account(acme)->balance, 1000);  // holds never touch the balance
}

TEST_P(AccountStoreContract, KeepsAnAccountsWebhookSecret) {
  AccountStore& accounts = *store_;
  std::string acme = new_account("acme");
  EXPECT_EQ(accounts.webhook_secret(acme), "");
  accounts.set_webhook_secret(acme, "whsec_one");
  accounts.set_webhook_secret(acme, "whsec_two");
  EXPECT_EQ(accounts.webhook_secret(acme), "whsec_two");
  EXPECT_THROW(accounts.set_webhook_secret("acct_nobody", "whsec_x"), StoreConflict);
}

TEST_P(AccountStoreContract, ListsTheChargesOfATaskRun) {
  std::string acme = new_account("acme", 1000);
  UsageRecord run = call_record("task_run1", acme, 40);
  WriteBatch batch;
  batch.calls.push_back({run, charge_of(run)});
  UsageRecord call = call_record("req_other", acme, 5);
  batch.calls.push_back({call, charge_of(call)});
  store_->commit(batch);
  auto charges = store_->charges_for("task_run1");
  ASSERT_EQ(charges.size(), 1u);
  EXPECT_EQ(charges[0].amount, -40);
  EXPECT_EQ(charges[0].kind, "charge");
  EXPECT_EQ(charges[0].account_id, acme);
  EXPECT_TRUE(store_->charges_for("task_none").empty());
}

}  // namespace
}  // namespace glmgate
