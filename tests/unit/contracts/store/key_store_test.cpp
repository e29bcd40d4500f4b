// The KeyStore contract (contracts/store/key_store.hpp), for every backend: keys round-trip, are
// listed oldest first and by account, a key of no account or a taken ID or hash is a conflict
// that writes nothing, a revocation sticks and moves the key's change position, and an expired
// chat key is revoked by expire_keys, then forgotten.
#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

using KeyStoreContract = StoreContractTest;
GLMGATE_STORE_CONTRACT(KeyStoreContract);

TEST_P(KeyStoreContract, KeepsListsFindsAndCountsKeys) {
  KeyStore& keys = *store_;
  std::string acme = new_account("acme");
  new_account("beta");
  KeyRecord admin = key_record("key_admin", "");
  KeyRecord user = key_record("key_user", acme);
  user.rpm = 120;
  user.tpm = 5000;
  user.max_concurrency = 3;
  user.created_at = admin.created_at + 1;
  keys.insert_key(admin);
  keys.insert_key(user);

  EXPECT_EQ(keys.count_keys(), 2);
  auto all = keys.list_keys(std::nullopt);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "key_admin");  // oldest first
  EXPECT_TRUE(all[0].admin);
  auto found = keys.find_key("key_user");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->hash, user.hash);
  EXPECT_EQ(found->prefix, user.prefix);
  EXPECT_EQ(found->account_id, acme);
  EXPECT_EQ(found->rpm, 120);
  EXPECT_EQ(found->tpm, 5000);
  EXPECT_EQ(found->max_concurrency, 3);
  EXPECT_FALSE(found->revoked);
  EXPECT_GT(found->rev, 0);
  ASSERT_EQ(keys.list_keys(acme).size(), 1u);
  EXPECT_TRUE(keys.list_keys("acct_beta").empty());
  EXPECT_FALSE(keys.find_key("key_none"));
}

TEST_P(KeyStoreContract, RefusesAKeyOfNoAccountOrATakenIdOrHashAndWritesNothing) {
  KeyStore& keys = *store_;
  std::string acme = new_account("acme");
  keys.insert_key(key_record("key_1", acme));
  EXPECT_THROW(keys.insert_key(key_record("key_2", "acct_nobody")), StoreConflict);
  EXPECT_THROW(keys.insert_key(key_record("key_1", acme)), StoreConflict);
  KeyRecord same_hash = key_record("key_3", acme);
  same_hash.hash = key_record("key_1", acme).hash;
  EXPECT_THROW(keys.insert_key(same_hash), StoreConflict);
  EXPECT_EQ(keys.count_keys(), 1);
}

TEST_P(KeyStoreContract, ARevocationSticksAndMovesTheKeysChangePosition) {
  KeyStore& keys = *store_;
  std::string acme = new_account("acme");
  keys.insert_key(key_record("key_1", acme));
  std::int64_t before = keys.find_key("key_1")->rev;
  EXPECT_TRUE(keys.revoke_key("key_1"));
  auto revoked = keys.find_key("key_1");
  ASSERT_TRUE(revoked);
  EXPECT_TRUE(revoked->revoked);
  EXPECT_GT(revoked->rev, before);
  EXPECT_TRUE(keys.revoke_key("key_1"));  // again: fine
  EXPECT_FALSE(keys.revoke_key("key_none"));
  EXPECT_EQ(keys.count_keys(), 1);  // revoked keys stay
  // Another connection sees it.
  EXPECT_TRUE(open_another()->find_key("key_1")->revoked);
}

TEST_P(KeyStoreContract, PagesKeysByIdLeavingChatKeysOut) {
  KeyStore& keys = *store_;
  std::string acme = new_account("acme");
  std::string beta = new_account("beta");
  for (int i = 0; i < 5; ++i)
    keys.insert_key(key_record("key_a" + std::to_string(i), i % 2 ? beta : acme));
  KeyRecord chat = key_record("key_a9", acme);
  chat.session_id = "hash-of-a-session";
  keys.insert_key(chat);
  keys.revoke_key("key_a1");
  auto first = keys.list_keys_page(std::nullopt, "", 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, "key_a0");
  EXPECT_EQ(first[1].id, "key_a1");
  EXPECT_TRUE(first[1].revoked);  // revoked keys are listed
  auto rest = keys.list_keys_page(std::nullopt, first.back().id, 10);
  ASSERT_EQ(rest.size(), 3u);  // a2, a3, a4: not the chat key
  EXPECT_EQ(rest.back().id, "key_a4");
  auto theirs = keys.list_keys_page(beta, "", 10);
  ASSERT_EQ(theirs.size(), 2u);
  EXPECT_EQ(theirs[1].id, "key_a3");
  EXPECT_TRUE(keys.list_keys_page(acme, "key_a4", 10).empty());
}

TEST_P(KeyStoreContract, RevokesExpiredKeysOnceAndForgetsThemLater) {
  KeyStore& keys = *store_;
  std::string acme = new_account("acme");
  KeyRecord chat = key_record("key_chat", acme);
  chat.expires_at_ms = 1'000'000;
  chat.session_id = "hash-of-a-session";
  chat.user_id = "usr_1";
  KeyRecord later = key_record("key_later", acme);
  later.expires_at_ms = 5'000'000;
  keys.insert_key(chat);
  keys.insert_key(later);
  keys.insert_key(key_record("key_plain", acme));
  auto found = keys.find_key("key_chat");
  EXPECT_EQ(found->expires_at_ms, 1'000'000);
  EXPECT_EQ(found->session_id, "hash-of-a-session");
  EXPECT_EQ(found->user_id, "usr_1");
  const std::int64_t before = found->rev;

  EXPECT_EQ(keys.expire_keys(2'000'000, 0), 1);
  EXPECT_TRUE(keys.find_key("key_chat")->revoked);
  EXPECT_GT(keys.find_key("key_chat")->rev, before);  // the change feed reports it
  EXPECT_FALSE(keys.find_key("key_later")->revoked);
  EXPECT_EQ(keys.expire_keys(2'000'000, 0), 0);          // once
  EXPECT_EQ(keys.expire_keys(9'000'000, 2'000'000), 1);  // key_later; key_chat is forgotten
  EXPECT_FALSE(keys.find_key("key_chat"));
  EXPECT_TRUE(keys.find_key("key_later"));
  EXPECT_FALSE(keys.find_key("key_plain")->revoked);  // a key without an end never expires
}

}  // namespace
}  // namespace glmgate
