// The PostgreSQL backend's entry point for the store factory (backends/store_factory.hpp): the
// only header of this folder that others include, and it does not include libpq.
#pragma once

#include <memory>
#include <string>

#include "contracts/store.hpp"

namespace glmgate {

struct PostgresOptions {
  bool migrate = true;  // to the newest schema on open
};

// Opens the store at `url`, a libpq connection URI (postgres://user:password@host:port/db?...;
// sslmode and every other libpq parameter work), creating the schema when missing. Instances on
// other hosts may share it: PostgreSQL admits several servers on one store. Throws
// std::runtime_error (StoreUnavailable when the server cannot be reached) when it cannot be
// opened or is newer than this build; no message carries the URL's password.
std::unique_ptr<Store> open_postgres_store(const std::string& url, const PostgresOptions& options);

// `url` as messages may show it: its password replaced by "***".
std::string shown_postgres_url(const std::string& url);

}  // namespace glmgate
