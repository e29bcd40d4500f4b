// SQLite rows; see sqlite_rows.hpp.
#include "backends/sqlite/sqlite_rows.hpp"

#include <chrono>
#include <string>

namespace glmgate {

std::int64_t sqlite_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

KeyRecord read_key(const SqliteStatement& s) {
  KeyRecord k;
  k.id = s.text(0);
  k.name = s.text(1);
  k.prefix = s.text(2);
  k.hash = s.text(3);
  k.revoked = s.integer(4) != 0;
  k.admin = s.integer(5) != 0;
  k.account_id = s.text(6);
  k.created_at = s.integer(7);
  k.rev = s.integer(8);
  k.rpm = s.integer(9);
  k.tpm = s.integer(10);
  k.max_concurrency = s.integer(11);
  k.expires_at_ms = s.integer(12);
  k.session_id = s.text(13);
  k.user_id = s.text(14);
  return k;
}

AccountRecord read_account(const SqliteStatement& s) {
  AccountRecord a;
  a.id = s.text(0);
  a.name = s.text(1);
  a.balance = s.integer(2);
  a.reserved = s.integer(3);
  a.spent = s.integer(4);
  a.created_at = s.integer(5);
  a.rev = s.integer(6);
  return a;
}

LedgerEntry read_ledger(const SqliteStatement& s) {
  LedgerEntry e;
  e.id = s.integer(0);
  e.account_id = s.text(1);
  e.kind = s.text(2);
  e.amount = s.integer(3);
  e.balance_after = s.integer(4);
  e.request_id = s.text(5);
  e.note = s.text(6);
  e.origin = s.text(7);
  e.created_at = s.integer(8);
  return e;
}

namespace {
// The token counts as the usage and outputs tables keep them: prompt, cached, completion,
// reasoning, estimated, from column `first` on.
Usage read_tokens(const SqliteStatement& s, int first) {
  Usage u;
  u.prompt_tokens = s.integer(first);
  u.cached_tokens = s.integer(first + 1);
  u.completion_tokens = s.integer(first + 2);
  u.reasoning_tokens = s.integer(first + 3);
  u.estimated = s.integer(first + 4) != 0;
  return u;
}
}  // namespace

UsageRecord read_usage_row(const SqliteStatement& s) {
  UsageRecord u;
  u.request_id = s.text(0);
  u.key_id = s.text(1);
  u.account_id = s.text(2);
  u.model = s.text(3);
  u.provider = s.text(4);
  u.surface = s.text(5);
  u.status = static_cast<int>(s.integer(6));
  u.stream = s.integer(7) != 0;
  u.free = s.integer(8) != 0;
  u.usage = read_tokens(s, 9);
  u.cost = s.integer(14);
  u.latency_us = s.integer(15);
  u.ttft_us = s.integer(16);
  u.created_at = s.integer(17);
  u.served_model = s.text(18);
  u.attempts = static_cast<int>(s.integer(19));
  return u;
}

StoredOutput read_output(const SqliteStatement& s) {
  StoredOutput o;
  o.id = s.text(0);
  o.account_id = s.text(1);
  o.key_id = s.text(2);
  o.surface = s.text(3);
  o.model = s.text(4);
  o.status = s.text(5);
  o.body = s.text(6);
  o.context = s.text(7);
  o.previous_id = s.text(8);
  o.usage = read_tokens(s, 9);
  o.cost = s.integer(14);
  o.created_at = s.integer(15);
  o.expires_at = s.integer(16);
  return o;
}

TaskRecord read_task(const SqliteStatement& s) {
  TaskRecord t;
  t.id = s.text(0);
  t.account_id = s.text(1);
  t.key_id = s.text(2);
  t.path = s.text(3);
  t.body = s.text(4);
  t.callback_url = s.text(5);
  t.status = s.text(6);
  t.output_id = s.text(7);
  t.http_status = static_cast<int>(s.integer(8));
  t.result = s.text(9);
  t.webhook = s.text(10);
  t.created_at = s.integer(11);
  t.updated_at = s.integer(12);
  t.expires_at = s.integer(13);
  return t;
}

void bind_tokens(SqliteStatement& s, int offset, const Usage& u) {
  s.bind(offset + 1, u.prompt_tokens).bind(offset + 2, u.cached_tokens);
  s.bind(offset + 3, u.completion_tokens).bind(offset + 4, u.reasoning_tokens);
  s.bind(offset + 5, std::int64_t{u.estimated});
}

void bind_task(SqliteStatement& s, const TaskRecord& t) {
  s.bind(1, t.id).bind(2, t.account_id).bind(3, t.key_id).bind(4, t.path).bind(5, t.body);
  s.bind(6, t.callback_url).bind(7, t.status).bind(8, t.output_id);
  s.bind(9, std::int64_t{t.http_status}).bind(10, t.result).bind(11, t.webhook);
  s.bind(12, t.created_at).bind(13, t.updated_at).bind(14, t.expires_at);
}

void bind_ledger_row(SqliteStatement& s, int offset, const LedgerEntry& e, NanoUsd balance_after,
                     std::int64_t created_at, std::int64_t rev) {
  s.bind_view(offset + 1, e.account_id).bind_view(offset + 2, e.kind);
  s.bind(offset + 3, e.amount).bind(offset + 4, balance_after);
  s.bind_view(offset + 5, e.request_id).bind_view(offset + 6, e.note);
  s.bind_view(offset + 7, e.origin).bind(offset + 8, created_at);
  if (rev != 0)
    s.bind(offset + 9, rev);
  else
    s.bind_null(offset + 9);
}

void bind_usage_row(SqliteStatement& s, int offset, const UsageRecord& u) {
  s.bind_view(offset + 1, u.request_id).bind_view(offset + 2, u.key_id);
  s.bind_view(offset + 3, u.account_id).bind_view(offset + 4, u.model);
  s.bind_view(offset + 5, u.provider).bind_view(offset + 6, u.surface);
  s.bind(offset + 7, std::int64_t{u.status}).bind(offset + 8, std::int64_t{u.stream});
  s.bind(offset + 9, std::int64_t{u.free});
  bind_tokens(s, offset + 9, u.usage);
  s.bind(offset + 15, u.cost).bind(offset + 16, u.latency_us).bind(offset + 17, u.ttft_us);
  s.bind(offset + 18, u.created_at);
  s.bind_view(offset + 19, u.served_model).bind(offset + 20, std::int64_t{u.attempts});
}

void bind_output_row(SqliteStatement& s, int offset, const StoredOutput& o) {
  s.bind_view(offset + 1, o.id).bind_view(offset + 2, o.account_id);
  s.bind_view(offset + 3, o.key_id).bind_view(offset + 4, o.surface);
  s.bind_view(offset + 5, o.model).bind_view(offset + 6, o.status);
  s.bind_view(offset + 7, o.body).bind_view(offset + 8, o.context);
  s.bind_view(offset + 9, o.previous_id);
  bind_tokens(s, offset + 9, o.usage);
  s.bind(offset + 15, o.cost).bind(offset + 16, o.created_at).bind(offset + 17, o.expires_at);
}

// Keeps the row's claim columns; an ended task stays ended (contracts/store/task_store.hpp).
std::string task_upsert_sql() {
  return "INSERT INTO tasks (" + std::string(kTaskColumns) +
         ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
         "account_id = excluded.account_id, key_id = excluded.key_id, path = excluded.path, body "
         "= excluded.body, callback_url = excluded.callback_url, status = excluded.status, "
         "output_id = excluded.output_id, http_status = excluded.http_status, result = "
         "excluded.result, webhook = excluded.webhook, created_at = excluded.created_at, "
         "updated_at = excluded.updated_at, expires_at = excluded.expires_at WHERE tasks.status "
         "IN ('queued', 'in_progress') OR excluded.status NOT IN ('queued', 'in_progress')";
}

}  // namespace glmgate
