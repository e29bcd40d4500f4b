// Argon2id passwords: a hash verifies its password and no other, two hashes of one password differ
// (their salts), a hash records its cost (a cheaper one needs a rehash, garbage always does), and
// the policy refuses short, long and email-equal passwords.
#include "accounts/password.hpp"

#include <gtest/gtest.h>

namespace glmgate {
namespace {

TEST(Password, AHashVerifiesItsPasswordAndNoOther) {
  const std::string hash = hash_password("correct horse battery", minimum_password_cost());
  EXPECT_TRUE(hash.starts_with("$argon2id$"));
  EXPECT_EQ(hash.find("correct horse"), std::string::npos);
  EXPECT_TRUE(verify_password(hash, "correct horse battery"));
  EXPECT_FALSE(verify_password(hash, "correct horse battery "));
  EXPECT_FALSE(verify_password(hash, ""));
  EXPECT_FALSE(verify_password("", "correct horse battery"));
  EXPECT_FALSE(verify_password("$argon2id$garbage", "correct horse battery"));
}

TEST(Password, TwoHashesOfOnePasswordDiffer) {
  const std::string a = hash_password("the same password", minimum_password_cost());
  const std::string b = hash_password("the same password", minimum_password_cost());
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password(a, "the same password"));
  EXPECT_TRUE(verify_password(b, "the same password"));
}

TEST(Password, AHashBelowTodaysCostNeedsARehash) {
  const std::string cheap = hash_password("a long enough one", minimum_password_cost());
  EXPECT_FALSE(needs_rehash(cheap, minimum_password_cost()));
  EXPECT_TRUE(needs_rehash(cheap, interactive_password_cost()));
  EXPECT_TRUE(needs_rehash("not a hash"));
  EXPECT_TRUE(needs_rehash(""));
}

TEST(Password, TheInteractiveCostHashesToo) {
  const std::string hash = hash_password("a long enough one");
  EXPECT_NE(hash.find("m=65536,t=2"), std::string::npos) << hash;
  EXPECT_TRUE(verify_password(hash, "a long enough one"));
  EXPECT_FALSE(needs_rehash(hash));
}

TEST(Password, ThePolicyRefusesShortLongAndEmailPasswords) {
  EXPECT_TRUE(password_problem("short", "a@example.com"));
  EXPECT_TRUE(password_problem(std::string(257, 'x'), "a@example.com"));
  EXPECT_TRUE(password_problem("Ann@Example.com", "ann@example.com"));
  EXPECT_FALSE(password_problem("twelve chars", "a@example.com"));
  EXPECT_FALSE(password_problem(std::string(256, 'x'), ""));
}

}  // namespace
}  // namespace glmgate
