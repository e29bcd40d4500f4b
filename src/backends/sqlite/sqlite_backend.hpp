// The SQLite backend's entry point for the store factory (backends/store_factory.hpp): the only
// header of this folder that others include, and it does not include SQLite.
#pragma once

#include <memory>
#include <string>

#include "contracts/store.hpp"

namespace glmgate {

struct SqliteOptions {
  bool migrate = true;  // to the newest schema on open
  bool serve = false;   // take the server lock (sqlite_server_lock.hpp): one server per file
};

// Opens (creating the file, its directory and the schema when missing) the SQLite store at
// `path`. Throws StoreBusy when `serve` and another server holds the file, std::runtime_error
// when it cannot be opened or is newer than this build.
std::unique_ptr<Store> open_sqlite_store(const std::string& path, const SqliteOptions& options);

}  // namespace glmgate
