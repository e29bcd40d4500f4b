// PostgreSQL stores for tests; see postgres_test_store.hpp.
#include "backends/postgres/postgres_test_store.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

namespace glmgate {

namespace {

constexpr std::string_view kSchemaParam = "options=-csearch_path%3D";

std::string schema_of(const std::string& store_url) {
  auto at = store_url.rfind(kSchemaParam);
  if (at == std::string::npos) throw std::logic_error("not a test store URL");
  return store_url.substr(at + kSchemaParam.size());
}

}  // namespace

std::optional<std::string> postgres_test_url() {
  const char* url = std::getenv("GLMGATE_TEST_POSTGRES_URL");
  if (!url || !*url) return std::nullopt;
  return std::string(url);
}

std::vector<StoreBackend> postgres_test_backends() {
  if (!postgres_test_url()) return {};
  return {{"postgres", new_postgres_test_store, drop_postgres_test_store}};
}

std::string postgres_test_sql(const std::string& sql) {
  auto url = postgres_test_url();
  if (!url) throw std::logic_error("GLMGATE_TEST_POSTGRES_URL is not set");
  PGconn* conn = PQconnectdb(url->c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("test database: " + why);
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);  // DROP ... CASCADE's notices
  PGresult* r = PQexec(conn, sql.c_str());
  auto status = PQresultStatus(r);
  std::string out;
  if (status == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0) out = PQgetvalue(r, 0, 0);
  std::string why = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    throw std::runtime_error("test database: " + sql + ": " + why);
  return out;
}

std::string new_postgres_test_store() {
  static std::atomic<int> counter{0};
  const std::string schema =
      "glmgate_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  postgres_test_sql("CREATE SCHEMA " + schema);
  std::string url = *postgres_test_url();
  url += url.find('?') == std::string::npos ? '?' : '&';
  return url + std::string(kSchemaParam) + schema;
}

void drop_postgres_test_store(const std::string& store_url) {
  postgres_test_sql("DROP SCHEMA IF EXISTS " + schema_of(store_url) + " CASCADE");
}

}  // namespace glmgate
