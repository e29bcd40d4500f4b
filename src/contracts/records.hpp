// The rows glmgate keeps: keys, accounts, ledger entries, usage records, stored outputs, tasks.
// Plain value types shared by the store contracts (contracts/store/), the services and the
// in-memory state; nothing here says how a backend lays them out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "canonical/usage.hpp"
#include "core/money.hpp"

namespace glmgate {

struct KeyRecord {
  std::string id;  // "key_…", what the CLI and admin API name a key by
  std::string name;
  std::string prefix;  // the first characters of the secret, for listings
  std::string hash;    // hex SHA-256 of the secret; the secret itself is never stored
  bool revoked = false;
  bool admin = false;
  std::string account_id;            // empty for admin keys that belong to no account
  std::int64_t rpm = 0;              // requests per minute; 0: the account's tier or the default
  std::int64_t tpm = 0;              // tokens per minute; 0: the tier's, else none
  std::int64_t max_concurrency = 0;  // 0: no cap
  std::int64_t created_at = 0;       // unix seconds
  std::int64_t rev = 0;              // the position of its last change in the store's change feed
  // A console chat key: it stops working at expires_at_ms (unix ms; 0: never) and dies with the
  // console session (its hash) of the user who asked for it. Listings leave such keys out.
  std::int64_t expires_at_ms = 0;
  std::string session_id;
  std::string user_id;
};

struct AccountRecord {
  std::string id;  // "acct_…"
  std::string name;
  NanoUsd balance = 0;   // equals the sum of the account's ledger rows
  NanoUsd reserved = 0;  // open holds: the sum of what each server instance last recorded
  NanoUsd spent = 0;     // cumulative charges, for usage tiers
  std::int64_t created_at = 0;
  std::int64_t rev = 0;  // the position of its creation in the store's change feed
};

namespace ledger_kind {
inline constexpr std::string_view kGrant = "grant";
inline constexpr std::string_view kCharge = "charge";
inline constexpr std::string_view kRefund = "refund";
inline constexpr std::string_view kAdjustment = "adjustment";
}  // namespace ledger_kind

struct LedgerEntry {
  std::int64_t id = 0;  // assigned by the store, increasing in the order the balance changed
  std::string account_id;
  std::string kind;    // grant, charge, refund, adjustment
  NanoUsd amount = 0;  // signed: a charge is negative
  NanoUsd balance_after = 0;
  std::string request_id;  // charges: the request that caused it
  std::string note;
  std::string origin;           // who wrote it: "cli", "admin-api", or a server instance's id
  std::int64_t created_at = 0;  // unix milliseconds
};

// One request's usage record.
struct UsageRecord {
  std::string request_id;
  std::string key_id;
  std::string account_id;
  std::string model;
  std::string provider;
  std::string surface;
  int status = 0;
  bool stream = false;
  bool free = false;  // within the account's free calls: recorded at cost 0
  Usage usage;
  NanoUsd cost = 0;
  std::int64_t latency_us = 0;
  std::int64_t ttft_us = 0;
  std::int64_t created_at = 0;  // unix milliseconds
  // Routing: the public model that answered (`model` is the one asked for; a fallback's ID when
  // one answered, else the same) and the upstream attempts the call made (0: none was made).
  std::string served_model;
  int attempts = 0;
  // The output this call kept, when it kept one (WriteBatch pairs them); not read back.
  std::string output_id;
};

struct UsageQuery {
  std::optional<std::string> account_id;
  std::optional<std::int64_t> since_ms;
  bool by_day = false;
  bool by_model = false;
  std::int64_t limit = 1000;  // ungrouped rows, newest first
};

// A grouped (or single) usage row of a report.
struct UsageSummary {
  std::string day;  // YYYY-MM-DD (UTC) when grouped by day
  std::string model;
  std::int64_t requests = 0;
  Usage usage;
  NanoUsd cost = 0;
};

// A generated output kept for retrieval by its ID (GET /v1/responses/{id}, GET
// /v1/chat/completions/{id}, tasks). Not the request's input, except for a Responses turn kept for
// previous_response_id.
struct StoredOutput {
  std::string id;  // the ID the client saw: chatcmpl-…, msg_…, resp_…, the Gemini responseId
  std::string account_id;  // empty for admin keys of no account
  std::string key_id;
  std::string surface;  // openai, anthropic, gemini, responses
  std::string model;
  std::string status;  // completed, incomplete, failed, cancelled
  std::string body;    // {"created", "finish_reason", "message"} (see stored_completion.hpp)
  // Responses only: {"turn": [this turn's input messages], "echo": {request fields to echo}}.
  std::string context;
  std::string previous_id;  // the previous_response_id this turn continued
  Usage usage;
  NanoUsd cost = 0;
  std::int64_t created_at = 0;  // unix milliseconds
  std::int64_t expires_at = 0;  // unix milliseconds; 0: never
};

namespace task_status {
inline constexpr std::string_view kQueued = "queued";
inline constexpr std::string_view kInProgress = "in_progress";
inline constexpr std::string_view kCompleted = "completed";
inline constexpr std::string_view kFailed = "failed";
inline constexpr std::string_view kCancelled = "cancelled";
}  // namespace task_status

// A background generation: POST /v1/tasks, or /v1/responses with background: true. The request
// body is kept only until the task ends (a restart runs it again).
struct TaskRecord {
  std::string id;  // task_… (or resp_… for a background response: the response's own ID)
  std::string account_id;
  std::string key_id;
  std::string path;  // the surface's path, e.g. /v1/chat/completions
  std::string body;  // the request, until the task ends
  std::string callback_url;
  std::string status;     // task_status
  std::string output_id;  // the stored output, once completed
  int http_status = 0;    // the generation's HTTP status, once ended
  std::string result;     // the response body in the surface's shape (an error body on failure)
  std::string webhook;    // "", pending, delivered, failed
  std::int64_t created_at = 0;  // unix milliseconds
  std::int64_t updated_at = 0;
  std::int64_t expires_at = 0;  // 0: never
};

// The usage rollups (per hour or per day, account and model), which the batch commit keeps in
// step with the usage rows it writes: what charts and totals read instead of the rows.
struct UsageSeriesQuery {
  std::optional<std::string> account_id;  // none: every account's
  std::int64_t since_ms = 0;              // bucket starts from here (rounded down to the bucket)
  std::int64_t until_ms = 0;              // to before here
  bool by_day = false;                    // else by hour
};

struct UsageSeriesPoint {
  std::int64_t bucket_ms = 0;  // the UTC hour's or day's start
  std::string model;           // the model asked for
  std::int64_t requests = 0;
  std::int64_t errors = 0;  // status 400 and up
  Usage usage;
  NanoUsd cost = 0;
  std::int64_t latency_us = 0;  // sums: divide by requests
  std::int64_t ttft_us = 0;
};

// One account's totals over a span (the operator's usage across accounts), from the daily rollup.
struct AccountUsageTotal {
  std::string account_id;
  std::int64_t requests = 0;
  std::int64_t errors = 0;
  Usage usage;
  NanoUsd cost = 0;
};

// The request log: a page of usage records, newest first, by keyset. A page reads at most
// `scan` rows of the index it walks (the account's, or every record's), whatever the filters
// match, so a rare filter costs bounded work; `next` then resumes where the scan stopped.
struct UsageCursor {
  std::int64_t created_at = 0;
  std::int64_t id = 0;  // the store's row ID of the record
};

struct UsagePageQuery {
  std::optional<std::string> account_id;
  std::string model;     // "": any (the model asked for)
  std::string surface;   // "": any
  std::string key_id;    // "": any
  int status_class = 0;  // 0: any, 1: below 400, 2: 400 and up
  std::optional<std::int64_t> since_ms;
  std::optional<UsageCursor> before;  // records strictly older than this
  std::int64_t limit = 50;
  std::int64_t scan = 2000;
};

struct UsagePage {
  std::vector<UsageRecord> records;
  std::optional<UsageCursor> next;         // none: nothing older matches
  std::optional<std::int64_t> scanned_to;  // created_at of the oldest row read, when the scan
                                           // budget ran out before the page filled
};

// Free calls already used, per account and model.
struct FreeCallCount {
  std::string account_id;
  std::string model;
  std::int64_t used = 0;
};

}  // namespace glmgate
