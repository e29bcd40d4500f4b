// The UsageStore contract (contracts/store/usage_store.hpp), for every backend: committed records
// listed newest first, by account, since a time and up to a limit; summaries by model and day;
// free calls counted per account and model.
#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

constexpr std::int64_t kDay1 = 1'763'700'000'000;  // 2025-11-21 04:40 UTC
constexpr std::int64_t kHalfDay = 43'200'000;

// Four calls of acme over two days, one free, and one of beta.
class UsageStoreContract : public StoreContractTest {
 protected:
  void SetUp() override {
    StoreContractTest::SetUp();
    acme_ = new_account("acme");
    beta_ = new_account("beta");
    WriteBatch batch;
    for (int i = 0; i < 4; ++i) {
      UsageRecord u = call_record("r" + std::to_string(i), acme_, 100, kDay1 + i * kHalfDay);
      u.model = i % 2 ? "glm-a" : "glm-b";
      u.usage.completion_tokens = i;
      u.free = i == 3;
      u.stream = i == 1;
      u.latency_us = 1000 + i;
      u.served_model = i == 1 ? "glm-fallback" : u.model;  // routing: a fallback answered r1
      u.attempts = i == 1 ? 3 : 1;
      batch.calls.push_back({u});
    }
    batch.calls.push_back({call_record("r_beta", beta_, 1, kDay1)});
    store_->commit(batch);
  }
  std::string acme_, beta_;
};
GLMGATE_STORE_CONTRACT(UsageStoreContract);

TEST_P(UsageStoreContract, ListsRecordsNewestFirstByAccountSinceATimeUpToALimit) {
  UsageStore& usage = *store_;
  auto all = usage.usage({std::nullopt, std::nullopt, false, false, 100});
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].request_id, "r_beta");  // committed last
  auto acme = usage.usage({acme_, std::nullopt, false, false, 100});
  ASSERT_EQ(acme.size(), 4u);
  EXPECT_EQ(acme[0].request_id, "r3");
  EXPECT_TRUE(acme[0].free);
  EXPECT_TRUE(acme[2].stream);
  EXPECT_EQ(acme[2].latency_us, 1001);
  EXPECT_EQ(acme[2].model, "glm-a");
  EXPECT_EQ(acme[2].provider, "fake");
  EXPECT_EQ(acme[2].surface, "openai");
  EXPECT_EQ(acme[2].usage.prompt_tokens, 10);
  EXPECT_EQ(acme[2].cost, 100);
  EXPECT_EQ(acme[2].served_model, "glm-fallback");
  EXPECT_EQ(acme[2].attempts, 3);
  EXPECT_EQ(acme[1].attempts, 1);
  EXPECT_EQ(usage.usage({acme_, kDay1 + 2 * kHalfDay, false, false, 100}).size(), 2u);
  EXPECT_EQ(usage.usage({acme_, std::nullopt, false, false, 3}).size(), 3u);
}

TEST_P(UsageStoreContract, SumsByModelAndDay) {
  UsageStore& usage = *store_;
  auto total = usage.usage_summary({acme_, std::nullopt, false, false, 0});
  ASSERT_EQ(total.size(), 1u);
  EXPECT_EQ(total[0].requests, 4);
  EXPECT_EQ(total[0].cost, 400);
  EXPECT_EQ(total[0].usage.completion_tokens, 0 + 1 + 2 + 3);
  auto by_model = usage.usage_summary({acme_, std::nullopt, false, true, 0});
  ASSERT_EQ(by_model.size(), 2u);
  EXPECT_EQ(by_model[0].model, "glm-a");
  EXPECT_EQ(by_model[0].requests, 2);
  auto by_day = usage.usage_summary({acme_, std::nullopt, true, false, 0});
  ASSERT_EQ(by_day.size(), 2u);
  EXPECT_EQ(by_day[0].day, "2025-11-21");
  EXPECT_EQ(by_day[1].day, "2025-11-22");
  EXPECT_EQ(usage.usage_summary({acme_, std::nullopt, true, true, 0}).size(), 4u);
  EXPECT_TRUE(usage.usage_summary({"acct_nobody", std::nullopt, false, false, 0}).empty());
}

TEST_P(UsageStoreContract, CountsFreeCallsPerAccountAndModel) {
  auto free = store_->free_calls_used();
  ASSERT_EQ(free.size(), 1u);
  EXPECT_EQ(free[0].account_id, acme_);
  EXPECT_EQ(free[0].model, "glm-a");
  EXPECT_EQ(free[0].used, 1);
}

}  // namespace
}  // namespace glmgate
