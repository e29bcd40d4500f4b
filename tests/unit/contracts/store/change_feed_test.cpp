// The ChangeFeed contract (contracts/store/change_feed.hpp), for every backend: a first read
// reports every key, account and setting and no ledger row; later reads report other writers'
// changes once, in order, without the reader's own ledger rows or anyone's charges; and with
// writers that interleave on several connections, no change is ever skipped or reported twice: a
// reader that applies the ledger rows it is told about ends at the stored balance.
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

using ChangeFeedContract = StoreContractTest;
GLMGATE_STORE_CONTRACT(ChangeFeedContract);

LedgerEntry grant(const std::string& account_id, NanoUsd amount, const std::string& origin) {
  LedgerEntry e;
  e.account_id = account_id;
  e.kind = std::string(ledger_kind::kGrant);
  e.amount = amount;
  e.origin = origin;
  return e;
}

bool nothing(const Changes& c) {
  return c.accounts.empty() && c.keys.empty() && c.ledger.empty() && c.settings.empty();
}

TEST_P(ChangeFeedContract, FirstReportsEveryKeyAccountAndSettingButNoLedgerRow) {
  ChangeFeed& feed = *store_;
  std::string acme = new_account("acme", 500);
  store_->insert_key(key_record("key_1", acme));
  store_->set_setting(setting_name::kPaused, "1");
  Changes first = feed.changes_since({}, "srv_me");
  ASSERT_EQ(first.accounts.size(), 1u);
  EXPECT_EQ(first.accounts[0].balance, 500);  // the grant is in the balance...
  EXPECT_TRUE(first.ledger.empty());          // ...so it is not listed
  ASSERT_EQ(first.keys.size(), 1u);
  ASSERT_TRUE(first.setting(setting_name::kPaused));
  EXPECT_EQ(*first.setting(setting_name::kPaused), "1");
  EXPECT_TRUE(nothing(feed.changes_since(first.cursor, "srv_me")));
}

TEST_P(ChangeFeedContract, ReportsOtherWritersChangesOnceInTheirOrder) {
  ChangeFeed& feed = *store_;
  std::string acme = new_account("acme", 500);
  store_->insert_key(key_record("key_1", acme));
  Changes first = feed.changes_since({}, "srv_me");

  auto cli = open_another();
  cli->append_ledger(grant(acme, 100, "cli"));
  store_->append_ledger(grant(acme, 7, "srv_me"));  // the reader's own: applied already
  UsageRecord call = call_record("req_1", acme, 30);
  WriteBatch charges;  // another instance's charge: its wallet's business
  charges.calls.push_back({call, charge_of(call, "srv_other")});
  cli->commit(charges);
  cli->revoke_key("key_1");
  AccountRecord beta;
  beta.id = "acct_beta";
  beta.name = "beta";
  cli->insert_account(beta);
  cli->insert_key(key_record("key_2", beta.id));
  cli->set_setting(setting_name::kPaused, "1");

  Changes second = feed.changes_since(first.cursor, "srv_me");
  ASSERT_EQ(second.ledger.size(), 1u);
  EXPECT_EQ(second.ledger[0].amount, 100);
  EXPECT_EQ(second.ledger[0].origin, "cli");
  EXPECT_EQ(second.ledger[0].balance_after, 600);
  ASSERT_EQ(second.keys.size(), 2u);
  EXPECT_EQ(second.keys[0].id, "key_1");
  EXPECT_TRUE(second.keys[0].revoked);
  EXPECT_EQ(second.keys[1].id, "key_2");
  ASSERT_EQ(second.accounts.size(), 1u);
  EXPECT_EQ(second.accounts[0].id, "acct_beta");
  ASSERT_TRUE(second.setting(setting_name::kPaused));
  EXPECT_EQ(*second.setting(setting_name::kPaused), "1");
  EXPECT_TRUE(nothing(feed.changes_since(second.cursor, "srv_me")));
  // A cursor is a reader's own: another reader from the first cursor hears the same changes.
  EXPECT_EQ(open_another()->changes_since(first.cursor, "srv_me").ledger.size(), 1u);
}

// Two writers on connections of their own append grants, insert keys and set a setting as fast as
// they can while a reader follows the feed. Whatever order their transactions begin and commit in,
// the reader hears every change exactly once.
TEST_P(ChangeFeedContract, NeverSkipsNorRepeatsAChangeOfWritersThatInterleave) {
  std::string acme = new_account("acme", 0);
  Changes start = store_->changes_since({}, "reader");
  NanoUsd mirror = start.accounts.at(0).balance;  // the reader's copy of the balance

  constexpr int kRows = 150;
  std::atomic<int> writing{2};
  std::vector<std::int64_t> written_ids[2];
  auto writer = [&](int w) {
    auto store = open_another();
    for (int i = 0; i < kRows; ++i) {
      written_ids[w].push_back(store->append_ledger(grant(acme, w ? 1000 : 1, "w")).id);
      if (i % 10 == 0)
        store->insert_key(key_record("key_" + std::to_string(w) + "_" + std::to_string(i), acme));
      if (w == 1) store->set_setting("counter", std::to_string(i));
    }
    --writing;
  };
  std::map<std::int64_t, int> heard;  // ledger row id -> times reported
  std::set<std::string> keys;
  std::string counter;
  ChangeCursor cursor = start.cursor;
  auto read = [&] {
    Changes c = store_->changes_since(cursor, "reader");
    for (const auto& e : c.ledger) {
      ++heard[e.id];
      mirror += e.amount;
    }
    for (const auto& k : c.keys)
      keys.insert(k.id);
    if (const std::string* v = c.setting("counter")) counter = *v;
    cursor = c.cursor;
  };
  std::thread a(writer, 0), b(writer, 1);
  while (writing.load() > 0)
    read();
  a.join();
  b.join();
  read();

  std::size_t written = 0;
  for (const auto& ids : written_ids)
    for (std::int64_t id : ids) {
      EXPECT_EQ(heard[id], 1) << "ledger row " << id;
      ++written;
    }
  EXPECT_EQ(heard.size(), written);
  EXPECT_EQ(mirror, store_->find_account(acme)->balance);
  EXPECT_EQ(mirror, kRows * 1001);
  EXPECT_EQ(keys.size(), 2u * (kRows / 10));
  EXPECT_EQ(counter, std::to_string(kRows - 1));
}

}  // namespace
}  // namespace glmgate
