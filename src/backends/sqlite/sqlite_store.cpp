// SQLite implementation of Store: WAL mode so the CLI and a running server share one file.
// A mutex serializes this process's use of the connection; SQLite's own locking (with a busy
// timeout) serializes the processes.
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "backends/sqlite/sqlite_db.hpp"
#include "contracts/store.hpp"
#include "core/yield_point.hpp"

namespace glmgate {

namespace {

// Each entry runs once, in order; the schema's version is the number applied.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  revoked INTEGER NOT NULL DEFAULT 0,
  admin INTEGER NOT NULL DEFAULT 0,
  account_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  rev INTEGER NOT NULL
);
CREATE INDEX api_keys_rev ON api_keys(rev);
)sql",
    R"sql(
ALTER TABLE api_keys ADD COLUMN rpm INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN tpm INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN max_concurrency INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_keys_account ON api_keys(account_id);
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  balance INTEGER NOT NULL DEFAULT 0,
  reserved INTEGER NOT NULL DEFAULT 0,
  spent INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  rev INTEGER NOT NULL
);
CREATE INDEX accounts_rev ON accounts(rev);
CREATE TABLE ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  kind TEXT NOT NULL,
  amount INTEGER NOT NULL,
  balance_after INTEGER NOT NULL,
  request_id TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX ledger_account ON ledger(account_id, id);
CREATE TABLE usage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  surface TEXT NOT NULL,
  status INTEGER NOT NULL,
  stream INTEGER NOT NULL,
  free INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  estimated INTEGER NOT NULL,
  cost INTEGER NOT NULL,
  latency_us INTEGER NOT NULL,
  ttft_us INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX usage_account_time ON usage(account_id, created_at);
CREATE INDEX usage_free ON usage(account_id, model) WHERE free = 1;
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql",
    R"sql(
ALTER TABLE accounts ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';
CREATE TABLE outputs (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  surface TEXT NOT NULL,
  model TEXT NOT NULL,
  status TEXT NOT NULL,
  body TEXT NOT NULL,
  context TEXT NOT NULL,
  previous_id TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  estimated INTEGER NOT NULL,
  cost INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX outputs_expiry ON outputs(expires_at) WHERE expires_at > 0;
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  path TEXT NOT NULL,
  body TEXT NOT NULL,
  callback_url TEXT NOT NULL,
  status TEXT NOT NULL,
  output_id TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  result TEXT NOT NULL,
  webhook TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX tasks_open ON tasks(status) WHERE status IN ('queued', 'in_progress');
CREATE INDEX tasks_expiry ON tasks(expires_at) WHERE expires_at > 0;
CREATE INDEX ledger_task ON ledger(request_id) WHERE request_id GLOB 'task_*';
)sql",
    // The rows the store sync reads: grants, adjustments and refunds. Charges are written only
    // by the store's one server, which has them in memory already.
    R"sql(
CREATE INDEX ledger_external ON ledger(id) WHERE kind <> 'charge';
)sql",
    // A call's charge is kept in its usage row: ledger_id (drawn from the ledger's own sequence)
    // and balance_after are set on the rows that are charges, NULL on the others and on rows
    // from before, whose charges are ledger rows.
    R"sql(
ALTER TABLE usage ADD COLUMN ledger_id INTEGER;
ALTER TABLE usage ADD COLUMN balance_after INTEGER;
)sql",
    // A call's stored output is kept in its usage row, which has its account, key, surface,
    // model, usage and cost already; the outputs table keeps tasks' outputs, outputs whose call's
    // row went in another batch, and those of stores written before. The row's output columns
    // are NULL when it holds none; status NULL is 'completed', context and previous_id NULL are
    // empty, output_created_at NULL is the row's created_at.
    R"sql(
ALTER TABLE usage ADD COLUMN output_id TEXT;
ALTER TABLE usage ADD COLUMN output_status TEXT;
ALTER TABLE usage ADD COLUMN output_body TEXT;
ALTER TABLE usage ADD COLUMN output_context TEXT;
ALTER TABLE usage ADD COLUMN output_previous_id TEXT;
ALTER TABLE usage ADD COLUMN output_created_at INTEGER;
ALTER TABLE usage ADD COLUMN output_expires_at INTEGER;
CREATE INDEX usage_output ON usage(output_id) WHERE output_id IS NOT NULL;
CREATE INDEX usage_output_expiry ON usage(output_expires_at) WHERE output_expires_at > 0;
)sql",
};

constexpr std::string_view kKeyColumns =
    "id, name, prefix, hash, revoked, admin, account_id, created_at, rev, rpm, tpm, "
    "max_concurrency";
constexpr std::string_view kAccountColumns = "id, name, balance, reserved, spent, created_at, rev";
constexpr std::string_view kLedgerColumns =
    "id, account_id, kind, amount, balance_after, request_id, note, origin, created_at";
