// The PostgreSQL migration runner; see postgres_migrations.hpp.
#include "backends/postgres/postgres_migrations.hpp"

#include <stdexcept>
#include <string>

namespace glmgate {

namespace {

// The advisory lock migrations hold: "glmgate" in ASCII. One key per database: stores in other
// schemas of it migrate one after another, never at once.
constexpr std::string_view kLockMigrations = "SELECT pg_advisory_xact_lock(29111139742872677)";

std::int64_t latest() {
  return static_cast<std::int64_t>(postgres_migrations().size());
}

}  // namespace

std::int64_t postgres_schema_version(PgConnection& connection) {
  if (!connection.query("SELECT to_regclass('schema_version') IS NOT NULL").boolean(0, 0)) return 0;
  return connection.query("SELECT coalesce(max(version), 0) FROM schema_version").integer(0, 0);
}

void check_postgres_schema_known(std::int64_t version, const std::string& shown) {
  if (version > latest())
    throw std::runtime_error("store " + shown + ": its schema version " + std::to_string(version) +
                             " is newer than this glmgate knows (" + std::to_string(latest()) +
                             "): run the glmgate that wrote it, or a newer one");
}

std::int64_t apply_postgres_migrations(PgConnection& connection) {
  std::int64_t version = postgres_schema_version(connection);
  check_postgres_schema_known(version, connection.shown());
  if (version == latest()) return version;  // the usual case: no lock, no transaction
  PgTransaction tx(connection);
  connection.exec(kLockMigrations);
  // Read again under the lock: an instance that started at the same time may have migrated.
  connection.exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied_at BIGINT "
      "NOT NULL)");
  version = postgres_schema_version(connection);
  check_postgres_schema_known(version, connection.shown());
  for (const PgMigration& m : postgres_migrations()) {
    if (m.version <= version) continue;
    try {
      connection.exec(m.sql);
    } catch (const std::exception& e) {
      throw std::runtime_error("store " + connection.shown() + ": migration " +
                               std::to_string(m.version) + " (" + std::string(m.name) +
                               ") failed: " + e.what());
    }
    connection.query(
        "INSERT INTO schema_version (version, applied_at) VALUES ($1, (extract(epoch FROM "
        "clock_timestamp()) * 1000)::bigint)",
        PgParams().integer(m.version));
    version = m.version;
  }
  tx.commit();
  return version;
}

}  // namespace glmgate
