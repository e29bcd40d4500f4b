// The Store bundle's schema (contracts/store.hpp), for every backend: a new store is at the newest
// version the build knows, migrating again changes nothing, and a store opened without migrating
// reports the same version.
#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

using StoreSchemaContract = StoreContractTest;
GLMGATE_STORE_CONTRACT(StoreSchemaContract);

TEST_P(StoreSchemaContract, IsAtTheNewestVersionAndMigratingAgainChangesNothing) {
  const std::int64_t latest = store_->latest_schema_version();
  EXPECT_GT(latest, 0);
  EXPECT_EQ(store_->schema_version(), latest);
  EXPECT_EQ(store_->migrate(), latest);
  EXPECT_EQ(store_->schema_version(), latest);
  auto again = open_store(url_, {.migrate = false});
  EXPECT_EQ(again->schema_version(), latest);
}

}  // namespace
}  // namespace glmgate
