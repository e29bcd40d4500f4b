// The store factory: opens the backend that the URL scheme of the config's `store` names
// ("sqlite:PATH", or a PostgreSQL connection URI "postgres://..." / "postgresql://..."), each
// backend a folder of backends/ with its own library. The only code that knows every backend;
// everything else sees contracts/store.hpp.
//
// Threading: open_store() blocks (it opens, locks and migrates); the Store it returns is
// thread-safe (see its contracts). Errors: std::runtime_error with a message that names the config
// key `store` and what to do: an unknown scheme (naming it and the schemes known, never the rest
// of the URL, which may hold a password), a store that cannot be opened, a store newer than this
// build, or (StoreBusy) a store a server of its own already holds.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "contracts/store.hpp"

namespace glmgate {

struct StoreOptions {
  // Migrate to the newest schema when opening. `glmgate migrate` opens without, to report the
  // version before.
  bool migrate = true;
  // For `glmgate serve`: a backend that admits one server per store (SQLite) refuses a second,
  // naming the first (StoreBusy); PostgreSQL admits several. The CLI's commands never ask, and
  // work beside a server.
  bool serve = false;
};

std::unique_ptr<Store> open_store(const std::string& url, const StoreOptions& options = {});

// `url` as a message may show it: a PostgreSQL URL without its password ("***" in its place).
std::string shown_store_url(const std::string& url);

// The URL schemes open_store() knows, for messages.
std::vector<std::string_view> store_schemes();

}  // namespace glmgate
