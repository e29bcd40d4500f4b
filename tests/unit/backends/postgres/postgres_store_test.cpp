// The PostgreSQL store beyond the contract suite, on the test database (only when
// GLMGATE_TEST_POSTGRES_URL is set: the ctest entry store_contract_postgres runs these too):
// calls after the server dropped every connection reconnect by themselves; instances that start
// together on an empty store migrate it once; a store newer than the build is refused; a batch
// committed again (its first commit's answer lost) charges nothing twice; a wrong password is
// refused without being shown.
#include <atomic>
#include <chrono>
#include <thread>

#include "backends/postgres/postgres_test_store.hpp"

namespace glmgate {
namespace {

using PostgresStoreTest = StoreContractTest;
INSTANTIATE_TEST_SUITE_P(Backends, PostgresStoreTest, ::testing::ValuesIn(postgres_test_backends()),
                         store_backend_name);
// Without a test database the suite has no instance, and that is no failure.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PostgresStoreTest);

// The server ends the connections of glmgate's stores (a restart or a failover would too), and
// waits until they are gone.
void drop_store_connections() {
  postgres_test_sql(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = "
      "'glmgate' AND datname = current_database()");
  for (int i = 0; i < 500; ++i) {
    if (postgres_test_sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                          "'glmgate' AND datname = current_database()") == "0")
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "the store's connections were not dropped";
}

TEST_P(PostgresStoreTest, ReconnectsByItselfAfterTheServerDroppedItsConnections) {
  std::string acme = new_account("acme", 1000);
  // Several connections of the pool in use at once, so that more than one is dropped.
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i)
    readers.emplace_back([&] {
      for (int j = 0; j < 20; ++j)
        store_->find_account(acme);
    });
  for (auto& t : readers)
    t.join();
  drop_store_connections();
  for (int i = 0; i < 3; ++i) {
    auto account = store_->find_account(acme);
    ASSERT_TRUE(account);
    EXPECT_EQ(account->balance, 1000);
  }
  LedgerEntry grant;
  grant.account_id = acme;
  grant.kind = std::string(ledger_kind::kGrant);
  grant.amount = 5;
  grant.origin = "test";
  EXPECT_EQ(store_->append_ledger(grant).balance_after, 1005);
}

TEST_P(PostgresStoreTest, InstancesStartingTogetherOnAnEmptyStoreMigrateItOnce) {
  const std::string empty = new_postgres_test_store();
  std::atomic<int> opened{0};
  std::vector<std::thread> instances;
  for (int i = 0; i < 4; ++i)
    instances.emplace_back([&] {
      auto store = open_store(empty);
      if (store->schema_version() == store->latest_schema_version()) ++opened;
    });
  for (auto& t : instances)
    t.join();
  EXPECT_EQ(opened.load(), 4);
  const std::string schema = empty.substr(empty.rfind("%3D") + 3);
  EXPECT_EQ(postgres_test_sql("SELECT count(*) FROM " + schema + ".schema_version"),
            std::to_string(store_->latest_schema_version()));
  drop_postgres_test_store(empty);
}

TEST_P(PostgresStoreTest, RefusesAStoreNewerThanTheBuildNamingItWithoutItsPassword) {
  const std::string schema = url_.substr(url_.rfind("%3D") + 3);
  const std::int64_t newer = store_->latest_schema_version() + 1;
  postgres_test_sql("INSERT INTO " + schema + ".schema_version VALUES (" + std::to_string(newer) +
                    ", 0)");
  try {
    open_store(url_);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("is newer than this glmgate knows"), std::string::npos) << message;
    EXPECT_NE(message.find(":***@"), std::string::npos) << message;  // with_postgres.sh's URL
  }
}

TEST_P(PostgresStoreTest, ABatchCommittedAgainChargesItsCallsOnce) {
  std::string acme = new_account("acme", 1000);
  WriteBatch batch;
  for (int i = 0; i < 3; ++i) {
    UsageRecord u = call_record("req_" + std::to_string(i), acme, 10);
    batch.calls.push_back({u, charge_of(u)});
  }
  store_->commit(batch);
  UsageRecord later = call_record("req_later", acme, 7);
  batch.calls.push_back({later, charge_of(later)});  // requeued with what came since
  store_->commit(batch);
  EXPECT_EQ(store_->find_account(acme)->balance, 1000 - 30 - 7);
  EXPECT_EQ(store_->usage({acme, std::nullopt, false, false, 100}).size(), 4u);
  auto rows = store_->ledger(acme);
  ASSERT_EQ(rows.size(), 1u + 4);
  EXPECT_EQ(rows.back().request_id, "req_later");
  EXPECT_EQ(rows.back().balance_after, 1000 - 30 - 7);  // run from the balance it found
  EXPECT_EQ(ledger_sum(acme), 1000 - 30 - 7);
  // The rollups count each record once too.
  UsageSeriesQuery q{acme, 0, INT64_MAX / 2, true};
  auto days = store_->usage_series(q);
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0].requests, 4);
  EXPECT_EQ(days[0].cost, 37);
  for (bool by_day : {false, true}) {  // and so do the rollups over every account
    std::int64_t requests = 0, cost = 0;
    for (const auto& p : store_->usage_series({std::nullopt, 0, INT64_MAX / 2, by_day})) {
      requests += p.requests;
      cost += p.cost;
    }
    EXPECT_EQ(requests, 4) << by_day;
    EXPECT_EQ(cost, 37) << by_day;
  }
  auto totals = store_->usage_by_account(0, INT64_MAX / 2, 10);
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals[0].requests, 4);
  EXPECT_EQ(totals[0].cost, 37);
}

TEST_P(PostgresStoreTest, RefusesAWrongPasswordWithoutShowingIt) {
  std::string url = url_;
  const auto colon = url.find(':', url.find("://") + 3);
  const auto at = url.find('@');
  ASSERT_LT(colon, at) << "the test URL has a password";
  url.replace(colon + 1, at - colon - 1, "not-the-password");
  try {
    open_store(url);
    ADD_FAILURE() << "no error";
  } catch (const StoreUnavailable& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
    EXPECT_EQ(message.find("not-the-password"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace glmgate
