// SqliteStore: opening the file (the server lock, the connection's settings, the schema) and the
// schema's version; the contracts' methods are in the concern files (see sqlite_store.hpp).
#include "backends/sqlite/sqlite_store.hpp"

#include <filesystem>

#include "backends/sqlite/sqlite_migrations.hpp"

namespace glmgate {

SqliteStore::SqliteStore(const std::string& path, const SqliteOptions& options)
    : lock_(path, options.serve), db_(path), path_(path) {
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
  if (options.migrate)
    apply_sqlite_migrations(db_, path_);
  else
    check_sqlite_schema_known(sqlite_schema_version(db_), path_);
}

std::int64_t SqliteStore::schema_version() {
  std::lock_guard lock(mutex_);
  return sqlite_schema_version(db_);
}

std::int64_t SqliteStore::latest_schema_version() const {
  return static_cast<std::int64_t>(sqlite_migrations().size());
}

std::int64_t SqliteStore::migrate() {
  std::lock_guard lock(mutex_);
  return apply_sqlite_migrations(db_, path_);
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const SqliteOptions& options) {
  std::filesystem::path p = path;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  return std::make_unique<SqliteStore>(path, options);
}

}  // namespace glmgate
