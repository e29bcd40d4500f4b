// How the SQLite backend lays the records out: each table's columns in the order its reader and
// binder use them, and those readers and binders. Shared by the concern files of SqliteStore
// (sqlite_store.hpp); private to this folder.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backends/sqlite/sqlite_db.hpp"
#include "contracts/records.hpp"

namespace glmgate {

inline constexpr std::string_view kKeyColumns =
    "id, name, prefix, hash, revoked, admin, account_id, created_at, rev, rpm, tpm, "
    "max_concurrency, expires_at, session_id, user_id";
// `reserved` is the sum of every instance's holds (migration 0008).
inline constexpr std::string_view kAccountColumns =
    "id, name, balance, (SELECT coalesce(sum(amount), 0) FROM reservations r WHERE r.account_id "
    "= accounts.id), spent, created_at, rev";
inline constexpr std::string_view kLedgerColumns =
    "id, account_id, kind, amount, balance_after, request_id, note, origin, created_at";
inline constexpr std::string_view kLedgerInsertColumns =
    "account_id, kind, amount, balance_after, request_id, note, origin, created_at, rev";
inline constexpr int kLedgerInsertParams = 9;
// A charge kept in its usage row, read as a ledger row (kLedgerColumns' order): its note is the
// model, as a charge row's was; it has no origin.
inline constexpr std::string_view kUsageChargeColumns =
    "ledger_id, account_id, 'charge', -cost, balance_after, request_id, model, '', created_at";
inline constexpr std::string_view kUsageColumns =
    "request_id, key_id, account_id, model, provider, surface, status, stream, free, "
    "prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, estimated, cost, "
    "latency_us, ttft_us, created_at, served_model, attempts";
inline constexpr int kUsageParams = 20;
inline constexpr std::string_view kOutputColumns =
    "id, account_id, key_id, surface, model, status, body, context, previous_id, prompt_tokens, "
    "cached_tokens, completion_tokens, reasoning_tokens, estimated, cost, created_at, expires_at";
inline constexpr int kOutputParams = 17;
// An output kept in its usage row, read as an outputs row (kOutputColumns' order).
inline constexpr std::string_view kUsageOutputColumns =
    "output_id, account_id, key_id, surface, model, coalesce(output_status, 'completed'), "
    "output_body, coalesce(output_context, ''), coalesce(output_previous_id, ''), prompt_tokens, "
    "cached_tokens, completion_tokens, reasoning_tokens, estimated, cost, "
    "coalesce(output_created_at, created_at), output_expires_at";
inline constexpr std::string_view kUsageOutputInsertColumns =
    "output_id, output_status, output_body, output_context, output_previous_id, "
    "output_created_at, output_expires_at";
inline constexpr int kUsageOutputParams = 7;
// Clears a usage row's output (deleted or expired): the row stays, for billing and reports.
inline constexpr std::string_view kClearUsageOutput =
    "UPDATE usage SET output_id = NULL, output_status = NULL, output_body = NULL, "
    "output_context = NULL, output_previous_id = NULL, output_created_at = NULL, "
    "output_expires_at = NULL";
inline constexpr std::string_view kTaskColumns =
    "id, account_id, key_id, path, body, callback_url, status, output_id, http_status, result, "
    "webhook, created_at, updated_at, expires_at";

std::int64_t sqlite_now_ms();

KeyRecord read_key(const SqliteStatement& s);
AccountRecord read_account(const SqliteStatement& s);
LedgerEntry read_ledger(const SqliteStatement& s);
UsageRecord read_usage_row(const SqliteStatement& s);
StoredOutput read_output(const SqliteStatement& s);
TaskRecord read_task(const SqliteStatement& s);

// Every row `s` yields, read by `read` (one of the above).
template <class Read>
auto read_rows(SqliteStatement& s, Read read) {
  std::vector<decltype(read(s))> out;
  while (s.step())
    out.push_back(read(s));
  return out;
}

// Row binders: one row's values at parameters offset+1 ..., in the order of the insert's columns.
// Text is bound without a copy: the row must outlive the step.
void bind_tokens(SqliteStatement& s, int offset, const Usage& u);
void bind_task(SqliteStatement& s, const TaskRecord& t);
// A ledger row with its balance after and creation time (a charge's are the commit's), and its
// change position (0: none, a charge's).
void bind_ledger_row(SqliteStatement& s, int offset, const LedgerEntry& e, NanoUsd balance_after,
                     std::int64_t created_at, std::int64_t rev);
void bind_usage_row(SqliteStatement& s, int offset, const UsageRecord& u);
void bind_output_row(SqliteStatement& s, int offset, const StoredOutput& o);

// The statement that inserts or replaces a task (kTaskColumns; bind_task), keeping its claim.
std::string task_upsert_sql();

}  // namespace glmgate
