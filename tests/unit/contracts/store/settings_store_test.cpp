// The SettingsStore contract (contracts/store/settings_store.hpp), for every backend: a value set
// by one writer is read by another; the last set wins; an unset name has no value.
#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

using SettingsStoreContract = StoreContractTest;
GLMGATE_STORE_CONTRACT(SettingsStoreContract);

TEST_P(SettingsStoreContract, SharesTheLastValueSetBetweenWriters) {
  SettingsStore& settings = *store_;
  auto other = open_another();
  EXPECT_FALSE(settings.setting(setting_name::kPaused));
  other->set_setting(setting_name::kPaused, "1");
  EXPECT_EQ(settings.setting(setting_name::kPaused), "1");
  settings.set_setting(setting_name::kPaused, "0");
  settings.set_setting("another", "value");
  EXPECT_EQ(other->setting(setting_name::kPaused), "0");
  EXPECT_EQ(other->setting("another"), "value");
}

}  // namespace
}  // namespace glmgate
