// Store: one backend's implementation of every store contract, as the factory opens it
// (backends/store_factory.hpp). Consumers take the narrowest contract they need (a KeyStore&, a
// ChangeFeed&...), never this; only the code that wires the parts (cli/) and the tests hold it.
// The contracts, each with its own threading, ordering and idempotence rules, are in
// contracts/store/; what an error means is in contracts/store/store_error.hpp.
//
// Schema: a store is at a schema version; opening one migrates it to the newest version this
// build knows, unless asked not to (`glmgate migrate` reads the version first). A store newer than
// the build is refused when opened. Migrations of a backend are versioned SQL files applied in
// order, each once, in one transaction with the version they record.
// Lifetime: the object holds the backend's connection (and, for a server on SQLite, the lock that
// keeps a second server away) until destroyed.
#pragma once

#include <cstdint>

#include "contracts/store/account_store.hpp"
#include "contracts/store/batch_store.hpp"
#include "contracts/store/change_feed.hpp"
#include "contracts/store/key_store.hpp"
#include "contracts/store/lease_store.hpp"
#include "contracts/store/output_store.hpp"
#include "contracts/store/settings_store.hpp"
#include "contracts/store/store_error.hpp"
#include "contracts/store/task_store.hpp"
#include "contracts/store/transfer_store.hpp"
#include "contracts/store/usage_store.hpp"
#include "contracts/store/user_store.hpp"

namespace glmgate {

class Store : public KeyStore,
              public AccountStore,
              public LeaseStore,
              public UsageStore,
              public OutputStore,
              public TaskStore,
              public SettingsStore,
              public ChangeFeed,
              public BatchStore,
              public TransferStore,
              public UserStore {
 public:
  // The schema version the store is at, and the newest this build knows.
  virtual std::int64_t schema_version() = 0;
  virtual std::int64_t latest_schema_version() const = 0;
  // Applies what is missing, in one transaction; returns the version after. Idempotent.
  virtual std::int64_t migrate() = 0;
  // True when several servers may use the store at once (PostgreSQL): their wallets then share
  // each balance through leases (LeaseStore, accounts/LeaseWallet). SQLite admits one server.
  virtual bool serves_several() const { return false; }
};

}  // namespace glmgate
