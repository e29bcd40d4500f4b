// SqliteStore's TransferStore: listing every row a page at a time and writing rows as they are
// (contracts/store/transfer_store.hpp). A call's charge and output are usually kept in its usage
// row (sqlite_commit.cpp), so the ledger and the outputs are listed in two parts each: their own
// table's rows, then those kept in usage rows. Imported rows go to their own tables (the usage
// rows then keep neither), which the readers of both take as they come.
#include <span>

#include "backends/sqlite/sqlite_rows.hpp"
#include "backends/sqlite/sqlite_store.hpp"

namespace glmgate {

namespace {

// One part of a listing: rows after ?1 (an integer or a text key), up to ?2 of them, in key
// order, the key in column `key`.
struct ExportPart {
  std::string sql;
  bool text_key;
  int key;
};

template <class Read>
auto export_page(SqliteDb& db, std::span<const ExportPart> parts, const ExportCursor& cursor,
                 std::int64_t limit, Read read) {
  ExportPage<decltype(read(std::declval<const SqliteStatement&>()))> page;
  page.next = cursor;
  if (cursor.done || cursor.part >= static_cast<int>(parts.size())) {
    page.next.done = true;
    return page;
  }
  const ExportPart& part = parts[static_cast<std::size_t>(cursor.part)];
  auto s = db.prepare(part.sql);
  if (part.text_key)
    s.bind(1, cursor.after_id);
  else
    s.bind(1, cursor.after);
  s.bind(2, limit);
  while (s.step()) {
    page.rows.push_back(read(s));
    if (part.text_key)
      page.next.after_id = s.text(part.key);
    else
      page.next.after = s.integer(part.key);
  }
  if (static_cast<std::int64_t>(page.rows.size()) < limit) {
    page.next = ExportCursor();
    page.next.part = cursor.part + 1;
    page.next.done = page.next.part == static_cast<int>(parts.size());
  }
  return page;
}

// Runs `write` and reports a constraint it broke as the caller's conflict.
template <class Write>
void conflict_checked(Write write) {
  try {
    write();
  } catch (const SqliteError& e) {
    if (e.code == SQLITE_CONSTRAINT)
      throw StoreConflict(std::string("the store holds such a row already: ") + e.what());
    throw;
  }
}

}  // namespace

StoreCounts SqliteStore::count_rows() {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(
      "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM api_keys), "
      "(SELECT count(*) FROM api_keys WHERE revoked <> 0), "
      "(SELECT count(*) FROM ledger) + (SELECT count(*) FROM usage WHERE ledger_id IS NOT NULL), "
      "(SELECT count(*) FROM usage), "
      "(SELECT count(*) FROM outputs) + (SELECT count(*) FROM usage WHERE output_id IS NOT NULL), "
      "(SELECT count(*) FROM tasks), (SELECT count(*) FROM settings), "
      "(SELECT count(*) FROM accounts WHERE webhook_secret <> '')");
  s.step();
  return {s.integer(0), s.integer(1), s.integer(2), s.integer(3), s.integer(4),
          s.integer(5), s.integer(6), s.integer(7), s.integer(8)};
}

std::vector<LedgerSum> SqliteStore::ledger_sums() {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(
      "SELECT account_id, sum(amount), count(*) FROM (SELECT account_id, amount FROM ledger UNION "
      "ALL SELECT account_id, -cost FROM usage WHERE ledger_id IS NOT NULL) GROUP BY account_id");
  std::vector<LedgerSum> out;
  while (s.step())
    out.push_back({s.text(0), s.integer(1), s.integer(2)});
  return out;
}

ExportPage<LedgerEntry> SqliteStore::export_ledger(const ExportCursor& cursor, std::int64_t limit) {
  static const ExportPart kParts[] = {
      {"SELECT " + std::string(kLedgerColumns) + " FROM ledger WHERE id > ?1 ORDER BY id LIMIT ?2",
       false, 0},
      {"SELECT " + std::string(kUsageChargeColumns) +
           ", id FROM usage WHERE id > ?1 AND ledger_id IS NOT NULL ORDER BY id LIMIT ?2",
       false, 9},
  };
  std::lock_guard lock(mutex_);
  return export_page(db_, kParts, cursor, limit, read_ledger);
}

ExportPage<UsageEntry> SqliteStore::export_usage(const ExportCursor& cursor, std::int64_t limit) {
  static const ExportPart kParts[] = {
      {"SELECT " + std::string(kUsageColumns) +
           ", id FROM usage WHERE id > ?1 ORDER BY id LIMIT ?2",
       false, kUsageParams},
  };
  std::lock_guard lock(mutex_);
  return export_page(db_, kParts, cursor, limit, [](const SqliteStatement& s) {
    return UsageEntry{s.integer(kUsageParams), read_usage_row(s)};
  });
}

ExportPage<StoredOutput> SqliteStore::export_outputs(const ExportCursor& cursor,
                                                     std::int64_t limit) {
  static const ExportPart kParts[] = {
      {"SELECT " + std::string(kOutputColumns) + " FROM outputs WHERE id > ?1 ORDER BY id LIMIT ?2",
       true, 0},
      {"SELECT " + std::string(kUsageOutputColumns) +
           ", id FROM usage WHERE id > ?1 AND output_id IS NOT NULL ORDER BY id LIMIT ?2",
       false, 17},
  };
  std::lock_guard lock(mutex_);
  return export_page(db_, kParts, cursor, limit, read_output);
}

ExportPage<TaskRecord> SqliteStore::export_tasks(const ExportCursor& cursor, std::int64_t limit) {
  static const ExportPart kParts[] = {
      {"SELECT " + std::string(kTaskColumns) + " FROM tasks WHERE id > ?1 ORDER BY id LIMIT ?2",
       true, 0},
  };
  std::lock_guard lock(mutex_);
  return export_page(db_, kParts, cursor, limit, read_task);
}

std::vector<Setting> SqliteStore::export_settings() {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT name, value FROM settings ORDER BY name");
  std::vector<Setting> out;
  while (s.step())
    out.push_back({s.text(0), s.text(1)});
  return out;
}

void SqliteStore::import_rows(const ImportBatch& b) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  // One change position for every reported row of the batch (charges are not reported).
  bool reported = !b.accounts.empty() || !b.keys.empty();
  for (const auto& e : b.ledger)
    reported = reported || e.kind != ledger_kind::kCharge;
  const std::int64_t position = reported ? next_change() : 0;
  conflict_checked([&] {
    auto accounts = db_.prepare(
        "INSERT INTO accounts (id, name, balance, reserved, spent, created_at, rev) VALUES (?1, "
        "?2, ?3, 0, ?4, ?5, ?6)");
    for (const auto& a : b.accounts) {
      accounts.reset();
      accounts.bind(1, a.id).bind(2, a.name).bind(3, a.balance).bind(4, a.spent);
      accounts.bind(5, a.created_at).bind(6, position);
      accounts.step();
    }
    auto keys = db_.prepare("INSERT INTO api_keys (" + std::string(kKeyColumns) +
                            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& k : b.keys) {
      keys.reset();
      keys.bind(1, k.id).bind(2, k.name).bind(3, k.prefix).bind(4, k.hash);
      keys.bind(5, std::int64_t{k.revoked}).bind(6, std::int64_t{k.admin}).bind(7, k.account_id);
      keys.bind(8, k.created_at).bind(9, position).bind(10, k.rpm).bind(11, k.tpm);
      keys.bind(12, k.max_concurrency).bind(13, k.expires_at_ms).bind(14, k.session_id);
      keys.bind(15, k.user_id);
      keys.step();
    }
    auto ledger = db_.prepare("INSERT INTO ledger (id, " + std::string(kLedgerInsertColumns) +
                              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& e : b.ledger) {
      ledger.reset();
      ledger.bind(1, e.id);
      bind_ledger_row(ledger, 1, e, e.balance_after, e.created_at,
                      e.kind == ledger_kind::kCharge ? 0 : position);
      ledger.step();
    }
    auto usage =
        db_.prepare("INSERT INTO usage (id, " + std::string(kUsageColumns) +
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& u : b.usage) {
      usage.reset();
      usage.bind(1, u.id);
      bind_usage_row(usage, 1, u.record);
      usage.step();
    }
    std::vector<const UsageRecord*> records;
    for (const auto& u : b.usage)
      records.push_back(&u.record);
    add_to_rollups(records);
    auto outputs = db_.prepare("INSERT INTO outputs (" + std::string(kOutputColumns) +
                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& o : b.outputs) {
      outputs.reset();
      bind_output_row(outputs, 0, o);
      outputs.step();
    }
    auto tasks = db_.prepare("INSERT INTO tasks (" + std::string(kTaskColumns) +
                             ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& t : b.tasks) {
      tasks.reset();
      bind_task(tasks, t);
      tasks.step();
    }
  });
  tx.commit();
}

}  // namespace glmgate
