// PostgresStore's TransferStore: listing every row a page at a time and writing rows as they are
// (contracts/store/transfer_store.hpp). A call's charge and output are usually kept in its usage
// row (migration 0006), so the ledger and the outputs are listed in two parts each: their own
// table's rows, then those kept in usage rows. Imported rows go to their own tables (the usage
// rows then keep neither), which the readers of both take as they come. An import is one
// transaction in one round trip (libpq's pipeline), each kind of row one statement over one array
// per column, as the batch commit writes them (postgres_commit.cpp). Ledger and usage rows keep
// their IDs (OVERRIDING SYSTEM VALUE), and the identities then continue after the highest.
#include <deque>
#include <span>

#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"

namespace glmgate {

namespace {

// One part of a listing: rows after $1 (an integer or a text key), up to $2 of them, in key
// order, the key in column `key`.
struct ExportPart {
  std::string sql;
  bool text_key;
  int key;
};

template <class Read>
auto export_page(PgPool& pool, std::span<const ExportPart> parts, const ExportCursor& cursor,
                 std::int64_t limit, Read read) {
  ExportPage<decltype(read(std::declval<const PgResult&>(), 0))> page;
  page.next = cursor;
  if (cursor.done || cursor.part >= static_cast<int>(parts.size())) {
    page.next.done = true;
    return page;
  }
  const ExportPart& part = parts[static_cast<std::size_t>(cursor.part)];
  PgParams p;
  if (part.text_key)
    p.text(cursor.after_id);
  else
    p.integer(cursor.after);
  p.integer(limit);
  auto c = pool.acquire();
  PgResult r = c->query(part.sql, p);
  for (int i = 0; i < r.rows(); ++i) {
    page.rows.push_back(read(r, i));
    if (part.text_key)
      page.next.after_id = r.text(i, part.key);
    else
      page.next.after = r.integer(i, part.key);
  }
  if (r.rows() < limit) {
    page.next = ExportCursor();
    page.next.part = cursor.part + 1;
    page.next.done = page.next.part == static_cast<int>(parts.size());
  }
  return page;
}

constexpr std::string_view kAccountTypes[] = {"text", "text", "bigint", "bigint", "bigint"};
constexpr std::string_view kKeyTypes[] = {"text",    "text",   "text",   "text",   "boolean",
                                          "boolean", "text",   "bigint", "bigint", "bigint",
                                          "bigint",  "bigint", "text",   "text"};
constexpr std::string_view kLedgerTypes[] = {"bigint", "text", "text", "bigint", "bigint",
                                             "text",   "text", "text", "bigint"};

// The change position this import's transaction took (its first statement).
constexpr std::string_view kPosition = "(SELECT position FROM change_counter)";

// The arrays of `rows` (one per column, `columns` of them), `append` adding one row.
template <class Row, class Append>
PgParams columns_of(const std::vector<Row>& rows, std::span<const std::string_view> types,
                    Append append) {
  std::vector<PgArray> arrays = pg_arrays(types);
  for (const auto& row : rows)
    append(arrays, row);
  PgParams p;
  add_columns(p, arrays);
  return p;
}

// Moves the identity of `table`'s id past its highest ID (the imported ones included), never
// back.
std::string continue_identity(std::string_view table) {
  const std::string t(table);
  return "SELECT setval(s::regclass, greatest((SELECT max(id) FROM " + t +
         "), coalesce(pg_sequence_last_value(s::regclass), 0), 1)) FROM "
         "pg_get_serial_sequence('" +
         t + "', 'id') AS s";
}

}  // namespace

StoreCounts PostgresStore::count_rows() {
  auto c = pool_.acquire();
  auto r = c->query(
      "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM api_keys), "
      "(SELECT count(*) FROM api_keys WHERE revoked), (SELECT count(*) FROM ledger) + (SELECT "
      "count(*) FROM usage WHERE ledger_id IS NOT NULL), (SELECT count(*) FROM usage), (SELECT "
      "count(*) FROM outputs) + (SELECT count(*) FROM usage WHERE output_id IS NOT NULL), (SELECT "
      "count(*) FROM tasks), "
      "(SELECT count(*) FROM settings), (SELECT count(*) FROM accounts WHERE webhook_secret <> "
      "'')");
  return {r.integer(0, 0), r.integer(0, 1), r.integer(0, 2), r.integer(0, 3), r.integer(0, 4),
          r.integer(0, 5), r.integer(0, 6), r.integer(0, 7), r.integer(0, 8)};
}

std::vector<LedgerSum> PostgresStore::ledger_sums() {
  auto c = pool_.acquire();
  auto r = c->query(
      "SELECT account_id, sum(amount)::bigint, count(*) FROM (SELECT account_id, amount FROM "
      "ledger UNION ALL SELECT account_id, -cost FROM usage WHERE ledger_id IS NOT NULL) l GROUP "
      "BY 1");
  std::vector<LedgerSum> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.integer(i, 1), r.integer(i, 2)});
  return out;
}

