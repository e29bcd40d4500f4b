// The SQLite store: keys, accounts and the ledger round-trip; balance and ledger change together;
// the sync reads what another connection (the CLI, another process) changed, without the rows of
// its own origin and without counting a new account's rows twice.
#include <gtest/gtest.h>

#include <filesystem>
#include <tuple>
#include <utility>

#include "accounts/account_service.hpp"
#include "accounts/key_service.hpp"
#include "backends/sqlite/sqlite_db.hpp"
#include "backends/store_factory.hpp"
#include "core/clock.hpp"
#include "store_fixture.hpp"

namespace glmgate {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_test_dir("store");
    spec_ = "sqlite:" + (dir_ / "sub" / "g.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string spec_;
};

KeyOptions admin_key(std::string name) {
  KeyOptions o;
  o.name = std::move(name);
  o.admin = true;
  return o;
}

bool paused(const Changes& changes) {
  const std::string* value = changes.setting("paused");
  return value && *value == "1";
}

NanoUsd ledger_sum(Store& store, const std::string& account) {
  NanoUsd sum = 0;
  for (const auto& e : store.ledger(account))
    sum += e.amount;
  return sum;
}

TEST_F(SqliteStoreTest, CreatesItsDirectoryAndSchemaAndKeepsKeys) {
  auto store = open_store(spec_);
  KeyService keys(*store, *store);
  auto k = keys.create(admin_key("one"));
  auto list = keys.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, k.record.id);
  EXPECT_EQ(list[0].hash, k.record.hash);
  EXPECT_EQ(list[0].prefix, k.record.prefix);
  EXPECT_FALSE(list[0].revoked);
  // Reopening migrates nothing twice.
  store.reset();
  auto again = open_store(spec_);
  EXPECT_EQ(again->count_keys(), 1);
}

TEST_F(SqliteStoreTest, BootstrapsAnAdminKeyOnlyWhenEmpty) {
  auto store = open_store(spec_);
  KeyService keys(*store, *store);
  auto admin = keys.bootstrap_admin();
  ASSERT_TRUE(admin);
  EXPECT_TRUE(admin->record.admin);
  EXPECT_TRUE(admin->record.account_id.empty());
  EXPECT_FALSE(keys.bootstrap_admin());
}

TEST_F(SqliteStoreTest, AUserKeyNeedsAnExistingAccount) {
  auto store = open_store(spec_);
  KeyService keys(*store, *store);
  AccountService accounts(*store, *store, *store, "test");
  KeyOptions o;
  o.name = "k";
  EXPECT_THROW(keys.create(o), ServiceError);
  o.account = "nobody";
  EXPECT_THROW(keys.create(o), ServiceError);
  auto a = accounts.create_account("acme");
  o.account = "acme";
  o.rpm = 120;
  auto k = keys.create(o);
  EXPECT_EQ(k.record.account_id, a.id);
  auto listed = keys.list(std::string("acme"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].rpm, 120);
}

TEST_F(SqliteStoreTest, AccountNamesAreUniqueAndFoundByIdOrName) {
  auto store = open_store(spec_);
  AccountService accounts(*store, *store, *store, "test");
  auto a = accounts.create_account("acme");
  EXPECT_THROW(accounts.create_account("acme"), ServiceError);
  EXPECT_THROW(accounts.create_account("bad name"), ServiceError);
  EXPECT_EQ(accounts.account(a.id).name, "acme");
  EXPECT_EQ(accounts.account("acme").id, a.id);
  EXPECT_THROW(accounts.account("nope"), ServiceError);
}