// A charge kept in its usage row, read as a ledger row (kLedgerColumns' order): its note is the
// model, as a charge row's was; it has no origin.
constexpr std::string_view kUsageChargeColumns =
    "ledger_id, account_id, 'charge', -cost, balance_after, request_id, model, '', created_at";
constexpr std::string_view kUsageColumns =
    "request_id, key_id, account_id, model, provider, surface, status, stream, free, "
    "prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, estimated, cost, "
    "latency_us, ttft_us, created_at";

constexpr std::string_view kOutputColumns =
    "id, account_id, key_id, surface, model, status, body, context, previous_id, prompt_tokens, "
    "cached_tokens, completion_tokens, reasoning_tokens, estimated, cost, created_at, expires_at";
// An output kept in its usage row, read as an outputs row (kOutputColumns' order).
constexpr std::string_view kUsageOutputColumns =
    "output_id, account_id, key_id, surface, model, coalesce(output_status, 'completed'), "
    "output_body, coalesce(output_context, ''), coalesce(output_previous_id, ''), prompt_tokens, "
    "cached_tokens, completion_tokens, reasoning_tokens, estimated, cost, "
    "coalesce(output_created_at, created_at), output_expires_at";
constexpr std::string_view kUsageOutputInsertColumns =
    "output_id, output_status, output_body, output_context, output_previous_id, "
    "output_created_at, output_expires_at";
constexpr int kUsageOutputParams = 7;  // kUsageOutputInsertColumns
// Clears a usage row's output (deleted or expired): the row stays, for billing and reports.
constexpr std::string_view kClearUsageOutput =
    "UPDATE usage SET output_id = NULL, output_status = NULL, output_body = NULL, "
    "output_context = NULL, output_previous_id = NULL, output_created_at = NULL, "
    "output_expires_at = NULL";
constexpr std::string_view kTaskColumns =
    "id, account_id, key_id, path, body, callback_url, status, output_id, http_status, result, "
    "webhook, created_at, updated_at, expires_at";