ExportPage<LedgerEntry> PostgresStore::export_ledger(const ExportCursor& cursor,
                                                     std::int64_t limit) {
  static const ExportPart kParts[] = {
      {"SELECT " + std::string(kPgLedgerColumns) +
           " FROM ledger WHERE id > $1::bigint ORDER BY id LIMIT $2",
       false, 0},
      {"SELECT " + std::string(kPgUsageChargeColumns) +
           ", id FROM usage WHERE id > $1::bigint AND ledger_id IS NOT NULL ORDER BY id LIMIT $2",
       false, 9},
  };
  return export_page(pool_, kParts, cursor, limit, read_ledger);
}

ExportPage<UsageEntry> PostgresStore::export_usage(const ExportCursor& cursor, std::int64_t limit) {
  static const ExportPart kParts[] = {
      {"SELECT " + std::string(kPgUsageColumns) +
           ", id FROM usage WHERE id > $1::bigint ORDER BY id LIMIT $2",
       false, static_cast<int>(std::size(kPgUsageTypes))},
  };
  return export_page(pool_, kParts, cursor, limit, [](const PgResult& r, int row) {
    return UsageEntry{r.integer(row, static_cast<int>(std::size(kPgUsageTypes))),
                      read_usage_row(r, row)};
  });
}

ExportPage<StoredOutput> PostgresStore::export_outputs(const ExportCursor& cursor,
                                                       std::int64_t limit) {
  static const ExportPart kParts[] = {
      {"SELECT " + std::string(kPgOutputColumns) +
           " FROM outputs WHERE id > $1 ORDER BY id LIMIT $2",
       true, 0},
      {"SELECT " + std::string(kPgUsageOutputColumns) +
           ", id FROM usage WHERE id > $1::bigint AND output_id IS NOT NULL ORDER BY id LIMIT $2",
       false, 17},
  };
  return export_page(pool_, kParts, cursor, limit, read_output);
}

ExportPage<TaskRecord> PostgresStore::export_tasks(const ExportCursor& cursor, std::int64_t limit) {
  static const ExportPart kParts[] = {
      {"SELECT " + std::string(kPgTaskColumns) + " FROM tasks WHERE id > $1 ORDER BY id LIMIT $2",
       true, 0},
  };
  return export_page(pool_, kParts, cursor, limit, read_task);
}

std::vector<Setting> PostgresStore::export_settings() {
  auto c = pool_.acquire();
  auto r = c->query("SELECT name, value FROM settings ORDER BY name COLLATE \"C\"");
  std::vector<Setting> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.text(i, 1)});
  return out;
}

