// PostgresStore: opening the store (its first connection and the schema) and the schema's
// version; the contracts' methods are in the concern files (see postgres_store.hpp).
#include "backends/postgres/postgres_store.hpp"

#include "backends/postgres/postgres_migrations.hpp"
#include "backends/postgres/postgres_url.hpp"

namespace glmgate {

PostgresStore::PostgresStore(const std::string& url, const PostgresOptions& options)
    : url_(url), pool_(url, redact_postgres_url(url), kConnections) {
  auto c = pool_.acquire();  // a wrong URL or an unreachable server fails here, at open
  if (options.migrate)
    apply_postgres_migrations(*c);
  else
    check_postgres_schema_known(postgres_schema_version(*c), c->shown());
}

std::int64_t PostgresStore::schema_version() {
  auto c = pool_.acquire();
  return postgres_schema_version(*c);
}

std::int64_t PostgresStore::latest_schema_version() const {
  return static_cast<std::int64_t>(postgres_migrations().size());
}

std::int64_t PostgresStore::migrate() {
  auto c = pool_.acquire();
  return apply_postgres_migrations(*c);
}

std::unique_ptr<Store> open_postgres_store(const std::string& url, const PostgresOptions& options) {
  return std::make_unique<PostgresStore>(url, options);
}

std::string shown_postgres_url(const std::string& url) {
  return redact_postgres_url(url);
}

}  // namespace glmgate
