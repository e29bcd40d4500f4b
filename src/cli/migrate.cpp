// `glmgate migrate`: brings the store to the newest schema this build knows and prints the version
// before and after ("schema version 6 -> 8: migrated", or "... 8 -> 8: already current").
// `serve` and every other command migrate the store they open too; this does it alone, say before
// a deploy. Idempotent; all of it in one transaction. It works beside a running server, but a
// server of an older version should be stopped first: it does not know the new schema.
#include <iostream>

#include "backends/store_factory.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"

namespace glmgate::cli {

int migrate(const std::optional<std::string>& config_path) {
  Config config = load_config(config_path);
  auto store = open_store(config.store, {.migrate = false});
  const std::int64_t before = store->schema_version();
  const std::int64_t after = store->migrate();
  // Not the store's URL: it may hold a password.
  std::cout << "schema version " << before << " -> " << after << ": "
            << (after == before ? "already current" : "migrated") << "\n";
  return 0;
}

}  // namespace glmgate::cli
