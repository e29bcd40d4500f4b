// UserService: an invitation's link sets the first password once and only within its lifetime;
// sign-in refuses every wrong case alike and keeps nothing but hashes; a session ends when idle,
// at its end, on sign-out, on sign-out everywhere, on a new password and when its user is
// disabled; emails are normalized and duplicates refused.
#include "accounts/user_service.hpp"

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "store_fixture.hpp"

namespace glmgate {
namespace {

constexpr const char* kPassword = "a long enough password";

class UserServiceTest : public FundedStoreTest {
 protected:
  UserService service() {
    return UserService(*store_, *store_, lifetimes_, minimum_password_cost());
  }
  UserLifetimes lifetimes_{
      .link_ms = 3'600'000, .session_idle_ms = 600'000, .session_max_ms = 86'400'000};
};

TEST_F(UserServiceTest, AnInvitationSetsTheFirstPasswordOnceWithinItsLifetime) {
  UserService users = service();
  UserWithLink invited = users.invite("alice", "  Ann@Example.COM ", "cli");
  EXPECT_EQ(invited.user.email, "ann@example.com");
  EXPECT_EQ(invited.user.account_id, account_);
  EXPECT_EQ(invited.user.role, "member");
  EXPECT_GE(invited.token.size(), 40u);
  // Only the token's hash is stored.
  EXPECT_FALSE(store_->find_link(invited.token, unix_ms_now()));
  EXPECT_TRUE(store_->find_link(secret_hash(invited.token), unix_ms_now()));

  const std::int64_t now = unix_ms_now();
  EXPECT_EQ(users.link_user(invited.token, now).email, "ann@example.com");
  try {
    users.set_password(invited.token, "short", now);
    FAIL();
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.status, 400);
  }
  UserRecord set = users.set_password(invited.token, kPassword, now);
  EXPECT_TRUE(set.password_hash.starts_with("$argon2id$"));
  try {
    users.set_password(invited.token, "another long password", now);
    FAIL();
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.status, 410);  // used
  }
  UserWithLink late = users.reset_link("ann@example.com");
  try {
    users.set_password(late.token, "another long password", now + lifetimes_.link_ms + 60'000);
    FAIL();
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.status, 410);  // expired
  }
  EXPECT_NO_THROW(users.sign_in("ann@example.com", kPassword, now));  // the old one still works
}

TEST_F(UserServiceTest, RefusesABadEmailAnEmailTakenAndAnUnknownAccount) {
  UserService users = service();
  users.invite("alice", "ann@example.com", "cli");
  auto status = [&](auto call) {
    try {
      call();
    } catch (const ServiceError& e) {
      return e.status;
    }
    return 0;
  };
  EXPECT_EQ(status([&] { users.invite("alice", "ANN@example.com", "cli"); }), 409);
  EXPECT_EQ(status([&] { users.create_operator("ann@example.com", "cli"); }), 409);
  EXPECT_EQ(status([&] { users.invite("nobody", "bob@example.com", "cli"); }), 404);
  for (const char* bad : {"", "bob", "bob@", "@example.com", "bob@example", "b ob@example.com",
                          "bob@@example.com", "bob@example."})
    EXPECT_EQ(status([&] { users.invite("alice", bad, "cli"); }), 400) << bad;
  EXPECT_EQ(status([&] { users.reset_link("nobody@example.com"); }), 404);
  EXPECT_EQ(status([&] { users.set_disabled("usr_nobody", true); }), 404);
  UserWithLink op = users.create_operator("root@example.com", "cli");
  EXPECT_EQ(op.user.role, "operator");
  EXPECT_EQ(op.user.account_id, "");
  EXPECT_EQ(users.list().size(), 2u);
  EXPECT_EQ(users.list("alice").size(), 1u);
}

TEST_F(UserServiceTest, SignInRefusesEveryWrongCaseAlike) {
  UserService users = service();
  const std::int64_t now = unix_ms_now();
  UserWithLink ann = users.invite("alice", "ann@example.com", "cli");
  auto refused = [&](const std::string& email, const std::string& password) {
    try {
      users.sign_in(email, password, now);
    } catch (const ServiceError& e) {
      EXPECT_EQ(e.status, 401);
      EXPECT_STREQ(e.what(), "the email or the password is wrong");
      return true;
    }
    return false;
  };
  EXPECT_TRUE(refused("ann@example.com", ""));  // no password set yet
  users.set_password(ann.token, kPassword, now);
  EXPECT_TRUE(refused("ann@example.com", "a long enough passworD"));
  EXPECT_TRUE(refused("nobody@example.com", kPassword));
  EXPECT_FALSE(refused("ANN@example.com", kPassword));
  users.set_disabled(ann.user.id, true);
  EXPECT_TRUE(refused("ann@example.com", kPassword));
}

TEST_F(UserServiceTest, FiveWrongPasswordsInARowLockTheUserEverywhereForLongerEachTime) {
  UserService users = service();
  UserService elsewhere = service();  // another instance on the same store
  std::int64_t now = unix_ms_now();
  UserWithLink ann = users.invite("alice", "ann@example.com", "cli");
  users.set_password(ann.token, kPassword, now);
  auto status_of = [&](UserService& u, const std::string& password, long long* retry = nullptr) {
    try {
      u.sign_in("ann@example.com", password, now);
      return 200;
    } catch (const ServiceError& e) {
      if (retry) *retry = e.retry_after_s;
      return e.status;
    }
  };
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(status_of(i % 2 ? users : elsewhere, "wrong password, long"), 401) << i;
  long long retry = 0;
  EXPECT_EQ(status_of(elsewhere, kPassword, &retry), 429);  // even the right one: not checked
  EXPECT_EQ(retry, 1);
  now += 1000;
  EXPECT_EQ(status_of(users, "wrong password, long"), 401);  // the 6th: 2 s
  EXPECT_EQ(status_of(users, kPassword, &retry), 429);
  EXPECT_EQ(retry, 2);
  now += 2000;
  EXPECT_EQ(status_of(users, kPassword), 200);  // a success starts the count again
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(status_of(users, "wrong password, long"), 401);
  EXPECT_EQ(status_of(users, kPassword), 200);
}

TEST_F(UserServiceTest, TenFailuresFromOneAddressLockItEverywhereWhateverTheEmail) {
  UserService users = service();
  UserService elsewhere = service();  // another instance on the same store
  std::int64_t now = unix_ms_now();
  UserWithLink ann = users.invite("alice", "ann@example.com", "cli");
  users.set_password(ann.token, kPassword, now);
  const std::string from = "203.0.113.9";
  auto status_of = [&](UserService& u, const std::string& email, const std::string& password,
                       const std::string& address, std::string* message = nullptr) {
    try {
      u.sign_in(email, password, now, address);
      return 200;
    } catch (const ServiceError& e) {
      if (message) *message = e.what();
      return e.status;
    }
  };
  // A spray: a wrong password for ann, unknown emails, over two instances; ann's own count stays
  // under her lock (4), the address's reaches 10.
  for (int i = 0; i < 10; ++i) {
    const std::string email =
        i % 3 == 0 ? "ann@example.com" : "nobody" + std::to_string(i) + "@x.example";
    EXPECT_EQ(status_of(i % 2 ? users : elsewhere, email, "wrong password, long", from), 401) << i;
  }
  std::string message;
  EXPECT_EQ(status_of(users, "ann@example.com", kPassword, from, &message), 429);
  EXPECT_EQ(message, "too many failed sign-ins from this address; try again in 1 s");
  EXPECT_EQ(status_of(elsewhere, "ann@example.com", kPassword, "198.51.100.2"), 200);  // another
  now += 1000;
  EXPECT_EQ(status_of(elsewhere, "ann@example.com", kPassword, from), 200);  // the lock ended
  EXPECT_EQ(status_of(users, "ann@example.com", "wrong password, long", from), 401);  // 11th: 2 s
  EXPECT_EQ(status_of(elsewhere, "ann@example.com", kPassword, from), 429);
}

TEST_F(UserServiceTest, ASessionEndsIdleAtItsEndOnSignOutAndOnANewPassword) {
  UserService users = service();
  const std::int64_t t0 = unix_ms_now();
  UserWithLink ann = users.invite("alice", "ann@example.com", "cli");
  users.set_password(ann.token, kPassword, t0);
  NewSession s = users.sign_in("ann@example.com", kPassword, t0);
  EXPECT_FALSE(store_->find_session(s.secret));  // kept as its hash only
  ASSERT_TRUE(users.session(s.secret, t0 + 1000));
  EXPECT_EQ(users.session(s.secret, t0 + 1000)->user.email, "ann@example.com");
  EXPECT_FALSE(users.session("not-a-session", t0));
  EXPECT_FALSE(users.session(s.secret, t0 + lifetimes_.session_idle_ms + 1));  // idle too long

  // Used every 9 minutes it lasts until its end, not beyond.
  NewSession busy = users.sign_in("ann@example.com", kPassword, t0);
  std::int64_t t = t0;
  for (; t + 540'000 < t0 + lifetimes_.session_max_ms; t += 540'000)
    ASSERT_TRUE(users.session(busy.secret, t)) << (t - t0);
  EXPECT_FALSE(users.session(busy.secret, t0 + lifetimes_.session_max_ms));

  NewSession a = users.sign_in("ann@example.com", kPassword, t0);
  NewSession b = users.sign_in("ann@example.com", kPassword, t0);
  users.end_session(a.secret);
  EXPECT_FALSE(users.session(a.secret, t0 + 1));
  EXPECT_TRUE(users.session(b.secret, t0 + 1));

  // A new password keeps the session it was changed from, ends the others and retires the
  // user's open links.
  NewSession c = users.sign_in("ann@example.com", kPassword, t0);
  UserWithLink pending = users.reset_link("ann@example.com");
  users.change_password(ann.user.id, kPassword, "a brand new password", c.secret);
  EXPECT_TRUE(users.session(c.secret, t0 + 1));
  EXPECT_FALSE(users.session(b.secret, t0 + 1));
  EXPECT_THROW(users.link_user(pending.token, unix_ms_now()), ServiceError);
  try {
    users.change_password(ann.user.id, kPassword, "yet another password", c.secret);
    FAIL();
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.status, 401);  // the current one is the new one now
  }
  EXPECT_EQ(users.end_all_sessions(ann.user.id), 1);
  EXPECT_FALSE(users.session(c.secret, t0 + 1));

  NewSession d = users.sign_in("ann@example.com", "a brand new password", t0);
  users.set_disabled(ann.user.id, true);
  EXPECT_FALSE(users.session(d.secret, t0 + 1));
}

}  // namespace
}  // namespace glmgate
