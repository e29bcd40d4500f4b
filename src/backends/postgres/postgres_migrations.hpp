// The PostgreSQL schema: the migrations of migrations/NNNN_name.sql, embedded into the binary at
// build time (cmake/embed_migrations.cmake generates their definition), and the runner that
// applies them. A store's version is the highest migration applied (the schema_version table: one
// row per migration). Several instances starting at once migrate once: the runner takes a
// transaction-scoped advisory lock (pg_advisory_xact_lock) before it reads the version, and
// applies every missing migration and records it in that one transaction (PostgreSQL's DDL is
// transactional: a failure leaves the schema as it was). Private to this folder.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "backends/postgres/postgres_connection.hpp"

namespace glmgate {

struct PgMigration {
  std::int64_t version;   // 1, 2, ... without a gap
  std::string_view name;  // the file's name after the number
  std::string_view sql;   // the file's text
};

// In version order.
std::span<const PgMigration> postgres_migrations();

// The version of the store the connection's search_path finds: 0 for an empty one.
std::int64_t postgres_schema_version(PgConnection& connection);
// Applies every migration past the store's version (see above); returns the version after.
// Throws std::runtime_error when the store is newer than this build or a migration fails.
std::int64_t apply_postgres_migrations(PgConnection& connection);
// Throws std::runtime_error naming the store when it is newer than this build knows.
void check_postgres_schema_known(std::int64_t version, const std::string& shown);

}  // namespace glmgate
