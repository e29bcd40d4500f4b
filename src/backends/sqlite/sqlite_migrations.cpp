// The SQLite migration runner; see sqlite_migrations.hpp.
#include "backends/sqlite/sqlite_migrations.hpp"

#include <stdexcept>
#include <string>

namespace glmgate {

namespace {
std::int64_t latest() {
  return static_cast<std::int64_t>(sqlite_migrations().size());
}
}  // namespace

std::int64_t sqlite_schema_version(SqliteDb& db) {
  auto table =
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (!table.step()) return 0;
  auto q = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  q.step();
  return q.integer(0);
}

void check_sqlite_schema_known(std::int64_t version, const std::string& path) {
  if (version > latest())
    throw std::runtime_error("store sqlite:" + path + ": its schema version " +
                             std::to_string(version) + " is newer than this glmgate knows (" +
                             std::to_string(latest()) +
                             "): run the glmgate that wrote it, or a newer one");
}

std::int64_t apply_sqlite_migrations(SqliteDb& db, const std::string& path) {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  SqliteTransaction tx(db);  // the write lock first: two processes never migrate at once
  std::int64_t version = sqlite_schema_version(db);
  check_sqlite_schema_known(version, path);
  auto record = db.prepare("INSERT INTO schema_version (version) VALUES (?)");
  for (const SqlMigration& m : sqlite_migrations()) {
    if (m.version <= version) continue;
    try {
      db.exec(m.sql);
    } catch (const std::exception& e) {
      throw std::runtime_error("store sqlite:" + path + ": migration " + std::to_string(m.version) +
                               " (" + std::string(m.name) + ") failed: " + e.what());
    }
    record.reset();
    record.bind(1, m.version).step();
    version = m.version;
  }
  tx.commit();
  return version;
}

}  // namespace glmgate