TEST_F(SqliteStoreTest, BalanceAlwaysEqualsTheLedgerSum) {
  auto store = open_store(spec_);
  AccountService accounts(*store, *store, *store, "cli");
  auto a = accounts.create_account("acme");
  auto g = accounts.grant("acme", 10 * kNanoPerUsd, "welcome");
  EXPECT_EQ(g.balance_after, 10 * kNanoPerUsd);
  EXPECT_EQ(g.kind, "grant");
  EXPECT_THROW(accounts.grant("acme", -1, ""), ServiceError);
  accounts.adjust("acme", -3 * kNanoPerUsd / 2, "correction");

  WriteBatch batch;
  for (int i = 0; i < 3; ++i)
    batch.charges.push_back(
        {0, a.id, "charge", -1'000'000, 0, "req_" + std::to_string(i), "m", "srv_x", 0});
  UsageRecord usage;
  usage.request_id = "req_0";
  usage.account_id = a.id;
  batch.calls.push_back({usage, batch.charges[0]});  // its cost is not the charge's
  batch.charges.erase(batch.charges.begin());
  batch.reserved = {"srv_x", {{a.id, 777}}};
  store->commit(batch);

  auto row = store->find_account(a.id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->balance, 10 * kNanoPerUsd - 3 * kNanoPerUsd / 2 - 3'000'000);
  EXPECT_EQ(row->balance, ledger_sum(*store, a.id));
  EXPECT_EQ(row->spent, 3'000'000);
  EXPECT_EQ(row->reserved, 777);
  auto rows = store->ledger(a.id);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows.back().balance_after, row->balance);
  store->clear_reserved("srv_x");
  EXPECT_EQ(store->find_account(a.id)->reserved, 0);
}

// The writer inserts rows in multi-row statements of a fixed size; a batch of a few chunks and a
// remainder must keep every row, in order, with its own values.
TEST_F(SqliteStoreTest, ABatchLargerThanOneInsertKeepsEveryRowInOrder) {
  auto store = open_store(spec_);
  AccountService accounts(*store, *store, *store, "cli");
  auto a = accounts.create_account("acme");
  auto b = accounts.create_account("beta");
  accounts.grant("acme", 10 * kNanoPerUsd, "");
  accounts.grant("beta", 10 * kNanoPerUsd, "");
  constexpr int kRows = 75;  // two full chunks of 32 and a remainder of 11
  WriteBatch batch;
  for (int i = 0; i < kRows; ++i) {
    const auto& account = i % 3 ? a.id : b.id;
    std::string id = std::to_string(i);
    LedgerEntry charge{0, account, "charge", -(i + 1), 0, "req_" + id, "", "srv_x", 0};
    UsageRecord u;
    u.request_id = "req_" + id;
    u.account_id = account;
    u.model = "m" + id;
    u.usage.completion_tokens = i;
    batch.calls.push_back({u, charge});
    StoredOutput o;
    o.id = "chatcmpl-" + id;
    o.account_id = account;
    o.model = "m" + id;
    o.status = "completed";
    o.body = "{\"n\":" + id + "}";
    o.usage.prompt_tokens = 1000 + i;
    batch.outputs.push_back(o);
  }
  store->commit(batch);

  for (const auto& id : {a.id, b.id}) {
    auto account = store->find_account(id);
    ASSERT_TRUE(account);
    EXPECT_EQ(account->balance, ledger_sum(*store, id));
    auto rows = store->ledger(id);
    NanoUsd running = 10 * kNanoPerUsd;
    for (std::size_t r = 1; r < rows.size(); ++r) {  // row 0 is the grant
      running += rows[r].amount;
      EXPECT_EQ(rows[r].balance_after, running) << "row " << r;
      if (r > 1) {
        EXPECT_LT(rows[r].amount, rows[r - 1].amount) << "charges out of order";
      }
    }
  }
  EXPECT_EQ(store->ledger(a.id).size() + store->ledger(b.id).size(), 2u + kRows);
  UsageQuery q;
  q.limit = 1000;
  auto usage = accounts.usage(q);
  ASSERT_EQ(usage.size(), static_cast<std::size_t>(kRows));
  for (const auto& u : usage)
    EXPECT_EQ(u.model, "m" + u.request_id.substr(4));
  for (int i : {0, 31, 32, 63, 64, 74}) {
    auto o = store->find_output("chatcmpl-" + std::to_string(i));
    ASSERT_TRUE(o) << i;
    EXPECT_EQ(o->body, "{\"n\":" + std::to_string(i) + "}");
    EXPECT_EQ(o->usage.prompt_tokens, 1000 + i);
  }
}

// A call's charge is kept in its own usage row and listed as a ledger row (kind, amount, request,
// running balance, the model as its note) with an ID from the ledger's sequence; a charge whose
// usage row is not in the batch, and a background task's (its recovery looks for it there), is a
// ledger row of its own. The ledger still sums to the balance.
using ChargeStorageTest = FundedStoreTest;

