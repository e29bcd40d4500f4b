// The store contract suite's fixture: every test of tests/unit/contracts/store/ runs against each
// backend of store_backends(), through the contracts only (contracts/store/), with a new, empty
// store of its own. A backend joins by adding itself to store_backends() (store_contract.cpp),
// and passes this suite unchanged: SQLite, and PostgreSQL when a test database is given.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/store_factory.hpp"

namespace glmgate {

struct StoreBackend {
  std::string name;  // the parameterized tests' suffix: Backends/KeyStoreContract.X/sqlite
  // The URL of a new, empty store for the running test; `remove` deletes it afterwards.
  std::function<std::string()> make_url;
  std::function<void(const std::string& url)> remove;
};

const std::vector<StoreBackend>& store_backends();

// Records as the callers of the contracts make them.
KeyRecord key_record(const std::string& id, const std::string& account_id);
// A finished call of `account_id` that cost `cost`, at `created_at` (unix ms; 0: now).
UsageRecord call_record(const std::string& request_id, const std::string& account_id, NanoUsd cost,
                        std::int64_t created_at = 0);
// The call's charge, as the wallet settles it.
LedgerEntry charge_of(const UsageRecord& call, const std::string& origin = "srv_test");
// The call's output, as the pipeline keeps it (and names it in the record).
StoredOutput output_of(UsageRecord& call, const std::string& id, std::int64_t expires_at = 0);
TaskRecord task_record(const std::string& id, const std::string& account_id,
                       std::string_view status);
std::string store_backend_name(const ::testing::TestParamInfo<StoreBackend>& info);

// A new account `name` ("acct_<name>") holding `funds` (granted by the origin "test").
std::string add_account(Store& store, const std::string& name, NanoUsd funds = 0);

// An install as a served store holds it: accounts acme and beta with grants and an adjustment,
// three keys (one revoked, one admin), calls with charges and outputs (expiring or not), a task's
// charge and output, a completed and a queued task, the pause setting, a webhook secret.
struct InstallRows {
  std::string acme, beta;
  std::vector<std::string> outputs;  // their IDs
  StoreCounts counts;                // what count_rows() says of it
};
InstallRows fill_install(Store& store);

class StoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Another connection to the same store: a second writer (the CLI beside a server, or another
  // instance).
  std::unique_ptr<Store> open_another() const { return open_store(url_); }
  // A second new, empty store of the same backend, removed after the test (close it first).
  std::unique_ptr<Store> open_empty();
  // A new account named `name` holding `funds` (granted by the origin "test").
  std::string new_account(const std::string& name, NanoUsd funds = 0);
  NanoUsd ledger_sum(const std::string& account_id);

  std::string url_;
  std::unique_ptr<Store> store_;
  std::vector<std::string> empty_urls_;  // open_empty()'s
};

// Instantiates the contract suite `suite` (a StoreContractTest) for every backend.
#define GLMGATE_STORE_CONTRACT(suite)                                              \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::testing::ValuesIn(store_backends()), \
                           store_backend_name)

}  // namespace glmgate
