// The SQLite schema's migrations: numbered from 1 without a gap; a store of schema 4 (written as
// that version's code wrote it: charges and outputs in rows of their own) upgrades in place with
// everything readable and the balance still the ledger sum, and goes on working; a store opened
// without migrating stays at its version until migrate(); a store newer than the build is refused.
// (tests/integration/store_upgrade.test.mjs opens a store that the binary of a67425d wrote.)
#include <gtest/gtest.h>

#include <filesystem>

#include "backends/sqlite/sqlite_db.hpp"
#include "backends/sqlite/sqlite_migrations.hpp"
#include "backends/store_factory.hpp"
#include "store_fixture.hpp"

namespace glmgate {
namespace {

class SqliteMigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_test_dir("migrations");
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "g.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A store as the code of schema 4 left it.
  void write_schema_4_store() {
    SqliteDb db(path_);
    db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)");
    for (const auto& m : sqlite_migrations()) {
      if (m.version > 4) break;
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_version (version) VALUES (?)").bind(1, m.version).step();
    }
    db.exec(R"sql(
INSERT INTO accounts (id, name, balance, reserved, spent, created_at, rev)
  VALUES ('acct_a', 'acme', 9970, 40, 30, 1, 1);
INSERT INTO api_keys (id, name, prefix, hash, revoked, admin, account_id, created_at, rev)
  VALUES ('key_a', 'acme', 'sk-glm-ab', 'h1', 0, 0, 'acct_a', 1, 1),
         ('key_b', 'old', 'sk-glm-cd', 'h2', 1, 0, 'acct_a', 2, 3);
INSERT INTO ledger (account_id, kind, amount, balance_after, request_id, note, origin, created_at)
  VALUES ('acct_a', 'grant', 10000, 10000, '', 'welcome', 'cli', 10),
         ('acct_a', 'charge', -30, 9970, 'req_1', 'glm-test', 'srv_old', 20);
INSERT INTO usage (request_id, key_id, account_id, model, provider, surface, status, stream, free,
  prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, estimated, cost, latency_us,
  ttft_us, created_at)
  VALUES ('req_1', 'key_a', 'acct_a', 'glm-test', 'fake', 'openai', 200, 0, 0, 5, 0, 7, 0, 0, 30,
          900, 100, 20);
INSERT INTO outputs (id, account_id, key_id, surface, model, status, body, context, previous_id,
  prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, estimated, cost, created_at,
  expires_at)
  VALUES ('chatcmpl-old', 'acct_a', 'key_a', 'openai', 'glm-test', 'completed', '{"n":1}', '', '',
          5, 0, 7, 0, 0, 30, 20, 0);
INSERT INTO tasks (id, account_id, key_id, path, body, callback_url, status, output_id,
  http_status, result, webhook, created_at, updated_at, expires_at)
  VALUES ('task_old', 'acct_a', 'key_a', '/v1/chat/completions', '', '', 'completed',
          'chatcmpl-old', 200, '{}', '', 20, 21, 0);
INSERT INTO settings (name, value) VALUES ('paused', '1');
)sql");
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteMigrationsTest, AreNumberedFromOneWithoutAGap) {
  std::int64_t expected = 1;
  for (const auto& m : sqlite_migrations()) {
    EXPECT_EQ(m.version, expected++);
    EXPECT_FALSE(m.name.empty());
    EXPECT_FALSE(m.sql.empty());
  }
  EXPECT_GE(expected, 9);
}

TEST_F(SqliteMigrationsTest, UpgradesASchema4StoreInPlace) {
  write_schema_4_store();
  auto old = open_store("sqlite:" + path_, {.migrate = false});
  EXPECT_EQ(old->schema_version(), 4);  // not migrated until asked
  old.reset();

  auto store = open_store("sqlite:" + path_);
  EXPECT_EQ(store->schema_version(), store->latest_schema_version());
  auto a = store->find_account("acme");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->balance, 9970);
  EXPECT_EQ(a->reserved, 0);  // the dead server's snapshot is gone
  auto rows = store->ledger("acct_a");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].amount + rows[1].amount, a->balance);
  EXPECT_EQ(rows[1].request_id, "req_1");
  EXPECT_EQ(store->find_output("chatcmpl-old")->body, "{\"n\":1}");
  EXPECT_EQ(store->find_task("task_old")->output_id, "chatcmpl-old");
  EXPECT_TRUE(store->find_key("key_b")->revoked);
  EXPECT_EQ(store->usage({std::nullopt, std::nullopt, false, false, 10}).size(), 1u);

  Changes first = store->changes_since({}, "srv_new");
  EXPECT_EQ(first.accounts.size(), 1u);
  EXPECT_EQ(first.keys.size(), 2u);
  ASSERT_TRUE(first.setting("paused"));  // written before the feed had positions
  EXPECT_EQ(*first.setting("paused"), "1");

  // It goes on working: a new call is charged after the old rows, a grant is heard once.
  UsageRecord call;
  call.request_id = "req_2";
  call.account_id = "acct_a";
  call.cost = 70;
  WriteBatch batch;
  batch.calls.push_back({call, LedgerEntry{0, "acct_a", "charge", -70, 0, "req_2", "", "srv", 30}});
  store->commit(batch);
  store->append_ledger({0, "acct_a", "grant", 100, 0, "", "", "cli", 0});
  Changes next = store->changes_since(first.cursor, "srv_new");
  ASSERT_EQ(next.ledger.size(), 1u);
  EXPECT_EQ(next.ledger[0].amount, 100);
  rows = store->ledger("acct_a");
  ASSERT_EQ(rows.size(), 4u);
  NanoUsd sum = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    sum += rows[i].amount;
    EXPECT_EQ(rows[i].balance_after, sum);
    if (i > 0) EXPECT_GT(rows[i].id, rows[i - 1].id);
  }
  EXPECT_EQ(store->find_account("acct_a")->balance, sum);
  EXPECT_EQ(sum, 9970 - 70 + 100);
  // The rollups hold the old row (filled by the migrations) and the new one (by the commit).
  std::int64_t requests = 0;
  for (const auto& p : store->usage_series({std::nullopt, 0, INT64_MAX / 2, true}))
    requests += p.requests;
  EXPECT_EQ(requests, 2);
  auto totals = store->usage_by_account(0, INT64_MAX / 2, 10);
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals[0].account_id, "acct_a");
  EXPECT_EQ(totals[0].requests, 2);
}

TEST_F(SqliteMigrationsTest, RefusesAStoreNewerThanTheBuild) {
  auto latest = open_store("sqlite:" + path_)->latest_schema_version();
  {
    SqliteDb db(path_);
    db.prepare("INSERT INTO schema_version (version) VALUES (?)").bind(1, latest + 1).step();
  }
  for (bool migrate : {true, false}) {
    try {
      open_store("sqlite:" + path_, {.migrate = migrate});
      ADD_FAILURE() << "a newer store opened";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("newer than this glmgate"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace glmgate
