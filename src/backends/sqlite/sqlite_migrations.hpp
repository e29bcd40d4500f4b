// The SQLite schema: the migrations of migrations/NNNN_name.sql, embedded into the binary at build
// time (cmake/embed_migrations.cmake generates their definition), and the runner that applies
// them. A store's version is the highest migration applied (the schema_version table: one row
// per migration). Private to this folder; the caller serializes use of the connection.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "backends/sqlite/sqlite_db.hpp"

namespace glmgate {

struct SqlMigration {
  std::int64_t version;   // 1, 2, ... without a gap
  std::string_view name;  // the file's name after the number
  std::string_view sql;   // the file's text
};

// In version order.
std::span<const SqlMigration> sqlite_migrations();

// The version of the store `db` holds: 0 for a new file.
std::int64_t sqlite_schema_version(SqliteDb& db);
// Applies every migration past the store's version, with their versions, in one transaction (an
// error rolls all of it back); returns the version after. Throws std::runtime_error when the store
// is newer than this build.
std::int64_t apply_sqlite_migrations(SqliteDb& db, const std::string& path);
// Throws std::runtime_error naming the store when it is newer than this build knows.
void check_sqlite_schema_known(std::int64_t version, const std::string& path);

}  // namespace glmgate