std::int64_t now_ms() {
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

void bind_tokens(SqliteStatement& s, int offset, const Usage& u) {
  s.bind(offset + 1, u.prompt_tokens).bind(offset + 2, u.cached_tokens);
  s.bind(offset + 3, u.completion_tokens).bind(offset + 4, u.reasoning_tokens);
  s.bind(offset + 5, std::int64_t{u.estimated});
}

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

void bind_task(SqliteStatement& s, const TaskRecord& t) {
  s.bind(1, t.id).bind(2, t.account_id).bind(3, t.key_id).bind(4, t.path).bind(5, t.body);
  s.bind(6, t.callback_url).bind(7, t.status).bind(8, t.output_id);
  s.bind(9, std::int64_t{t.http_status}).bind(10, t.result).bind(11, t.webhook);
  s.bind(12, t.created_at).bind(13, t.updated_at).bind(14, t.expires_at);
}

// Row binders for the writer's inserts: one row's values at parameters offset+1 ..., in the
// order of the insert's columns. Text is bound without a copy: the row must outlive the step.
constexpr int kLedgerInsertParams = 8;
constexpr std::string_view kLedgerInsertColumns =
    "account_id, kind, amount, balance_after, request_id, note, origin, created_at";

// A background task's request ID, as the ledger_task index and charges_for() select them.
bool is_task_request(std::string_view request_id) {
  return request_id.substr(0, 5) == "task_";
}

// A charge of the writer's batch with the figures the commit adds (no copy of its strings).
struct ChargeRow {
  const LedgerEntry* entry;
  NanoUsd balance_after;
  std::int64_t created_at;
};

void bind_charge_row(SqliteStatement& s, int offset, const ChargeRow& row) {
  const LedgerEntry& e = *row.entry;
  s.bind_view(offset + 1, e.account_id).bind_view(offset + 2, e.kind);
  s.bind(offset + 3, e.amount).bind(offset + 4, row.balance_after);
  s.bind_view(offset + 5, e.request_id).bind_view(offset + 6, e.note);
  s.bind_view(offset + 7, e.origin).bind(offset + 8, row.created_at);
}

void bind_ledger_row(SqliteStatement& s, int offset, const LedgerEntry& row) {
  bind_charge_row(s, offset, {&row, row.balance_after, row.created_at});
}

constexpr int kUsageParams = 18;  // kUsageColumns

void bind_usage_row(SqliteStatement& s, int offset, const UsageRecord& u) {
  s.bind_view(offset + 1, u.request_id).bind_view(offset + 2, u.key_id);
  s.bind_view(offset + 3, u.account_id).bind_view(offset + 4, u.model);
  s.bind_view(offset + 5, u.provider).bind_view(offset + 6, u.surface);
  s.bind(offset + 7, std::int64_t{u.status}).bind(offset + 8, std::int64_t{u.stream});
  s.bind(offset + 9, std::int64_t{u.free});
  bind_tokens(s, offset + 9, u.usage);
  s.bind(offset + 15, u.cost).bind(offset + 16, u.latency_us).bind(offset + 17, u.ttft_us);
  s.bind(offset + 18, u.created_at);
}

// A usage row of the writer's batch, with its call's charge (the balance after it) and its
// call's output when the row keeps them.
struct UsageRow {
  const UsageRecord* record;
  std::int64_t ledger_id = 0;  // 0: not a charge
  NanoUsd balance_after = 0;
  const StoredOutput* output = nullptr;
};

// True when `o` is the output of the call `u` records, with the same account, key, surface,
// model, usage and cost, which the row then keeps once for both.
bool row_can_keep(const UsageRecord& u, const StoredOutput& o) {
  const Usage &a = u.usage, &b = o.usage;
  return u.output_id == o.id && u.account_id == o.account_id && u.key_id == o.key_id &&
         u.surface == o.surface && u.model == o.model && u.cost == o.cost &&
         a.prompt_tokens == b.prompt_tokens && a.completion_tokens == b.completion_tokens &&
         a.cached_tokens == b.cached_tokens && a.reasoning_tokens == b.reasoning_tokens &&
         a.estimated == b.estimated;
}

void bind_text_or_null(SqliteStatement& s, int index, std::string_view text,
                       std::string_view null_value) {
  if (text == null_value)
    s.bind_null(index);
  else
    s.bind_view(index, text);
}

void bind_usage_insert_row(SqliteStatement& s, int offset, const UsageRow& row) {
  bind_usage_row(s, offset, *row.record);
  offset += kUsageParams;
  if (row.ledger_id != 0)
    s.bind(offset + 1, row.ledger_id).bind(offset + 2, row.balance_after);
  else
    s.bind_null(offset + 1).bind_null(offset + 2);
  offset += 2;
  const StoredOutput* o = row.output;
  if (!o) {
    for (int i = 1; i <= kUsageOutputParams; ++i)
      s.bind_null(offset + i);
    return;
  }
  s.bind_view(offset + 1, o->id);
  bind_text_or_null(s, offset + 2, o->status, "completed");
  s.bind_view(offset + 3, o->body);
  bind_text_or_null(s, offset + 4, o->context, "");
  bind_text_or_null(s, offset + 5, o->previous_id, "");
  if (o->created_at == row.record->created_at)
    s.bind_null(offset + 6);
  else
    s.bind(offset + 6, o->created_at);
  s.bind(offset + 7, o->expires_at);
}

constexpr int kOutputParams = 17;  // kOutputColumns

void bind_output_row(SqliteStatement& s, int offset, const StoredOutput& o) {
  s.bind_view(offset + 1, o.id).bind_view(offset + 2, o.account_id);
  s.bind_view(offset + 3, o.key_id).bind_view(offset + 4, o.surface);
  s.bind_view(offset + 5, o.model).bind_view(offset + 6, o.status);
  s.bind_view(offset + 7, o.body).bind_view(offset + 8, o.context);
  s.bind_view(offset + 9, o.previous_id);
  bind_tokens(s, offset + 9, o.usage);
  s.bind(offset + 15, o.cost).bind(offset + 16, o.created_at).bind(offset + 17, o.expires_at);
}

void bind_output_pointer_row(SqliteStatement& s, int offset, const StoredOutput* const& o) {
  bind_output_row(s, offset, *o);
}

// WHERE clause and bindings shared by the usage queries.
struct UsageFilter {
  std::string where;
  explicit UsageFilter(const UsageQuery& q) {
    if (q.account_id) where += " AND account_id = ?1";
    if (q.since_ms) where += " AND created_at >= ?2";
    if (!where.empty()) where = " WHERE" + where.substr(4);
  }
  static void bind(SqliteStatement& s, const UsageQuery& q) {
    if (q.account_id) s.bind(1, *q.account_id);
    if (q.since_ms) s.bind(2, *q.since_ms);
  }
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::string& path) : db_(path) {
    // 16 KB pages (a new database only; an existing one keeps its size): the writer's commits
    // append whole pages to the WAL and copy them again at checkpoints, and with 4 KB pages the
    // kernel's cost per page made the writer spend a fifth more CPU per request.
    // Statement journals in memory: every multi-row INSERT keeps one, and SQLite spills it to a
    // temporary file past 64 KB (four of these pages), which made the writer write each page it
    // touched twice more. A 16 MB page cache holds a whole 200 ms batch, so the writer stops
    // spilling dirty pages to the WAL mid-transaction and reading them back.
    // Foreign keys are not enforced (SQLite's default): every ledger row is written in the
    // transaction that first updates its account's balance, which proves the account exists, and
    // accounts are never deleted. Enforcing them cost a lookup per charge and, with it, a
    // statement journal for every multi-row insert of the writer (see insert_rows()).
    db_.exec(
        "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384;");
    migrate();
  }

  void insert_key(const KeyRecord& key) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction tx(db_);
    if (!key.account_id.empty()) {
      auto q = db_.prepare("SELECT 1 FROM accounts WHERE id = ?");
      q.bind(1, key.account_id);
      if (!q.step()) throw StoreConflict("no account has the id \"" + key.account_id + "\"");
    }
    auto s = db_.prepare(
        "INSERT INTO api_keys (id, name, prefix, hash, revoked, admin, account_id, created_at, "
        "rev, rpm, tpm, max_concurrency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
        "(SELECT COALESCE(MAX(rev), 0) + 1 FROM api_keys), ?, ?, ?)");
    s.bind(1, key.id).bind(2, key.name).bind(3, key.prefix).bind(4, key.hash);
    s.bind(5, std::int64_t{key.revoked}).bind(6, std::int64_t{key.admin});
    s.bind(7, key.account_id).bind(8, key.created_at);
    s.bind(9, key.rpm).bind(10, key.tpm).bind(11, key.max_concurrency);
    s.step();
    tx.commit();
  }

  std::vector<KeyRecord> list_keys(const std::optional<std::string>& account_id) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT " + std::string(kKeyColumns) + " FROM api_keys" +
                         (account_id ? " WHERE account_id = ?" : "") + " ORDER BY created_at, id");
    if (account_id) s.bind(1, *account_id);
    std::vector<KeyRecord> out;
    while (s.step())
      out.push_back(read_key(s));
    return out;
  }

  bool revoke_key(const std::string& id) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(
        "UPDATE api_keys SET revoked = 1, rev = (SELECT MAX(rev) + 1 FROM api_keys) WHERE id = ?");
    s.bind(1, id);
    s.step();
    return db_.changes() > 0;
  }

  std::optional<KeyRecord> find_key(const std::string& id) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT " + std::string(kKeyColumns) + " FROM api_keys WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_key(s);
  }

  std::int64_t count_keys() override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT COUNT(*) FROM api_keys");
    s.step();
    return s.integer(0);
  }

  void insert_account(const AccountRecord& a) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction tx(db_);
    auto q = db_.prepare("SELECT 1 FROM accounts WHERE name = ? OR id = ?");
    q.bind(1, a.name).bind(2, a.name);
    if (q.step()) throw StoreConflict("an account named \"" + a.name + "\" already exists");
    auto s = db_.prepare(
        "INSERT INTO accounts (id, name, balance, reserved, spent, created_at, rev) VALUES "
        "(?, ?, 0, 0, 0, ?, (SELECT COALESCE(MAX(rev), 0) + 1 FROM accounts))");
    s.bind(1, a.id).bind(2, a.name).bind(3, a.created_at);
    s.step();
    tx.commit();
  }

  std::optional<AccountRecord> find_account(const std::string& id_or_name) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT " + std::string(kAccountColumns) +
                         " FROM accounts WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC");
    s.bind(1, id_or_name);
    if (!s.step()) return std::nullopt;
    return read_account(s);
  }

  std::vector<AccountRecord> list_accounts() override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT " + std::string(kAccountColumns) +
                         " FROM accounts ORDER BY created_at, id");
    std::vector<AccountRecord> out;
    while (s.step())
      out.push_back(read_account(s));
    return out;
  }

  LedgerEntry append_ledger(const LedgerEntry& entry) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction tx(db_);
    auto update =
        db_.prepare("UPDATE accounts SET balance = balance + ?1 WHERE id = ?2 RETURNING balance");
    auto insert = prepare_ledger_insert();
    auto row = apply_ledger(update, insert, entry);
    if (!row) throw StoreConflict("no account has the id \"" + entry.account_id + "\"");
    tx.commit();
    return *row;
  }

  std::vector<LedgerEntry> ledger(const std::string& account_id) override {
    std::lock_guard lock(mutex_);
    // The account's ledger rows and the charges kept in its usage rows, in the ledger's ID order.
    auto s = db_.prepare("SELECT " + std::string(kLedgerColumns) +
                         " FROM ledger WHERE account_id = ?1 UNION ALL SELECT " +
                         std::string(kUsageChargeColumns) +
                         " FROM usage WHERE account_id = ?1 AND ledger_id IS NOT NULL ORDER BY 1");
    s.bind(1, account_id);
    std::vector<LedgerEntry> out;
    while (s.step())
      out.push_back(read_ledger(s));
    return out;
  }

  void commit(const WriteBatch& batch) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction tx(db_);
    std::vector<UsageRow> usage_rows;
    usage_rows.reserve(batch.usage.size());
    for (const auto& u : batch.usage)
      usage_rows.push_back({&u});
    if (!batch.charges.empty()) apply_charges(batch, usage_rows);
    std::vector<const StoredOutput*> own_rows = pair_outputs(batch, usage_rows);
    insert_rows("INSERT OR FAIL INTO usage (" + std::string(kUsageColumns) +
                    ", ledger_id, balance_after, " + std::string(kUsageOutputInsertColumns) + ")",
                kUsageParams + 2 + kUsageOutputParams, usage_rows, bind_usage_insert_row);
    // OR IGNORE: an ID already stored (it cannot be: each call draws a new one) must not fail the
    // batch, which the writer would then retry forever.
    insert_rows("INSERT OR IGNORE INTO outputs (" + std::string(kOutputColumns) + ")",
                kOutputParams, own_rows, bind_output_pointer_row);
    insert_rows("INSERT OR REPLACE INTO outputs (" + std::string(kOutputColumns) + ")",
                kOutputParams, batch.task_outputs, bind_output_row);
    if (!batch.tasks.empty()) {
      auto s = prepare_task_upsert();
      for (const auto& t : batch.tasks) {
        s.reset();
        bind_task(s, t);
        s.step();
        yield_point();
      }
    }
    if (!batch.reserved.empty()) {
      auto s = db_.prepare("UPDATE accounts SET reserved = ? WHERE id = ?");
      for (const auto& [id, amount] : batch.reserved) {
        s.reset();
        s.bind(1, amount).bind(2, id);
        s.step();
        yield_point();
      }
    }
    tx.commit();
  }

  std::vector<UsageRecord> usage(const UsageQuery& q) override {
    std::lock_guard lock(mutex_);
    UsageFilter f(q);
    auto s = db_.prepare("SELECT " + std::string(kUsageColumns) + " FROM usage" + f.where +
                         " ORDER BY id DESC LIMIT ?3");
    UsageFilter::bind(s, q);
    s.bind(3, q.limit);
    std::vector<UsageRecord> out;
    while (s.step())
      out.push_back(read_usage_row(s));
    return out;
  }

  std::vector<UsageSummary> usage_summary(const UsageQuery& q) override {
    std::lock_guard lock(mutex_);
    UsageFilter f(q);
    std::string day = q.by_day ? "strftime('%Y-%m-%d', created_at / 1000, 'unixepoch')" : "''";
    std::string model = q.by_model ? "model" : "''";
    auto s = db_.prepare("SELECT " + day + " AS d, " + model +
                         " AS m, COUNT(*), SUM(prompt_tokens), SUM(cached_tokens), "
                         "SUM(completion_tokens), SUM(reasoning_tokens), SUM(cost) FROM usage" +
                         f.where + " GROUP BY d, m ORDER BY d, m");
    UsageFilter::bind(s, q);
    std::vector<UsageSummary> out;
    while (s.step()) {
      UsageSummary u;
      u.day = s.text(0);
      u.model = s.text(1);
      u.requests = s.integer(2);
      u.usage.prompt_tokens = s.integer(3);
      u.usage.cached_tokens = s.integer(4);
      u.usage.completion_tokens = s.integer(5);
      u.usage.reasoning_tokens = s.integer(6);
      u.cost = s.integer(7);
      if (u.requests > 0) out.push_back(std::move(u));
    }
    return out;
  }

  std::vector<FreeCallCount> free_calls_used() override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(
        "SELECT account_id, model, COUNT(*) FROM usage WHERE free = 1 GROUP BY account_id, model");
    std::vector<FreeCallCount> out;
    while (s.step())
      out.push_back({s.text(0), s.text(1), s.integer(2)});
    return out;
  }

  void set_setting(const std::string& name, const std::string& value) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(
        "INSERT INTO settings (name, value) VALUES (?1, ?2) "
        "ON CONFLICT(name) DO UPDATE SET value = ?2");
    s.bind(1, name).bind(2, value);
    s.step();
  }

  std::optional<std::string> setting(const std::string& name) override {
    std::lock_guard lock(mutex_);
    return read_setting(name);
  }

  SyncChanges sync(const SyncCursor& cursor, const std::string& own_origin) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction tx(db_, false);  // one read snapshot for all of it
    SyncChanges out;
    out.cursor = cursor;
    {
      auto s = db_.prepare("SELECT " + std::string(kAccountColumns) +
                           " FROM accounts WHERE rev > ? ORDER BY rev");
      s.bind(1, cursor.account_rev);
      while (s.step()) {
        out.accounts.push_back(read_account(s));
        out.cursor.account_rev = out.accounts.back().rev;
      }
    }
    {
      auto s = db_.prepare("SELECT " + std::string(kKeyColumns) +
                           " FROM api_keys WHERE rev > ? ORDER BY rev");
      s.bind(1, cursor.key_rev);
      while (s.step()) {
        out.keys.push_back(read_key(s));
        out.cursor.key_rev = out.keys.back().rev;
      }
    }
    // From account revision 0 every account is in this snapshot, its balance the sum of all its
    // ledger rows: listing them would only load the whole history (a restart read every charge
    // ever made into memory, hundreds of MB on a busy store) for the caller to skip.
    // Through ledger_external: a scan of every new row, nearly all of them this server's own
    // charges, cost about 1% of a request's instructions.
    if (cursor.account_rev > 0) {
      auto s = db_.prepare("SELECT " + std::string(kLedgerColumns) +
                           " FROM ledger WHERE kind <> 'charge' AND id > ? AND origin <> ? "
                           "ORDER BY id");
      s.bind(1, cursor.ledger_id).bind(2, own_origin);
      while (s.step())
        out.ledger.push_back(read_ledger(s));
    }
    {
      auto m = db_.prepare("SELECT COALESCE(MAX(id), 0) FROM ledger");
      m.step();
      out.cursor.ledger_id = m.integer(0);
    }
    out.paused = read_setting("paused").value_or("0") == "1";
    tx.commit();
    return out;
  }

  std::optional<StoredOutput> find_output(const std::string& id) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT " + std::string(kOutputColumns) +
                         " FROM outputs WHERE id = ?1 UNION ALL SELECT " +
                         std::string(kUsageOutputColumns) + " FROM usage WHERE output_id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_output(s);
  }

  bool delete_output(const std::string& id, const std::string& account_id) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("DELETE FROM outputs WHERE id = ?1 AND account_id = ?2");
    s.bind(1, id).bind(2, account_id);
    s.step();
    std::int64_t n = db_.changes();
    auto in_usage =
        db_.prepare(std::string(kClearUsageOutput) + " WHERE output_id = ?1 AND account_id = ?2");
    in_usage.bind(1, id).bind(2, account_id);
    in_usage.step();
    return n + db_.changes() > 0;
  }

  std::int64_t sweep_expired(std::int64_t now, std::int64_t limit) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction tx(db_);
    auto outputs = db_.prepare(
        "DELETE FROM outputs WHERE id IN (SELECT id FROM outputs WHERE expires_at > 0 AND "
        "expires_at < ? LIMIT ?)");
    outputs.bind(1, now).bind(2, limit);
    outputs.step();
    std::int64_t n = db_.changes();
    auto in_usage = db_.prepare(std::string(kClearUsageOutput) +
                                " WHERE id IN (SELECT id FROM usage WHERE output_expires_at > 0 "
                                "AND output_expires_at < ? LIMIT ?)");
    in_usage.bind(1, now).bind(2, limit);
    in_usage.step();
    n += db_.changes();
    auto tasks = db_.prepare(
        "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE expires_at > 0 AND "
        "expires_at < ? AND status NOT IN ('queued', 'in_progress') AND webhook != 'pending' "
        "LIMIT ?)");
    tasks.bind(1, now).bind(2, limit);
    tasks.step();
    n += db_.changes();
    tx.commit();
    return n;
  }

  void insert_task(const TaskRecord& task) override {
    std::lock_guard lock(mutex_);
    auto s = prepare_task_upsert();
    bind_task(s, task);
    s.step();
  }

  std::optional<TaskRecord> find_task(const std::string& id) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT " + std::string(kTaskColumns) + " FROM tasks WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_task(s);
  }

  std::vector<TaskRecord> open_tasks() override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT " + std::string(kTaskColumns) +
                         " FROM tasks WHERE status IN ('queued', 'in_progress') OR webhook = "
                         "'pending' ORDER BY created_at");
    std::vector<TaskRecord> out;
    while (s.step())
      out.push_back(read_task(s));
    return out;
  }

  // A background task's charge stays a ledger row (see apply_charges), so this reads only the
  // ledger table, through ledger_task.
  std::vector<LedgerEntry> charges_for(const std::string& request_id) override {
    std::lock_guard lock(mutex_);
    auto s =
        db_.prepare("SELECT " + std::string(kLedgerColumns) +
                    " FROM ledger WHERE request_id = ?1 AND request_id GLOB 'task_*' AND kind = "
                    "'charge' ORDER BY id");
    s.bind(1, request_id);
    std::vector<LedgerEntry> out;
    while (s.step())
      out.push_back(read_ledger(s));
    return out;
  }

  void set_webhook_secret(const std::string& account_id, const std::string& secret) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("UPDATE accounts SET webhook_secret = ? WHERE id = ?");
    s.bind(1, secret).bind(2, account_id);
    s.step();
    if (db_.changes() == 0) throw StoreConflict("no account has the id \"" + account_id + "\"");
  }

  std::string webhook_secret(const std::string& account_id) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT webhook_secret FROM accounts WHERE id = ?");
    s.bind(1, account_id);
    return s.step() ? s.text(0) : std::string();
  }

  void clear_reserved() override {
    std::lock_guard lock(mutex_);
    db_.exec("UPDATE accounts SET reserved = 0 WHERE reserved <> 0");
  }

 private:
  SqliteStatement prepare_task_upsert() {
    return db_.prepare("INSERT OR REPLACE INTO tasks (" + std::string(kTaskColumns) +
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  }

  // The first of `n` IDs reserved from the ledger's AUTOINCREMENT sequence (which SQLite never
  // hands out again), inside the writer's transaction.
  std::int64_t reserve_ledger_ids(std::int64_t n) {
    if (n == 0) return 0;
    auto bump = db_.prepare(
        "UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT COALESCE(MAX(id), 0) FROM ledger)) + ?1 "
        "WHERE name = 'ledger' RETURNING seq");
    bump.bind(1, n);
    if (bump.step()) {
      std::int64_t last = bump.integer(0);
      while (bump.step()) {
      }
      return last - n + 1;
    }
    // No ledger row was ever written: the sequence has no row yet.
    db_.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('ledger', ?1)").bind(1, n).step();
    return 1;
  }

  // One balance update per account, then each charge's running balance. A charge whose call's
  // usage row is in the batch is kept in that row (ledger_id and balance_after set); any other
  // becomes a ledger row. One row per request instead of two: the ledger row and
  // its index entry were a quarter of the bytes and ~9% of the instructions a request cost.
  void apply_charges(const WriteBatch& batch, std::vector<UsageRow>& usage_rows) {
    std::map<std::string, NanoUsd> totals;
    for (const auto& c : batch.charges)
      totals[c.account_id] += c.amount;
    auto update = db_.prepare(
        "UPDATE accounts SET balance = balance + ?1, spent = spent - ?1 WHERE id = ?2 "
        "RETURNING balance");
    std::map<std::string, NanoUsd> running;  // the balance before this batch's charges
    for (const auto& [id, total] : totals) {
      update.reset();
      update.bind(1, total).bind(2, id);
      if (!update.step()) continue;  // an unknown account cannot hold a reservation
      running[id] = update.integer(0) - total;
      while (update.step()) {
      }
    }
    // BatchWriter queues a call's usage row and its charge together, so the charges follow the
    // order of their rows: one walk pairs them. A background task's charge stays a ledger row,
    // where its recovery after a restart looks for it (charges_for, the ledger_task index).
    std::vector<std::pair<const LedgerEntry*, UsageRow*>> kept;  // charges kept in usage rows
    std::vector<const LedgerEntry*> own_rows;                    // charges as ledger rows
    kept.reserve(batch.charges.size());
    std::size_t next_row = 0;
    for (const auto& c : batch.charges) {
      if (!running.count(c.account_id)) continue;
      UsageRow* row = nullptr;
      if (!is_task_request(c.request_id)) {
        std::size_t i = next_row;
        while (i < usage_rows.size() && usage_rows[i].record->request_id != c.request_id)
          ++i;
        if (i < usage_rows.size()) {
          const UsageRecord& u = *usage_rows[i].record;
          if (u.account_id == c.account_id && u.cost == -c.amount) row = &usage_rows[i];
          next_row = i + 1;
        }
      }
      if (row)
        kept.emplace_back(&c, row);
      else
        own_rows.push_back(&c);
    }
    // The kept charges take the next IDs of the ledger's AUTOINCREMENT sequence, so a listing of
    // both kinds by ID is unique and in the order the balance changed; the ledger rows inserted
    // below then come after them.
    std::int64_t next_id = reserve_ledger_ids(static_cast<std::int64_t>(kept.size()));
    for (auto& [charge, row] : kept) {
      NanoUsd& balance = running[charge->account_id];
      balance += charge->amount;
      row->ledger_id = next_id++;
      row->balance_after = balance;
    }
    std::vector<ChargeRow> ledger_rows;
    ledger_rows.reserve(own_rows.size());
    for (const LedgerEntry* c : own_rows) {
      NanoUsd& balance = running[c->account_id];
      balance += c->amount;
      ledger_rows.push_back({c, balance, c->created_at != 0 ? c->created_at : now_ms()});
    }
    insert_rows("INSERT OR FAIL INTO ledger (" + std::string(kLedgerInsertColumns) + ")",
                kLedgerInsertParams, ledger_rows, bind_charge_row);
  }

  // Pairs each output of the batch with its call's usage row where the row can keep it
  // (row_can_keep); returns the others, which get rows of their own. An output is queued when
  // its call settles, before the answer, and its usage row, naming where the output waits, when
  // the call ends, after it: both are in the same batch unless a commit fell between. One row per
  // call instead of two: the outputs row and its two index entries were ~11% of the instructions
  // a request cost.
  std::vector<const StoredOutput*> pair_outputs(const WriteBatch& batch,
                                                std::vector<UsageRow>& usage_rows) {
    std::vector<bool> taken(batch.outputs.size(), false);
    for (auto& row : usage_rows) {
      auto i = row.record->output_slot.index;
      if (i < 0 || static_cast<std::size_t>(i) >= batch.outputs.size() || taken[i]) continue;
      const StoredOutput& o = batch.outputs[static_cast<std::size_t>(i)];
      if (!row_can_keep(*row.record, o)) continue;
      row.output = &o;
      taken[i] = true;
    }
    std::vector<const StoredOutput*> own_rows;
    for (std::size_t i = 0; i < batch.outputs.size(); ++i)
      if (!taken[i]) own_rows.push_back(&batch.outputs[i]);
    return own_rows;
  }

  // Inserts `rows` 32 at a time ("VALUES (...), (...), ..."), the remainder 8 and then one at a
  // time: a statement's fixed cost (opening cursors, finding the last rowid, halting, resetting)
  // is then paid once per chunk rather than once per row, also for a small batch. `bind(statement,
  // offset, row)` binds one row's `columns` values at parameters offset+1 ... offset+columns; the
  // rows must outlive the statements (they may be bound without a copy). A multi-row statement
  // that can abort halfway (the default ABORT on a NOT NULL column, a foreign key, REPLACE) keeps
  // a statement journal, a copy of every page it touches, to undo its own rows: hence the writer's
  // OR FAIL / OR IGNORE (its batch's transaction is rolled back on any error anyway).
  template <class Row, class Bind>
  void insert_rows(const std::string& head, int columns, const std::vector<Row>& rows, Bind bind) {
    auto sql = [&](std::size_t n) {
      std::string one = "(?";
      for (int c = 1; c < columns; ++c)
        one += ", ?";
      one += ")";
      std::string out = head + " VALUES " + one;
      for (std::size_t r = 1; r < n; ++r)
        out += ", " + one;
      return out;
    };
    std::size_t first = 0;
    for (std::size_t chunk : {32, 8, 1}) {
      if (rows.size() - first < chunk) continue;
      SqliteStatement& s = cached_statement(head, chunk, sql);
      for (; first + chunk <= rows.size(); first += chunk) {
        s.rewind();  // every parameter is bound again below
        for (std::size_t k = 0; k < chunk; ++k)
          bind(s, static_cast<int>(k) * columns, rows[first + k]);
        s.step();
        yield_point();  // the writer's batch: a request thread waits for one chunk at most
      }
    }
  }

  // The writer's insert statements, prepared once: a 32-row statement takes SQLite as long to
  // compile as a few hundred rows take to insert.
  template <class Sql>
  SqliteStatement& cached_statement(const std::string& head, std::size_t rows, Sql sql) {
    auto& slot = batch_statements_[head + "|" + std::to_string(rows)];
    if (!slot) slot = std::make_unique<SqliteStatement>(db_.handle(), sql(rows));
    return *slot;
  }

  SqliteStatement prepare_ledger_insert() {
    return db_.prepare("INSERT INTO ledger (" + std::string(kLedgerInsertColumns) +
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  }

  // The balance update and its ledger row; nullopt when the account does not exist.
  std::optional<LedgerEntry> apply_ledger(SqliteStatement& update, SqliteStatement& insert,
                                          const LedgerEntry& entry) {
    update.reset();
    update.bind(1, entry.amount).bind(2, entry.account_id);
    if (!update.step()) return std::nullopt;
    LedgerEntry row = entry;
    row.balance_after = update.integer(0);
    while (update.step()) {
    }
    insert_ledger(insert, row);
    return row;
  }

  void insert_ledger(SqliteStatement& insert, LedgerEntry& row) {
    if (row.created_at == 0) row.created_at = now_ms();
    insert.reset();
    bind_ledger_row(insert, 0, row);  // `row` outlives the step
    insert.step();
    row.id = db_.last_insert_rowid();
  }

  std::optional<std::string> read_setting(const std::string& name) {
    auto s = db_.prepare("SELECT value FROM settings WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  }

  void migrate() {
    db_.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    SqliteTransaction tx(db_);
    auto q = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    q.step();
    std::int64_t version = q.integer(0);
    for (std::size_t i = static_cast<std::size_t>(version); i < std::size(kMigrations); ++i) {
      db_.exec(kMigrations[i]);
      db_.prepare("INSERT INTO schema_version (version) VALUES (?)")
          .bind(1, static_cast<std::int64_t>(i + 1))
          .step();
    }
    tx.commit();
  }

  std::mutex mutex_;
  SqliteDb db_;
  // Declared after db_: finalized before the connection closes.
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>> batch_statements_;
};

}  // namespace

std::unique_ptr<Store> open_store(const std::string& spec) {
  constexpr std::string_view kScheme = "sqlite:";
  if (spec.rfind(kScheme, 0) != 0)
    throw std::runtime_error("store \"" + spec + "\": expected \"sqlite:PATH\"");
  std::filesystem::path path = spec.substr(kScheme.size());
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  return std::make_unique<SqliteStore>(path.string());
}

}  // namespace glmgate
