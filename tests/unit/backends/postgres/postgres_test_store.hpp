// PostgreSQL stores for tests. GLMGATE_TEST_POSTGRES_URL names a database to use
// (scripts/with_postgres.sh starts a throwaway server and sets it); without it no test needs
// one. Each store is a schema of its own in that database, created empty and dropped after: its
// URL is the database's with `options=-csearch_path=<schema>`, so every connection of the store
// works in it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "contracts/store/store_contract.hpp"

namespace glmgate {

// GLMGATE_TEST_POSTGRES_URL, or none.
std::optional<std::string> postgres_test_url();
// The contract suite's "postgres" backend, when there is a database: the one backend of the
// list, or none.
std::vector<StoreBackend> postgres_test_backends();
// A new, empty schema and the store URL that uses it; drop_postgres_test_store() removes it.
std::string new_postgres_test_store();
void drop_postgres_test_store(const std::string& store_url);
// Runs `sql` on the test database as its own connection (not a store's); the first row's first
// value, or "".
std::string postgres_test_sql(const std::string& sql);

}  // namespace glmgate