TEST_F(ChargeStorageTest, KeepsACallsChargeInItsUsageRowAndListsItInTheLedger) {
  const std::int64_t t = unix_ms_now() + 1000;
  auto usage = [&](std::string request_id, NanoUsd cost, std::int64_t at) {
    UsageRecord u;
    u.request_id = std::move(request_id);
    u.account_id = account_;
    u.model = "glm-test";
    u.status = 200;
    u.cost = cost;
    u.created_at = at;
    return u;
  };
  auto charge = [&](std::string request_id, NanoUsd cost, std::int64_t at) {
    return LedgerEntry{0, account_, "charge", -cost, 0, std::move(request_id), "m", "srv_x", at};
  };
  WriteBatch batch;
  batch.calls = {{usage("req_1", 100, t + 2), charge("req_1", 100, t + 2)},
                 {usage("req_free", 0, t + 3)},
                 {usage("task_abc", 50, t + 1), charge("task_abc", 50, t + 1)}};
  batch.charges = {charge("req_lone", 7, t + 5)};
  store_->commit(batch);

  auto rows = store_->ledger(account_);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].kind, "grant");
  EXPECT_EQ(rows[1].request_id, "req_1");
  EXPECT_EQ(rows[2].request_id, "task_abc");
  EXPECT_EQ(rows[3].request_id, "req_lone");
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(rows[i].kind, "charge");
    EXPECT_GT(rows[i].id, rows[i - 1].id);  // one ID sequence for both kinds of row
  }
  EXPECT_EQ(rows[1].amount, -100);
  EXPECT_EQ(rows[1].balance_after, kFunds - 100);
  EXPECT_EQ(rows[1].note, "glm-test");  // the usage row's model
  EXPECT_EQ(rows[1].origin, "");        // kept in the usage row
  EXPECT_EQ(rows[1].created_at, t + 2);
  EXPECT_EQ(rows[2].amount, -50);
  EXPECT_EQ(rows[2].balance_after, kFunds - 150);
  EXPECT_EQ(rows[2].origin, "srv_x");  // a task's charge: a ledger row
  EXPECT_EQ(rows[3].balance_after, kFunds - 157);
  EXPECT_EQ(rows[3].origin, "srv_x");  // no usage row in the batch: a ledger row

  // A grant written after them (the CLI's) takes a later ID than the charges kept in usage rows.
  AccountService(*store_, *store_, *store_, "cli").grant(account_, 1000, "");
  auto after = store_->ledger(account_);
  ASSERT_EQ(after.size(), 5u);
  EXPECT_EQ(after.back().kind, "grant");
  EXPECT_GT(after.back().id, after[3].id);
  EXPECT_EQ(store_->find_account(account_)->balance, kFunds - 157 + 1000);
  EXPECT_EQ(ledger_sum(*store_, account_), kFunds - 157 + 1000);

  auto task_charges = store_->charges_for("task_abc");
  ASSERT_EQ(task_charges.size(), 1u);
  EXPECT_EQ(task_charges[0].amount, -50);
  EXPECT_EQ(store_->usage({account_, std::nullopt, false, false, 10}).size(), 3u);
}

// A call's output committed with its usage row is kept in that row: found as it was given (every
// field, defaults and others), deleted and swept without taking the usage row along; an output
// whose row went in another batch, or that differs from it, is found just the same.
using OutputStorageTest = FundedStoreTest;

