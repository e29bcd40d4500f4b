// PostgreSQL rows; see postgres_rows.hpp.
#include "backends/postgres/postgres_rows.hpp"

namespace glmgate {

KeyRecord read_key(const PgResult& r, int row) {
  KeyRecord k;
  k.id = r.text(row, 0);
  k.name = r.text(row, 1);
  k.prefix = r.text(row, 2);
  k.hash = r.text(row, 3);
  k.revoked = r.boolean(row, 4);
  k.admin = r.boolean(row, 5);
  k.account_id = r.text(row, 6);
  k.created_at = r.integer(row, 7);
  k.rev = r.integer(row, 8);
  k.rpm = r.integer(row, 9);
  k.tpm = r.integer(row, 10);
  k.max_concurrency = r.integer(row, 11);
  k.expires_at_ms = r.integer(row, 12);
  k.session_id = r.text(row, 13);
  k.user_id = r.text(row, 14);
  return k;
}

AccountRecord read_account(const PgResult& r, int row) {
  AccountRecord a;
  a.id = r.text(row, 0);
  a.name = r.text(row, 1);
  a.balance = r.integer(row, 2);
  a.reserved = r.integer(row, 3);
  a.spent = r.integer(row, 4);
  a.created_at = r.integer(row, 5);
  a.rev = r.integer(row, 6);
  return a;
}

LedgerEntry read_ledger(const PgResult& r, int row) {
  LedgerEntry e;
  e.id = r.integer(row, 0);
  e.account_id = r.text(row, 1);
  e.kind = r.text(row, 2);
  e.amount = r.integer(row, 3);
  e.balance_after = r.integer(row, 4);
  e.request_id = r.text(row, 5);
  e.note = r.text(row, 6);
  e.origin = r.text(row, 7);
  e.created_at = r.integer(row, 8);
  return e;
}

namespace {
// The token counts as the usage and outputs tables keep them: prompt, cached, completion,
// reasoning, estimated, from column `first` on.
Usage read_tokens(const PgResult& r, int row, int first) {
  Usage u;
  u.prompt_tokens = r.integer(row, first);
  u.cached_tokens = r.integer(row, first + 1);
  u.completion_tokens = r.integer(row, first + 2);
  u.reasoning_tokens = r.integer(row, first + 3);
  u.estimated = r.boolean(row, first + 4);
  return u;
}
}  // namespace

UsageRecord read_usage_row(const PgResult& r, int row) {
  UsageRecord u;
  u.request_id = r.text(row, 0);
  u.key_id = r.text(row, 1);
  u.account_id = r.text(row, 2);
  u.model = r.text(row, 3);
  u.provider = r.text(row, 4);
  u.surface = r.text(row, 5);
  u.status = static_cast<int>(r.integer(row, 6));
  u.stream = r.boolean(row, 7);
  u.free = r.boolean(row, 8);
  u.usage = read_tokens(r, row, 9);
  u.cost = r.integer(row, 14);
  u.latency_us = r.integer(row, 15);
  u.ttft_us = r.integer(row, 16);
  u.created_at = r.integer(row, 17);
  u.served_model = r.text(row, 18);
  u.attempts = static_cast<int>(r.integer(row, 19));
  return u;
}

StoredOutput read_output(const PgResult& r, int row) {
  StoredOutput o;
  o.id = r.text(row, 0);
  o.account_id = r.text(row, 1);
  o.key_id = r.text(row, 2);
  o.surface = r.text(row, 3);
  o.model = r.text(row, 4);
  o.status = r.text(row, 5);
  o.body = r.text(row, 6);
  o.context = r.text(row, 7);
  o.previous_id = r.text(row, 8);
  o.usage = read_tokens(r, row, 9);
  o.cost = r.integer(row, 14);
  o.created_at = r.integer(row, 15);
  o.expires_at = r.integer(row, 16);
  return o;
}

TaskRecord read_task(const PgResult& r, int row) {
  TaskRecord t;
  t.id = r.text(row, 0);
  t.account_id = r.text(row, 1);
  t.key_id = r.text(row, 2);
  t.path = r.text(row, 3);
  t.body = r.text(row, 4);
  t.callback_url = r.text(row, 5);
  t.status = r.text(row, 6);
  t.output_id = r.text(row, 7);
  t.http_status = static_cast<int>(r.integer(row, 8));
  t.result = r.text(row, 9);
  t.webhook = r.text(row, 10);
  t.created_at = r.integer(row, 11);
  t.updated_at = r.integer(row, 12);
  t.expires_at = r.integer(row, 13);
  return t;
}

namespace {
void append_tokens(std::vector<PgArray>& columns, std::size_t first, const Usage& u) {
  columns[first].integer(u.prompt_tokens);
  columns[first + 1].integer(u.cached_tokens);
  columns[first + 2].integer(u.completion_tokens);
  columns[first + 3].integer(u.reasoning_tokens);
  columns[first + 4].boolean(u.estimated);
}
}  // namespace

void append_usage(std::vector<PgArray>& columns, const UsageRecord& u) {
  columns[0].text(u.request_id);
  columns[1].text(u.key_id);
  columns[2].text(u.account_id);
  columns[3].text(u.model);
  columns[4].text(u.provider);
  columns[5].text(u.surface);
  columns[6].integer(u.status);
  columns[7].boolean(u.stream);
  columns[8].boolean(u.free);
  append_tokens(columns, 9, u.usage);
  columns[14].integer(u.cost);
  columns[15].integer(u.latency_us);
  columns[16].integer(u.ttft_us);
  columns[17].integer(u.created_at);
  columns[18].text(u.served_model);
  columns[19].integer(u.attempts);
}

void append_output(std::vector<PgArray>& columns, const StoredOutput& o) {
  columns[0].text(o.id);
  columns[1].text(o.account_id);
  columns[2].text(o.key_id);
  columns[3].text(o.surface);
  columns[4].text(o.model);
  columns[5].text(o.status);
  columns[6].text(o.body);
  columns[7].text(o.context);
  columns[8].text(o.previous_id);
  append_tokens(columns, 9, o.usage);
  columns[14].integer(o.cost);
  columns[15].integer(o.created_at);
  columns[16].integer(o.expires_at);
}

void append_task(std::vector<PgArray>& columns, const TaskRecord& t) {
  columns[0].text(t.id);
  columns[1].text(t.account_id);
  columns[2].text(t.key_id);
  columns[3].text(t.path);
  columns[4].text(t.body);
  columns[5].text(t.callback_url);
  columns[6].text(t.status);
  columns[7].text(t.output_id);
  columns[8].integer(t.http_status);
  columns[9].text(t.result);
  columns[10].text(t.webhook);
  columns[11].integer(t.created_at);
  columns[12].integer(t.updated_at);
  columns[13].integer(t.expires_at);
}

void add_columns(PgParams& params, std::vector<PgArray>& columns) {
  for (auto& column : columns)
    params.array(column);
}

std::string pg_unnest(std::span<const std::string_view> types, int first) {
  std::string out = "unnest(";
  for (std::size_t i = 0; i < types.size(); ++i) {
    out += (i ? ", $" : "$") + std::to_string(first + static_cast<int>(i)) + "::";
    out += types[i];
    out += "[]";
  }
  return out + ")";
}

std::string pg_insert_rows(std::string_view table, std::string_view columns,
                           std::span<const std::string_view> types, std::string_view on_conflict) {
  return "INSERT INTO " + std::string(table) + " (" + std::string(columns) + ") SELECT * FROM " +
         pg_unnest(types, 1) + " " + std::string(on_conflict);
}

std::string pg_upsert_rows(std::string_view table, std::string_view columns,
                           std::span<const std::string_view> types, std::string_view where) {
  std::string set;
  std::size_t at = columns.find(',');
  while (at != std::string_view::npos) {
    std::size_t begin = columns.find_first_not_of(' ', at + 1);
    at = columns.find(',', begin);
    std::string_view name = columns.substr(begin, at == std::string_view::npos ? at : at - begin);
    set += (set.empty() ? "" : ", ") + std::string(name) + " = excluded." + std::string(name);
  }
  if (!where.empty()) set += " WHERE " + std::string(where);
  // Rows in byte order of their IDs: writers of the same rows (a claims renewal) lock them in one
  // order, and never deadlock.
  return "INSERT INTO " + std::string(table) + " (" + std::string(columns) + ") SELECT * FROM " +
         pg_unnest(types, 1) + " AS u (" + std::string(columns) +
         ") ORDER BY u.id COLLATE \"C\" ON CONFLICT (id) DO UPDATE SET " + set;
}

std::string pg_task_upsert() {
  return pg_upsert_rows("tasks", kPgTaskColumns, kPgTaskTypes,
                        "tasks.status IN ('queued', 'in_progress') OR excluded.status NOT IN "
                        "('queued', 'in_progress')");
}

}  // namespace glmgate
