// The usage rollups' first fold, for the backends whose batch commit sums a batch's records before
// it writes the rollups (SQLite's commit, PostgreSQL's lean calls' statement): records by account,
// UTC hour and model, each every rollup's sums (usage_store.hpp's series and totals are read from
// coarser folds of this one). Plain values; no I/O, any thread. A fold's keys view the records'
// strings: the records must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <tuple>

#include "contracts/records.hpp"

namespace glmgate {

inline constexpr std::int64_t kRollupHourMs = 3'600'000;

struct RollupSums {
  std::int64_t requests = 0, errors = 0, prompt = 0, cached = 0, completion = 0, reasoning = 0;
  std::int64_t cost = 0, latency = 0, ttft = 0;

  void add(const RollupSums& s) {
    requests += s.requests;
    errors += s.errors;
    prompt += s.prompt;
    cached += s.cached;
    completion += s.completion;
    reasoning += s.reasoning;
    cost += s.cost;
    latency += s.latency;
    ttft += s.ttft;
  }
};

// (account, bucket's start, model); a coarser fold leaves a part empty where its key has none.
using RollupKey = std::tuple<std::string_view, std::int64_t, std::string_view>;
using RollupFold = std::map<RollupKey, RollupSums>;

// Adds one record to a fold by account, hour and model.
inline void fold_hour(RollupFold& hours, const UsageRecord& u) {
  hours[{u.account_id, u.created_at - u.created_at % kRollupHourMs, u.model}].add(
      {1, u.status >= 400 ? 1 : 0, u.usage.prompt_tokens, u.usage.cached_tokens,
       u.usage.completion_tokens, u.usage.reasoning_tokens, u.cost, u.latency_us, u.ttft_us});
}

}  // namespace glmgate