TEST_F(OutputStorageTest, KeepsACallsOutputInItsUsageRowAndFindsDeletesAndSweepsIt) {
  const std::int64_t t = unix_ms_now();
  auto call = [&](std::string n, std::int64_t expires_at) {
    UsageRecord u;
    u.request_id = "req_" + n;
    u.key_id = "key_1";
    u.account_id = account_;
    u.model = "glm-test";
    u.surface = "openai";
    u.status = 200;
    u.usage = {3, 8, 1, 2, false};
    u.cost = 40;
    u.created_at = t;
    u.output_id = "chatcmpl-" + n;
    StoredOutput o;
    o.id = u.output_id;
    o.account_id = account_;
    o.key_id = u.key_id;
    o.surface = u.surface;
    o.model = u.model;
    o.status = "completed";
    o.body = R"({"created":1,"finish_reason":"stop","message":{"content":")" + n + "\"}}";
    o.usage = u.usage;
    o.cost = u.cost;
    o.created_at = t;
    o.expires_at = expires_at;
    return std::pair{u, o};
  };
  auto same = [](const StoredOutput& a, const StoredOutput& b) {
    return std::tie(a.id, a.account_id, a.key_id, a.surface, a.model, a.status, a.body, a.context,
                    a.previous_id, a.usage.prompt_tokens, a.usage.completion_tokens,
                    a.usage.cached_tokens, a.usage.reasoning_tokens, a.cost, a.created_at,
                    a.expires_at) == std::tie(b.id, b.account_id, b.key_id, b.surface, b.model,
                                              b.status, b.body, b.context, b.previous_id,
                                              b.usage.prompt_tokens, b.usage.completion_tokens,
                                              b.usage.cached_tokens, b.usage.reasoning_tokens,
                                              b.cost, b.created_at, b.expires_at);
  };
  auto [plain_u, plain] = call("plain", t + 60'000);
  auto [turn_u, turn] = call("turn", t + 60'000);  // a Responses turn, cut short, a second later
  turn.status = "incomplete";
  turn.context = R"({"turn":[]})";
  turn.previous_id = "resp_before";
  turn.created_at = t + 1000;
  auto [other_u, other] = call("other", t + 60'000);  // its row says another model
  other_u.model = "alias";
  auto [late_u, late] = call("late", t + 60'000);  // its row comes in the next batch
  auto [old_u, old] = call("old", t - 1);          // expired
  WriteBatch batch;
  batch.outputs = {plain, turn, other, late, old};
  // Where the writer queued each output; late's names 3, but the next batch has no outputs.
  batch.calls = {{plain_u, std::nullopt, 0},
                 {turn_u, std::nullopt, 1},
                 {other_u, std::nullopt, 2},
                 {old_u, std::nullopt, 4}};
  store_->commit(batch);
  WriteBatch next;
  next.calls = {{late_u, std::nullopt, 3}};
  store_->commit(next);

  for (const StoredOutput* o : {&plain, &turn, &other, &late, &old}) {
    auto found = store_->find_output(o->id);
    ASSERT_TRUE(found) << o->id;
    EXPECT_TRUE(same(*found, *o)) << o->id;
  }
  EXPECT_FALSE(store_->find_output("chatcmpl-none"));
  {
    // One row per call where the call's row could keep its output: only those two have their own.
    SqliteDb db((dir_ / "g.db").string());
    auto own = db.prepare("SELECT group_concat(id) FROM (SELECT id FROM outputs ORDER BY id)");
    ASSERT_TRUE(own.step());
    EXPECT_EQ(own.text(0), "chatcmpl-late,chatcmpl-other");
  }

  EXPECT_FALSE(store_->delete_output(plain.id, "another-account"));
  EXPECT_TRUE(store_->delete_output(plain.id, account_));
  EXPECT_FALSE(store_->find_output(plain.id));
  EXPECT_FALSE(store_->delete_output(plain.id, account_));
  EXPECT_EQ(store_->sweep_outputs(t, 1000), 1);
  EXPECT_FALSE(store_->find_output(old.id));
  EXPECT_TRUE(store_->find_output(turn.id));
  // The calls' usage rows stay, with their charges' figures, for billing and reports.
  auto rows = store_->usage({account_, std::nullopt, false, false, 10});
  ASSERT_EQ(rows.size(), 5u);
  for (const auto& u : rows)
    EXPECT_EQ(u.cost, 40) << u.request_id;
}

// A task that runs again after a restart writes its output ID a second time: the newer answer
// replaces the older. A call's output ID is new by construction; were one stored already, the
// batch must still commit (the writer would otherwise retry it forever) and keep the first.
TEST_F(SqliteStoreTest, TaskOutputsReplaceAndARepeatedCallOutputIdNeverFailsTheBatch) {
  auto store = open_store(spec_);
  AccountService accounts(*store, *store, *store, "cli");
  auto a = accounts.create_account("acme");
  accounts.grant("acme", 10 * kNanoPerUsd, "");
  StoredOutput o;
  o.id = "resp_task1";
  o.account_id = a.id;
  o.status = "failed";
  o.body = "{\"run\":1}";
  WriteBatch first;
  first.task_outputs.push_back(o);
  StoredOutput call = o;
  call.id = "chatcmpl-1";
  call.body = "{\"call\":1}";
  first.outputs.push_back(call);
  store->commit(first);

  WriteBatch second;
  o.status = "completed";
  o.body = "{\"run\":2}";
  second.task_outputs.push_back(o);
  call.body = "{\"call\":2}";
  second.outputs.push_back(call);
  second.charges.push_back({0, a.id, "charge", -5, 0, "req_2", "", "srv_x", 0});
  store->commit(second);

  auto task_output = store->find_output("resp_task1");
  ASSERT_TRUE(task_output);
  EXPECT_EQ(task_output->status, "completed");
  EXPECT_EQ(task_output->body, "{\"run\":2}");
  auto call_output = store->find_output("chatcmpl-1");
  ASSERT_TRUE(call_output);
  EXPECT_EQ(call_output->body, "{\"call\":1}");
  EXPECT_EQ(store->find_account(a.id)->balance, 10 * kNanoPerUsd - 5);
}

TEST_F(SqliteStoreTest, SyncReportsOtherProcessesChangesOnce) {
  auto server = open_store(spec_);
  auto cli = open_store(spec_);
  AccountService cli_accounts(*cli, *cli, *cli, "cli");
  KeyService cli_keys(*cli, *cli);
  auto a = cli_accounts.create_account("acme");
  cli_accounts.grant("acme", 5 * kNanoPerUsd, "");
  KeyOptions o;
  o.account = "acme";
  auto k = cli_keys.create(o);

  auto first = server->changes_since({}, "srv_me");
  ASSERT_EQ(first.accounts.size(), 1u);
  EXPECT_EQ(first.accounts[0].balance, 5 * kNanoPerUsd);  // the grant is in the snapshot...
  EXPECT_TRUE(first.ledger.empty());  // ...so the first sync lists no ledger rows
  ASSERT_EQ(first.keys.size(), 1u);
  EXPECT_FALSE(paused(first));

  // The server's own charge is not reported back; a CLI grant is, once.
  WriteBatch own;
  own.charges.push_back({0, a.id, "charge", -100, 0, "r", "m", "srv_me", 0});
  server->commit(own);
  cli_accounts.grant("acme", kNanoPerUsd, "top-up");
  cli_keys.revoke(k.record.id);
  cli_accounts.set_paused(true);
  auto second = server->changes_since(first.cursor, "srv_me");
  EXPECT_TRUE(second.accounts.empty());
  ASSERT_EQ(second.ledger.size(), 1u);
  EXPECT_EQ(second.ledger[0].amount, kNanoPerUsd);
  ASSERT_EQ(second.keys.size(), 1u);
  EXPECT_TRUE(second.keys[0].revoked);
  EXPECT_TRUE(paused(second));
  auto third = server->changes_since(second.cursor, "srv_me");
  EXPECT_TRUE(third.ledger.empty() && third.keys.empty() && third.accounts.empty());
}

TEST_F(SqliteStoreTest, ReportsUsageByRowAndGrouped) {
  auto store = open_store(spec_);
  AccountService accounts(*store, *store, *store, "cli");
  auto a = accounts.create_account("acme");
  WriteBatch batch;
  std::int64_t day1 = 1'763'700'000'000;  // 2025-11-21
  for (int i = 0; i < 4; ++i) {
    UsageRecord u;
    u.request_id = "r" + std::to_string(i);
    u.account_id = a.id;
    u.model = i % 2 ? "glm-a" : "glm-b";
    u.usage.prompt_tokens = 10;
    u.usage.completion_tokens = i;
    u.cost = 100;
    u.free = i == 3;
    u.created_at = day1 + i * 86'400'000LL / 2;
    batch.calls.push_back({u});
  }
  store->commit(batch);
  UsageQuery q;
  q.account_id = "acme";
  EXPECT_EQ(accounts.usage(q).size(), 4u);
  q.since_ms = day1 + 86'400'000LL;
  EXPECT_EQ(accounts.usage(q).size(), 2u);
  q.since_ms.reset();
  q.by_model = true;
  auto by_model = accounts.usage_summary(q);
  ASSERT_EQ(by_model.size(), 2u);
  EXPECT_EQ(by_model[0].model, "glm-a");
  EXPECT_EQ(by_model[0].requests, 2);
  EXPECT_EQ(by_model[0].usage.completion_tokens, 1 + 3);
  q.by_day = true;
  EXPECT_EQ(accounts.usage_summary(q).size(), 4u);
  auto free = store->free_calls_used();
  ASSERT_EQ(free.size(), 1u);
  EXPECT_EQ(free[0].model, "glm-a");
  EXPECT_EQ(free[0].used, 1);
}

TEST(OpenStore, RejectsUnknownSchemes) {
  EXPECT_THROW(open_store("redis://x"), std::runtime_error);
}

}  // namespace
}  // namespace glmgate
