// UsageStore: reading the usage records the batch commit wrote (contracts/store/batch_store.hpp):
// listings, summaries for reports, and the free calls already used.
//
// Threading: every call blocks and is safe from any thread; never on an I/O thread (reports run
// on the CLI and the admin API's blocking pool; free calls are read once at start).
// Ordering: a record is visible once its batch committed; listings are newest first.
// Errors: contracts/store/store_error.hpp.
#pragma once

#include <vector>

#include "contracts/records.hpp"

namespace glmgate {

class UsageStore {
 public:
  virtual ~UsageStore() = default;

  // Up to `query.limit` records, newest first, of `query.account_id` (an ID) since
  // `query.since_ms` when given.
  virtual std::vector<UsageRecord> usage(const UsageQuery& query) = 0;
  // Sums grouped by day (UTC) and/or model as the query says; one row when neither; groups with
  // no request are left out.
  virtual std::vector<UsageSummary> usage_summary(const UsageQuery& query) = 0;
  // Rollup rows in [since, until) for an account or all (summed over accounts), ordered by
  // bucket then model.
  virtual std::vector<UsageSeriesPoint> usage_series(const UsageSeriesQuery& query) = 0;
  // Each account's totals over whole UTC days overlapping [since, until), by cost, at most
  // `limit`.
  virtual std::vector<AccountUsageTotal> usage_by_account(std::int64_t since_ms,
                                                          std::int64_t until_ms,
                                                          std::int64_t limit) = 0;
  // A page of the request log (see UsagePageQuery).
  virtual UsagePage usage_page(const UsagePageQuery& query) = 0;
  // Calls recorded as free, per account and model.
  virtual std::vector<FreeCallCount> free_calls_used() = 0;
};

}  // namespace glmgate
