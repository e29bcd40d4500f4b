// The UsageStore contract (contracts/store/usage_store.hpp), for every backend: committed records
// listed newest first, by account, since a time and up to a limit; summaries by model and day;
// free calls counted per account and model; the rollups by hour and day the commit keeps, and
// the per-account totals, equal to sums over the records; the request log by keyset, filtered,
// within its scan budget.
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

namespace glmgate {
namespace {

class UsageReportsContract : public StoreContractTest {
 protected:
  void SetUp() override {
    StoreContractTest::SetUp();
    acme_ = new_account("acme");
    beta_ = new_account("beta");
    // Ten calls of acme an hour apart over two models, every third failing, in two batches;
    // two of beta.
    for (int b = 0; b < 2; ++b) {
      WriteBatch batch;
      for (int i = b * 5; i < b * 5 + 5; ++i) {
        UsageRecord u = call_record("a" + std::to_string(i), acme_, 10 + i, kDay1 + i * 3'600'000);
        u.model = i % 2 ? "glm-a" : "glm-b";
        u.status = i % 3 == 0 ? 500 : 200;
        u.surface = i < 4 ? "openai" : "anthropic";
        u.latency_us = 1000;
        u.ttft_us = 100;
        batch.calls.push_back({u});
      }
      if (b == 1)
        for (int i = 0; i < 2; ++i)
          batch.calls.push_back({call_record("b" + std::to_string(i), beta_, 1, kDay1)});
      store_->commit(batch);
    }
  }
  std::string acme_, beta_;
};
GLMGATE_STORE_CONTRACT(UsageReportsContract);

TEST_P(UsageReportsContract, RollsUpEachRecordOnceByHourDayAndModel) {
  UsageStore& usage = *store_;
  UsageSeriesQuery hours{acme_, kDay1, kDay1 + 86'400'000, false};
  auto h = usage.usage_series(hours);
  ASSERT_EQ(h.size(), 10u);  // one per hour, each its call's model
  std::int64_t requests = 0, errors = 0, cost = 0;
  for (const auto& p : h) {
    EXPECT_EQ(p.bucket_ms % 3'600'000, 0);
    requests += p.requests;
    errors += p.errors;
    cost += p.cost;
  }
  EXPECT_EQ(requests, 10);
  EXPECT_EQ(errors, 4);  // calls 0, 3, 6, 9
  EXPECT_EQ(cost, 10 * 10 + 45);
  EXPECT_EQ(h[0].latency_us, 1000);
  EXPECT_EQ(h[1].model, "glm-a");

  UsageSeriesQuery days{acme_, kDay1 - 86'400'000, kDay1 + 2 * 86'400'000, true};
  std::int64_t day_requests = 0;
  for (const auto& p : usage.usage_series(days)) {
    EXPECT_EQ(p.bucket_ms % 86'400'000, 0);
    day_requests += p.requests;
  }
  EXPECT_EQ(day_requests, 10);
  // Every account's: summed over accounts, by bucket and model.
  UsageSeriesQuery all{std::nullopt, kDay1 - 86'400'000, kDay1 + 2 * 86'400'000, true};
  std::int64_t all_requests = 0;
  for (const auto& p : usage.usage_series(all))
    all_requests += p.requests;
  EXPECT_EQ(all_requests, 12);
  // By hour, every account's points are the sums over accounts of each account's: beta's two
  // calls on their own model share the first hour with acme's first call.
  UsageSeriesQuery all_hours{std::nullopt, kDay1, kDay1 + 86'400'000, false};
  auto ah = usage.usage_series(all_hours);
  ASSERT_EQ(ah.size(), 11u);
  EXPECT_EQ(ah[0].bucket_ms, h[0].bucket_ms);
  EXPECT_EQ(ah[0].model, "glm-b");
  EXPECT_EQ(ah[1].bucket_ms, h[0].bucket_ms);
  EXPECT_EQ(ah[1].model, "glm-test");
  EXPECT_EQ(ah[1].requests, 2);
  EXPECT_EQ(ah[1].cost, 2);
  for (std::size_t i = 2; i < ah.size(); ++i) {
    EXPECT_EQ(ah[i].bucket_ms, h[i - 1].bucket_ms);
    EXPECT_EQ(ah[i].model, h[i - 1].model);
    EXPECT_EQ(ah[i].requests, h[i - 1].requests);
    EXPECT_EQ(ah[i].errors, h[i - 1].errors);
    EXPECT_EQ(ah[i].cost, h[i - 1].cost);
    EXPECT_EQ(ah[i].latency_us, h[i - 1].latency_us);
  }
  // By day over every account: a point per model, each the sum of its calls.
  auto ad = usage.usage_series(all);
  ASSERT_EQ(ad.size(), 3u);
  EXPECT_EQ(ad[0].model, "glm-a");
  EXPECT_EQ(ad[0].requests, 5);
  EXPECT_EQ(ad[0].cost, 5 * 10 + 1 + 3 + 5 + 7 + 9);
  EXPECT_EQ(ad[1].model, "glm-b");
  EXPECT_EQ(ad[1].errors, 2);  // calls 0 and 6
  EXPECT_EQ(ad[2].model, "glm-test");
  EXPECT_EQ(ad[2].requests, 2);
  // A span before the calls has nothing.
  EXPECT_TRUE(usage.usage_series({acme_, 0, kDay1 - 86'400'000, false}).empty());

  auto totals = usage.usage_by_account(kDay1 - 86'400'000, kDay1 + 2 * 86'400'000, 10);
  ASSERT_EQ(totals.size(), 2u);
  EXPECT_EQ(totals[0].account_id, acme_);  // by cost
  EXPECT_EQ(totals[0].requests, 10);
  EXPECT_EQ(totals[0].errors, 4);
  EXPECT_EQ(totals[0].cost, 10 * 10 + 45);
  EXPECT_EQ(totals[0].usage.prompt_tokens, h[0].usage.prompt_tokens * 10);
  EXPECT_EQ(totals[1].account_id, beta_);
  EXPECT_EQ(totals[1].requests, 2);
  EXPECT_EQ(totals[1].cost, 2);
  // A span's totals count only its days.
  EXPECT_TRUE(usage.usage_by_account(kDay1 + 86'400'000, kDay1 + 2 * 86'400'000, 10).empty());
  EXPECT_EQ(usage.usage_by_account(kDay1 - 86'400'000, kDay1 + 2 * 86'400'000, 1).size(), 1u);
}

TEST_P(UsageReportsContract, PagesTheRequestLogByKeysetNewestFirst) {
  UsageStore& usage = *store_;
  UsagePageQuery q;
  q.account_id = acme_;
  q.limit = 4;
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    UsagePage p = usage.usage_page(q);
    for (const auto& r : p.records)
      seen.push_back(r.request_id);
    EXPECT_FALSE(p.scanned_to);
    if (!p.next) break;
    q.before = p.next;
  }
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.front(), "a9");
  EXPECT_EQ(seen.back(), "a0");

