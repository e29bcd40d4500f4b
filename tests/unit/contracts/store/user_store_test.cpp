// The UserStore contract (contracts/store/user_store.hpp), for every backend: users unique by ID
// and email, members only of an account that exists; a link redeemed once however many race for
// it, never after it expired or for a disabled user, and redeeming it sets the password and ends
// the user's sessions; sessions end one at a time, everywhere, on disabling, and by the sweep.
#include <atomic>
#include <thread>

#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

using UserStoreContract = StoreContractTest;
GLMGATE_STORE_CONTRACT(UserStoreContract);

UserRecord member(const std::string& id, const std::string& email, const std::string& account) {
  return UserRecord{id, email, user_role::kMember, account, "", false, "cli", 1'000};
}

UserLink link_for(const std::string& token_hash, const std::string& user_id,
                  std::int64_t expires_at) {
  return UserLink{token_hash, user_id, link_purpose::kInvite, 1'000, expires_at, 0};
}

TEST_P(UserStoreContract, KeepsUsersUniqueByIdAndEmailAndMembersInAnAccountThatExists) {
  std::string acme = new_account("acme");
  store_->insert_user(member("usr_1", "a@example.com", acme));
  UserRecord op{"usr_op", "op@example.com", user_role::kOperator, "", "", false, "cli", 2'000};
  store_->insert_user(op);
  EXPECT_THROW(store_->insert_user(member("usr_2", "a@example.com", acme)), StoreConflict);
  EXPECT_THROW(store_->insert_user(member("usr_1", "b@example.com", acme)), StoreConflict);
  EXPECT_THROW(store_->insert_user(member("usr_3", "c@example.com", "acct_none")), StoreConflict);

  auto other = open_another();
  auto found = other->find_user_by_email("a@example.com");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "usr_1");
  EXPECT_EQ(found->account_id, acme);
  EXPECT_EQ(found->role, "member");
  EXPECT_EQ(found->password_hash, "");
  EXPECT_EQ(other->find_user("usr_op")->role, "operator");
  EXPECT_FALSE(other->find_user("usr_2"));
  ASSERT_EQ(other->list_users(std::nullopt).size(), 2u);
  EXPECT_EQ(other->list_users(std::nullopt)[0].id, "usr_1");  // oldest first
  auto members = other->list_users(acme);
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].email, "a@example.com");

  EXPECT_TRUE(store_->set_password_hash("usr_op", "$argon2id$new"));
  EXPECT_EQ(other->find_user("usr_op")->password_hash, "$argon2id$new");
  EXPECT_FALSE(store_->set_password_hash("usr_none", "x"));
}

