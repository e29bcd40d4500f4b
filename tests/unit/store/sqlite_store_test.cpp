// The SQLite store: keys round-trip, revocation, and incremental change reads across two
// connections (as the CLI and a running server are two processes on one file).
#include <gtest/gtest.h>

#include <filesystem>

#include "accounts/key_service.hpp"
#include "store/store.hpp"

namespace glmgate {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("glmgate-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    spec_ = "sqlite:" + (dir_ / "sub" / "g.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string spec_;
};

TEST_F(SqliteStoreTest, CreatesItsDirectoryAndSchemaAndKeepsKeys) {
  auto store = open_store(spec_);
  KeyService keys(*store);
  auto k = keys.create("one");
  auto list = keys.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, k.record.id);
  EXPECT_EQ(list[0].hash, k.record.hash);
  EXPECT_EQ(list[0].prefix, k.record.prefix);
  EXPECT_FALSE(list[0].revoked);
  // Reopening migrates nothing twice.
  store.reset();
  auto again = open_store(spec_);
  EXPECT_EQ(again->count_keys(), 1);
}

TEST_F(SqliteStoreTest, BootstrapsAnAdminKeyOnlyWhenEmpty) {
  auto store = open_store(spec_);
  KeyService keys(*store);
  auto admin = keys.bootstrap_admin();
  ASSERT_TRUE(admin);
  EXPECT_TRUE(admin->record.admin);
  EXPECT_FALSE(keys.bootstrap_admin());
}

TEST_F(SqliteStoreTest, ReportsChangesMadeThroughAnotherConnection) {
  auto server = open_store(spec_);
  auto cli = open_store(spec_);
  KeyService cli_keys(*cli);
  auto a = cli_keys.create("a");
  auto b = cli_keys.create("b");
  auto changes = server->keys_changed_since(0);
  ASSERT_EQ(changes.size(), 2u);
  std::int64_t seen = changes.back().rev;
  EXPECT_TRUE(server->keys_changed_since(seen).empty());
  EXPECT_TRUE(cli_keys.revoke(a.record.id));
  EXPECT_FALSE(cli_keys.revoke("key_unknown"));
  auto after = server->keys_changed_since(seen);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, a.record.id);
  EXPECT_TRUE(after[0].revoked);
  EXPECT_GT(after[0].rev, seen);
}

TEST(OpenStore, RejectsUnknownSchemes) {
  EXPECT_THROW(open_store("redis://x"), std::runtime_error);
}

}  // namespace
}  // namespace glmgate