  UsagePageQuery failed;
  failed.account_id = acme_;
  failed.status_class = 2;
  std::vector<std::string> ids;
  for (const auto& r : usage.usage_page(failed).records)
    ids.push_back(r.request_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"a9", "a6", "a3", "a0"}));
  UsagePageQuery filtered;
  filtered.account_id = acme_;
  filtered.model = "glm-a";
  filtered.surface = "openai";
  ids.clear();
  for (const auto& r : usage.usage_page(filtered).records)
    ids.push_back(r.request_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"a3", "a1"}));
  UsagePageQuery since;
  since.account_id = acme_;
  since.since_ms = kDay1 + 8 * 3'600'000;
  EXPECT_EQ(usage.usage_page(since).records.size(), 2u);
  UsagePageQuery everyone;
  EXPECT_EQ(usage.usage_page(everyone).records.size(), 12u);
  everyone.since_ms = kDay1;
  EXPECT_EQ(usage.usage_page(everyone).records.size(), 12u);
  // A start after every record: the first row read ends the log, whatever the budget.
  for (auto account : {std::optional<std::string>(), std::optional<std::string>(acme_)}) {
    UsagePageQuery later;
    later.account_id = account;
    later.since_ms = kDay1 + 86'400'000;
    later.scan = 3;
    UsagePage none = usage.usage_page(later);
    EXPECT_TRUE(none.records.empty());
    EXPECT_FALSE(none.next);
    EXPECT_FALSE(none.scanned_to);
  }
}

TEST_P(UsageReportsContract, StopsAScanAtItsBudgetAndResumesFromTheLastRowRead) {
  UsageStore& usage = *store_;
  UsagePageQuery q;
  q.account_id = acme_;
  q.status_class = 2;  // a9, a6, a3, a0
  q.scan = 3;          // reads a9, a8, a7
  UsagePage first = usage.usage_page(q);
  ASSERT_EQ(first.records.size(), 1u);
  EXPECT_EQ(first.records[0].request_id, "a9");
  ASSERT_TRUE(first.next);
  ASSERT_TRUE(first.scanned_to);
  EXPECT_EQ(*first.scanned_to, kDay1 + 7 * 3'600'000);
  q.before = first.next;  // reads a6, a5, a4
  UsagePage second = usage.usage_page(q);
  ASSERT_EQ(second.records.size(), 1u);
  EXPECT_EQ(second.records[0].request_id, "a6");
  q.before = second.next;  // a3, a2, a1
  q.before = usage.usage_page(q).next;
  UsagePage last = usage.usage_page(q);  // a0 alone: the scan ends short of its budget
  ASSERT_EQ(last.records.size(), 1u);
  EXPECT_EQ(last.records[0].request_id, "a0");
  EXPECT_FALSE(last.next);
  EXPECT_FALSE(last.scanned_to);
  // No match within the budget: an empty page that still says where to resume.
  UsagePageQuery none;
  none.account_id = acme_;
  none.model = "glm-z";
  none.scan = 4;
  UsagePage empty = usage.usage_page(none);
  EXPECT_TRUE(empty.records.empty());
  ASSERT_TRUE(empty.next);
  EXPECT_EQ(*empty.scanned_to, kDay1 + 6 * 3'600'000);
}

}  // namespace
}  // namespace glmgate
