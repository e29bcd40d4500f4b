// Copying an install between stores (cli/store_transfer.hpp), for every pair of backends: SQLite
// to SQLite, and with a test database SQLite to PostgreSQL, back, and PostgreSQL to PostgreSQL.
// The copy reads back as its source (ledgers with their IDs and running balances, usage newest
// first, outputs with their expiry, tasks, keys with their revocation, settings, webhook secrets)
// and its check finds nothing; a copy that lost or gained a row, or whose balance is not its
// ledger sum, is reported.
#include <gtest/gtest.h>

#include "cli/store_transfer.hpp"
#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

struct Pair {
  StoreBackend from, to;
};

std::vector<Pair> pairs() {
  std::vector<Pair> out;
  for (const auto& a : store_backends())
    for (const auto& b : store_backends())
      out.push_back({a, b});
  return out;
}

class StoreCopyTest : public ::testing::TestWithParam<Pair> {
 protected:
  void SetUp() override {
    // Both URLs before either store opens: making a SQLite URL empties the test's folder, which
    // would unlink a store already open there (its next connection would find a new, empty file).
    from_url_ = GetParam().from.make_url();
    to_url_ = GetParam().to.make_url();
    // Two SQLite stores of one test share its folder: another file there.
    if (to_url_ == from_url_) to_url_ = to_url_.substr(0, to_url_.rfind('/') + 1) + "copy.db";
    from_ = open_store(from_url_);
    to_ = open_store(to_url_);
  }
  void TearDown() override {
    from_.reset();
    to_.reset();
    GetParam().to.remove(to_url_);
    GetParam().from.remove(from_url_);
  }

  std::string from_url_, to_url_;
  std::unique_ptr<Store> from_, to_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreCopyTest, ::testing::ValuesIn(pairs()),
                         [](const ::testing::TestParamInfo<Pair>& info) {
                           return info.param.from.name + "_to_" + info.param.to.name;
                         });

TEST_P(StoreCopyTest, CopiesAnInstallThatReadsBackAsItsSourceAndChecksOut) {
  InstallRows in = fill_install(*from_);
  UserRecord member{"usr_1", "m@acme.example", "member", in.acme, "$argon2id$hash", false, "cli",
                    5};
  from_->insert_user(member);
  copy_install(*from_, *to_);
  EXPECT_EQ(check_copy(*from_, *to_), std::vector<std::string>());
  EXPECT_EQ(to_->count_rows(), in.counts);
  auto user = to_->find_user_by_email("m@acme.example");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->password_hash, "$argon2id$hash");  // signs in to the target as before
  // The rollups are the target's own, from the records it took in.
  UsageSeriesQuery days{std::nullopt, 0, INT64_MAX / 2, true};
  auto source_days = from_->usage_series(days), copied_days = to_->usage_series(days);
  ASSERT_EQ(copied_days.size(), source_days.size());
  for (std::size_t i = 0; i < source_days.size(); ++i) {
    EXPECT_EQ(copied_days[i].requests, source_days[i].requests);
    EXPECT_EQ(copied_days[i].cost, source_days[i].cost);
  }
  for (const auto& account : {in.acme, in.beta}) {
    auto rows = from_->ledger(account);
    auto copied = to_->ledger(account);
    ASSERT_EQ(copied.size(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(copied[i].id, rows[i].id);
      EXPECT_EQ(copied[i].balance_after, rows[i].balance_after);
      EXPECT_EQ(copied[i].created_at, rows[i].created_at);
      EXPECT_EQ(copied[i].kind, rows[i].kind);
    }
    EXPECT_EQ(to_->find_account(account)->balance, from_->find_account(account)->balance);
  }
  auto usage = to_->usage({std::nullopt, std::nullopt, false, false, 100});
  ASSERT_EQ(usage.size(), 6u);
  EXPECT_EQ(usage[0].request_id, "req_beta");  // newest first, as in the source
  for (const auto& id : in.outputs) {
    auto o = to_->find_output(id);
    ASSERT_TRUE(o) << id;
    EXPECT_EQ(o->expires_at, from_->find_output(id)->expires_at);
    EXPECT_EQ(o->body, from_->find_output(id)->body);
  }
  EXPECT_EQ(to_->find_task("task_1")->status, "completed");
  EXPECT_EQ(to_->find_task("task_2")->status, "queued");
  EXPECT_TRUE(to_->find_key("key_beta")->revoked);
  EXPECT_EQ(to_->setting("paused"), "1");
  EXPECT_EQ(to_->webhook_secret(in.acme), "whsec_abc");
  EXPECT_EQ(to_->free_calls_used().size(), from_->free_calls_used().size());
}

TEST_P(StoreCopyTest, ReportsACopyThatDiffersFromItsSource) {
  InstallRows in = fill_install(*from_);
  copy_install(*from_, *to_);
  LedgerEntry grant;
  grant.account_id = in.beta;
  grant.kind = std::string(ledger_kind::kGrant);
  grant.amount = 7;
  grant.origin = "cli";
  to_->append_ledger(grant);
  to_->revoke_key("key_acme");
  auto problems = check_copy(*from_, *to_);
  auto said = [&problems](std::string_view text) {
    for (const auto& p : problems)
      if (p.find(text) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(said("ledger rows: 10 in the source, 11 in the target")) << problems.size();
  EXPECT_TRUE(
      said("account beta (acct_beta): balance 0.000498950 USD in the source, "
           "0.000498957 USD in the target"));
  EXPECT_TRUE(said("key key_acme: differs in the target (revocation)"));
  EXPECT_TRUE(said("revoked keys: 1 in the source, 2 in the target"));
  EXPECT_FALSE(said("acct_acme"));
}

TEST_P(StoreCopyTest, ReportsABalanceThatIsNotItsLedgerSum) {
  add_account(*from_, "acme", 1'000);
  ImportBatch wrong;
  wrong.accounts = from_->list_accounts();
  wrong.accounts[0].balance = 900;  // its ledger row says 1000
  wrong.ledger = from_->ledger("acct_acme");
  to_->import_rows(wrong);
  auto problems = check_copy(*from_, *to_);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0],
            "account acme (acct_acme): balance 0.000001000 USD in the source, 0.000000900 USD in "
            "the target");
  EXPECT_EQ(problems[1],
            "account acme (acct_acme): in the target its balance 0.000000900 USD is not its "
            "ledger sum 0.000001000 USD");
}

TEST(StoreCopyCounts, DescribesWhatAStoreHolds) {
  StoreCounts counts{.accounts = 1, .keys = 3, .revoked_keys = 1, .ledger = 10, .settings = 1};
  EXPECT_EQ(describe_counts(counts), "1 account, 3 keys (1 revoked), 10 ledger rows, 1 setting");
  EXPECT_EQ(describe_counts({}), "nothing");
}

}  // namespace
}  // namespace glmgate