void PostgresStore::import_rows(const ImportBatch& b) {
  static const std::string kAccounts =
      "INSERT INTO accounts (id, name, balance, spent, created_at, rev) SELECT a.*, " +
      std::string(kPosition) + " FROM " + pg_unnest(kAccountTypes, 1) + " AS a";
  static const std::string kKeys =
      "INSERT INTO api_keys (id, name, prefix, hash, revoked, admin, account_id, created_at, rpm, "
      "tpm, max_concurrency, expires_at, session_id, user_id, rev) SELECT k.*, " +
      std::string(kPosition) + " FROM " + pg_unnest(kKeyTypes, 1) + " AS k";
  static const std::string kLedger =
      "INSERT INTO ledger (id, account_id, kind, amount, balance_after, request_id, note, origin, "
      "created_at, rev) OVERRIDING SYSTEM VALUE SELECT l.*, CASE WHEN l.kind = 'charge' THEN NULL "
      "ELSE " +
      std::string(kPosition) + " END FROM " + pg_unnest(kLedgerTypes, 1) +
      " AS l (id, account_id, kind, amount, balance_after, request_id, note, origin, created_at)";
  static const std::string kUsage = [] {
    std::vector<std::string_view> types = {"bigint"};
    types.insert(types.end(), std::begin(kPgUsageTypes), std::end(kPgUsageTypes));
    return "WITH recorded AS (INSERT INTO usage (id, " + std::string(kPgUsageColumns) +
           ") OVERRIDING SYSTEM VALUE SELECT * FROM " + pg_unnest(types, 1) + " RETURNING " +
           std::string(kPgRollupReturning) + "), " + pg_rollups("recorded") +
           " SELECT count(*) FROM recorded";
  }();
  static const std::string kOutputs =
      pg_insert_rows("outputs", kPgOutputColumns, kPgOutputTypes, "");
  static const std::string kTasks = pg_insert_rows("tasks", kPgTaskColumns, kPgTaskTypes, "");
  static const std::string kLedgerIds = continue_identity("ledger");
  static const std::string kUsageIds = continue_identity("usage");

  std::deque<PgParams> params;  // stays where it is as it grows
  std::vector<PgCall> calls;
  auto add = [&](const std::string& sql, PgParams p) {
    params.push_back(std::move(p));
    calls.push_back({sql, &params.back(), false});  // planned for its arrays' sizes
  };
  calls.push_back({"BEGIN", nullptr, false});
  // One change position for every reported row of the batch (charges are not reported), taken
  // first: the rows name it. Nothing else writes to a store being filled.
  bool reported = !b.accounts.empty() || !b.keys.empty();
  for (const auto& e : b.ledger)
    reported = reported || e.kind != ledger_kind::kCharge;
  if (reported)
    calls.push_back({"UPDATE change_counter SET position = position + 1", nullptr, false});
  if (!b.accounts.empty())
    add(kAccounts,
        columns_of(b.accounts, kAccountTypes, [](std::vector<PgArray>& c, const AccountRecord& a) {
          c[0].text(a.id);
          c[1].text(a.name);
          c[2].integer(a.balance);
          c[3].integer(a.spent);
          c[4].integer(a.created_at);
        }));
  if (!b.keys.empty())
    add(kKeys, columns_of(b.keys, kKeyTypes, [](std::vector<PgArray>& c, const KeyRecord& k) {
          c[0].text(k.id);
          c[1].text(k.name);
          c[2].text(k.prefix);
          c[3].text(k.hash);
          c[4].boolean(k.revoked);
          c[5].boolean(k.admin);
          c[6].text(k.account_id);
          c[7].integer(k.created_at);
          c[8].integer(k.rpm);
          c[9].integer(k.tpm);
          c[10].integer(k.max_concurrency);
          c[11].integer(k.expires_at_ms);
          c[12].text(k.session_id);
          c[13].text(k.user_id);
        }));
  if (!b.ledger.empty()) {
    add(kLedger,
        columns_of(b.ledger, kLedgerTypes, [](std::vector<PgArray>& c, const LedgerEntry& e) {
          c[0].integer(e.id);
          c[1].text(e.account_id);
          c[2].text(e.kind);
          c[3].integer(e.amount);
          c[4].integer(e.balance_after);
          c[5].text(e.request_id);
          c[6].text(e.note);
          c[7].text(e.origin);
          c[8].integer(e.created_at);
        }));
    calls.push_back({kLedgerIds, nullptr, false});
  }
  if (!b.usage.empty()) {
    PgArray ids(PgType::kBigint);
    std::vector<PgArray> records = pg_arrays(kPgUsageTypes);
    for (const auto& u : b.usage) {
      ids.integer(u.id);
      append_usage(records, u.record);
    }
    PgParams p;
    p.array(ids);
    add_columns(p, records);
    add(kUsage, std::move(p));
    calls.push_back({kUsageIds, nullptr, false});
  }
  if (!b.outputs.empty()) add(kOutputs, columns_of(b.outputs, kPgOutputTypes, append_output));
  if (!b.tasks.empty()) add(kTasks, columns_of(b.tasks, kPgTaskTypes, append_task));
  calls.push_back({"COMMIT", nullptr, false});
  auto c = pool_.acquire();
  c->pipeline(calls);
}

}  // namespace glmgate