TEST_P(UserStoreContract, RedeemsALinkOnceSettingThePasswordAndEndingTheSessions) {
  std::string acme = new_account("acme");
  store_->insert_user(member("usr_1", "a@example.com", acme));
  store_->insert_session({"sess_old", "usr_1", 1'000, 1'000, 900'000});
  store_->insert_link(link_for("hash_1", "usr_1", 10'000));

  EXPECT_TRUE(store_->find_link("hash_1", 5'000));
  EXPECT_FALSE(store_->find_link("hash_1", 10'000));  // expired then
  EXPECT_FALSE(store_->redeem_link("hash_1", "$argon2id$late", 10'000));
  EXPECT_EQ(store_->find_user("usr_1")->password_hash, "");

  // Eight threads, two connections: one redeems it.
  auto other = open_another();
  std::atomic<int> redeemed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      UserStore& s = i % 2 ? static_cast<UserStore&>(*other) : *store_;
      if (s.redeem_link("hash_1", "$argon2id$" + std::to_string(i), 5'000)) ++redeemed;
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(redeemed.load(), 1);
  EXPECT_NE(store_->find_user("usr_1")->password_hash, "");
  EXPECT_FALSE(store_->find_session("sess_old"));  // whoever held it is signed out
  EXPECT_FALSE(store_->find_link("hash_1", 5'000));
  EXPECT_FALSE(store_->redeem_link("hash_1", "$argon2id$again", 6'000));
  EXPECT_FALSE(store_->redeem_link("hash_unknown", "$argon2id$x", 6'000));

  // A password change retires the user's open links.
  store_->insert_link(link_for("hash_r1", "usr_1", 20'000));
  store_->insert_link(link_for("hash_r2", "usr_1", 20'000));
  EXPECT_EQ(store_->retire_links("usr_1", 5'500), 2);
  EXPECT_FALSE(store_->find_link("hash_r1", 5'500));
  EXPECT_EQ(store_->retire_links("usr_1", 5'600), 0);

  // Redeeming one link retires the user's others.
  store_->insert_link(link_for("hash_a", "usr_1", 20'000));
  store_->insert_link(link_for("hash_b", "usr_1", 20'000));
  ASSERT_TRUE(store_->redeem_link("hash_a", "$argon2id$a", 6'000));
  EXPECT_FALSE(store_->find_link("hash_b", 6'000));
  EXPECT_FALSE(store_->redeem_link("hash_b", "$argon2id$b", 6'000));

  // A disabled user's link does nothing, and stays retired once the user is enabled again.
  store_->insert_link(link_for("hash_2", "usr_1", 20'000));
  EXPECT_TRUE(store_->set_user_disabled("usr_1", true));
  const std::string before = store_->find_user("usr_1")->password_hash;
  EXPECT_FALSE(store_->redeem_link("hash_2", "$argon2id$disabled", 7'000));
  EXPECT_EQ(store_->find_user("usr_1")->password_hash, before);
  EXPECT_TRUE(store_->set_user_disabled("usr_1", false));
  EXPECT_FALSE(store_->redeem_link("hash_2", "$argon2id$enabled", 7'000));
  EXPECT_FALSE(store_->set_user_disabled("usr_none", true));
}

TEST_P(UserStoreContract, EndsSessionsOneByOneEverywhereOnDisablingAndByTheSweep) {
  std::string acme = new_account("acme");
  store_->insert_user(member("usr_1", "a@example.com", acme));
  store_->insert_user(member("usr_2", "b@example.com", acme));
  store_->insert_session({"s1", "usr_1", 1'000, 1'000, 100'000});
  store_->insert_session({"s2", "usr_1", 1'000, 1'000, 100'000});
  store_->insert_session({"s3", "usr_2", 1'000, 1'000, 100'000});
  store_->insert_session({"s4", "usr_2", 1'000, 1'000, 100'000});

  store_->touch_session("s1", 50'000);
  store_->touch_session("s1", 40'000);  // never back
  EXPECT_EQ(store_->find_session("s1")->last_seen_at, 50'000);
  EXPECT_TRUE(store_->delete_session("s2"));
  EXPECT_FALSE(store_->delete_session("s2"));
  EXPECT_EQ(store_->delete_user_sessions("usr_1"), 1);
  EXPECT_FALSE(store_->find_session("s1"));
  EXPECT_TRUE(store_->find_session("s3"));

  store_->insert_link(link_for("l_used", "usr_2", 1'000'000'000));
  store_->insert_link(link_for("l_live", "usr_1", 1'000'000'000));  // another user's
  ASSERT_TRUE(store_->redeem_link("l_used", "$argon2id$x", 50'000));
  EXPECT_FALSE(store_->find_session("s3"));  // redeeming ended the user's sessions
  EXPECT_FALSE(store_->find_session("s4"));
  store_->insert_session({"s5", "usr_2", 60'000, 60'000, 100'000});
  store_->insert_session({"s6", "usr_2", 60'000, 60'000, 70'000});
  store_->insert_session({"s8", "usr_2", 20'000, 20'000, 100'000});
  // At 80 s with sessions idle for 30 s at most: s6 is past its end, s8 unused since 20 s.
  EXPECT_EQ(store_->sweep_users(80'000, 30'000), 2);
  EXPECT_TRUE(store_->find_session("s5"));
  // A day after it was used, the used link goes; the live one stays.
  EXPECT_EQ(store_->sweep_users(50'000 + 86'400'000, 86'400'000 * 10), 2);  // s5 ended too
  EXPECT_TRUE(store_->find_link("l_live", 60'000));

  store_->insert_session({"s7", "usr_2", 1'000, 1'000, 1'000'000'000});
  EXPECT_TRUE(store_->set_user_disabled("usr_2", true));
  EXPECT_FALSE(store_->find_session("s7"));
  EXPECT_TRUE(store_->find_user("usr_2")->disabled);
  EXPECT_TRUE(store_->set_user_disabled("usr_2", false));
  EXPECT_FALSE(store_->find_user("usr_2")->disabled);
}

TEST_P(UserStoreContract, CountsFailedSignInsPerAddressInRunsAndLocksFromTheTenth) {
  const std::int64_t t = 10'000'000;
  for (int i = 1; i <= 9; ++i)
    EXPECT_EQ(store_->record_failed_sign_in_from("203.0.113.7", t + i), 0) << i;
  EXPECT_EQ(store_->address_locked_until("203.0.113.7"), 0);
  EXPECT_EQ(store_->record_failed_sign_in_from("203.0.113.7", t + 10), t + 10 + 1000);
  EXPECT_EQ(store_->address_locked_until("203.0.113.7"), t + 10 + 1000);
  EXPECT_EQ(store_->record_failed_sign_in_from("203.0.113.7", t + 2000), t + 2000 + 2000);
  EXPECT_EQ(store_->address_locked_until("198.51.100.1"), 0);  // another address: its own count
  EXPECT_EQ(store_->record_failed_sign_in_from("198.51.100.1", t), 0);
  // Twenty failures later the wait stops growing at 15 minutes.
  for (int i = 0; i < 20; ++i)
    store_->record_failed_sign_in_from("203.0.113.7", t + 3000 + i);
  EXPECT_EQ(store_->address_locked_until("203.0.113.7"), t + 3019 + 900'000);
  // The first failure once that lock ends goes on with the run: 15 minutes again, not 9 free.
  const std::int64_t end = t + 3019 + 900'000;
  EXPECT_EQ(store_->record_failed_sign_in_from("203.0.113.7", end + 1), end + 1 + 900'000);
  // A failure 15 minutes after the end of the last lock starts a new run.
  const std::int64_t quiet = end + 1 + 900'000 + 900'000;
  EXPECT_EQ(store_->record_failed_sign_in_from("203.0.113.7", quiet), 0);
  EXPECT_EQ(store_->address_locked_until("203.0.113.7"), 0);
  // A day after its last failure, the sweep forgets the address.
  EXPECT_EQ(store_->sweep_users(t + 86'400'000, 86'400'000 * 10), 1);  // 198.51.100.1
  EXPECT_EQ(store_->sweep_users(quiet + 86'400'000, 86'400'000 * 10), 1);
  EXPECT_EQ(store_->record_failed_sign_in_from("203.0.113.7", quiet + 86'400'001), 0);
}

}  // namespace
}  // namespace glmgate
