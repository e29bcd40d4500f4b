// How the PostgreSQL backend lays the records out: each table's columns in the order its reader
// uses them, and those readers (one row of a result); and how rows are written many at a time,
// as one array per column (PgArray) that the statement unnests. Shared by the concern files of
// PostgresStore (postgres_store.hpp); private to this folder.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/postgres/postgres_connection.hpp"
#include "contracts/records.hpp"

namespace glmgate {

inline constexpr std::string_view kPgKeyColumns =
    "id, name, prefix, hash, revoked, admin, account_id, created_at, rev, rpm, tpm, "
    "max_concurrency, expires_at, session_id, user_id";
// `reserved` is the sum of the holds of every instance whose lease on the account is live (an
// instance killed with holds open leaves rows that count no more once its lease runs out).
inline constexpr std::string_view kPgAccountColumns =
    "id, name, balance, (SELECT coalesce(sum(r.amount), 0)::bigint FROM reservations r WHERE "
    "r.account_id = accounts.id AND EXISTS (SELECT 1 FROM leases l WHERE l.account_id = "
    "r.account_id AND l.instance = r.instance AND l.expires_at > (extract(epoch FROM "
    "clock_timestamp()) * 1000)::bigint)), spent, created_at, rev";
inline constexpr std::string_view kPgLedgerColumns =
    "id, account_id, kind, amount, balance_after, request_id, note, origin, created_at";
inline constexpr std::string_view kPgUsageColumns =
    "request_id, key_id, account_id, model, provider, surface, status, stream, free, "
    "prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, estimated, cost, "
    "latency_us, ttft_us, created_at, served_model, attempts";
// A charge kept in its usage row (migration 0006), read as a ledger row (kPgLedgerColumns'
// order): its note is the model, as a charge row's is.
inline constexpr std::string_view kPgUsageChargeColumns =
    "ledger_id, account_id, 'charge', -cost, balance_after, request_id, model, "
    "coalesce(charge_origin, ''), created_at";
// The columns a usage row keeps its call's output in, as the batch commit writes them.
inline constexpr std::string_view kPgUsageOutputInsertColumns =
    "output_id, output_status, output_body, output_context, output_previous_id, "
    "output_created_at, output_expires_at";
// An output kept in its usage row, read as an outputs row (kPgOutputColumns' order).
inline constexpr std::string_view kPgUsageOutputColumns =
    "output_id, account_id, key_id, surface, model, coalesce(output_status, 'completed'), "
    "output_body, coalesce(output_context, ''), coalesce(output_previous_id, ''), prompt_tokens, "
    "cached_tokens, completion_tokens, reasoning_tokens, estimated, cost, "
    "coalesce(output_created_at, created_at), output_expires_at";
// Clears a usage row's output (deleted or expired): the row stays, for billing and reports.
inline constexpr std::string_view kPgClearUsageOutput =
    "UPDATE usage SET output_id = NULL, output_status = NULL, output_body = NULL, "
    "output_context = NULL, output_previous_id = NULL, output_created_at = NULL, "
    "output_expires_at = NULL";
inline constexpr std::string_view kPgOutputColumns =
    "id, account_id, key_id, surface, model, status, body, context, previous_id, prompt_tokens, "
    "cached_tokens, completion_tokens, reasoning_tokens, estimated, cost, created_at, expires_at";
inline constexpr std::string_view kPgTaskColumns =
    "id, account_id, key_id, path, body, callback_url, status, output_id, http_status, result, "
    "webhook, created_at, updated_at, expires_at";

// The types of the columns above, for the arrays that carry a batch of rows (usage: its 20).
inline constexpr std::string_view kPgUsageTypes[] = {
    "text",    "text",    "text",   "text",   "text",   "text",   "integer",
    "boolean", "boolean", "bigint", "bigint", "bigint", "bigint", "boolean",
    "bigint",  "bigint",  "bigint", "bigint", "text",   "integer"};
inline constexpr std::string_view kPgOutputTypes[] = {
    "text",   "text",   "text",   "text",   "text",    "text",   "text",   "text",  "text",
    "bigint", "bigint", "bigint", "bigint", "boolean", "bigint", "bigint", "bigint"};
inline constexpr std::string_view kPgTaskTypes[] = {"text", "text",   "text",   "text",    "text",
                                                    "text", "text",   "text",   "integer", "text",
                                                    "text", "bigint", "bigint", "bigint"};

KeyRecord read_key(const PgResult& r, int row);
AccountRecord read_account(const PgResult& r, int row);
LedgerEntry read_ledger(const PgResult& r, int row);
UsageRecord read_usage_row(const PgResult& r, int row);
StoredOutput read_output(const PgResult& r, int row);
TaskRecord read_task(const PgResult& r, int row);

// One row more in `columns` (one array per column, in the order of the columns above).
void append_usage(std::vector<PgArray>& columns, const UsageRecord& u);
void append_output(std::vector<PgArray>& columns, const StoredOutput& o);
void append_task(std::vector<PgArray>& columns, const TaskRecord& t);
// Each column's literal, as the next parameters of `params`.
void add_columns(PgParams& params, std::vector<PgArray>& columns);
// "unnest($first::type[], ...)": the rows of the arrays passed from parameter `first` on.
std::string pg_unnest(std::span<const std::string_view> types, int first);
// Inserts into `table` the rows of the arrays from $1 on (`types`: the types of `columns`), with
// `on_conflict` ("ON CONFLICT ...").
std::string pg_insert_rows(std::string_view table, std::string_view columns,
                           std::span<const std::string_view> types, std::string_view on_conflict);
// The same, a row replacing the one of its ID (the first column) in every other column (when
// `where` holds, if given); the rows in byte order of their IDs.
std::string pg_upsert_rows(std::string_view table, std::string_view columns,
                           std::span<const std::string_view> types, std::string_view where = {});
// Replaces tasks (kPgTaskColumns) as TaskStore says: the claim kept, an ended task kept ended.
std::string pg_task_upsert();

// What a usage insert RETURNs for the rollups, and the WITH items ("rolled AS (…), hourly AS
// (…), …") that add the rows of `source` (which has those columns) to every rollup (migrations
// 0009 and 0011), in key order so that concurrent writers lock rows alike (postgres_reports.cpp).
inline constexpr std::string_view kPgRollupReturning =
    "account_id, created_at, model, status, prompt_tokens, cached_tokens, completion_tokens, "
    "reasoning_tokens, cost, latency_us, ttft_us";
std::string pg_rollups(std::string_view source);
// The same WITH items but `rolled`'s, for a statement that brings its own `rolled` (account_id,
// hour, model, then kSums' columns: requests, errors, the four token counts, cost, latency_us,
// ttft_us).
std::string pg_rollup_upserts();

// Every row of `r`, read by `read` (one of the above).
template <class Read>
auto read_rows(const PgResult& r, Read read) {
  std::vector<decltype(read(r, 0))> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(read(r, i));
  return out;
}

}  // namespace glmgate
