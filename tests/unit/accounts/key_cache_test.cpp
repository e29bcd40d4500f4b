// KeyCache: a key found once on a thread (and kept there) still follows every later change: a
// new limit shows at the next lookup, a revoked key is refused at once, and two caches never
// answer for each other.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "accounts/api_key.hpp"
#include "accounts/key_cache.hpp"

namespace glmgate {
namespace {

KeyRecord record(const std::string& secret, std::int64_t rpm, std::int64_t rev) {
  KeyRecord r;
  r.id = "key_" + secret;
  r.account_id = "acct_1";
  r.hash = to_hex(sha256(secret));
  r.rpm = rpm;
  r.rev = rev;
  return r;
}

TEST(KeyCache, AKeyFoundBeforeFollowsLaterChangesAndRevocation) {
  KeyCache cache;
  cache.apply({record("sk-one", 60, 1)});
  for (int i = 0; i < 3; ++i) {  // found, then served from the thread's copy
    auto found = cache.find("sk-one");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->rpm, 60);
  }
  EXPECT_FALSE(cache.find("sk-unknown"));

  cache.apply({record("sk-one", 600, 2)});
  auto changed = cache.find("sk-one");
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->rpm, 600);

  KeyRecord revoked = record("sk-one", 600, 3);
  revoked.revoked = true;
  cache.apply({revoked});
  EXPECT_FALSE(cache.find("sk-one"));
  EXPECT_EQ(changed->rpm, 600) << "a call holding the key keeps what it was given";

  KeyCache other;
  EXPECT_FALSE(other.find("sk-one"));
  other.apply({record("sk-one", 5, 1)});
  EXPECT_EQ(other.find("sk-one")->rpm, 5);
  EXPECT_FALSE(cache.find("sk-one")) << "the first cache still has it revoked";
}

}  // namespace
}  // namespace glmgate

namespace glmgate {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(KeyCache, RefusesAChatKeyPastItsEndEvenFromAThreadsCopy) {
  KeyCache cache;
  KeyRecord chat = record("sk-chat", 0, 1);
  chat.expires_at_ms = now_ms() + 150;
  KeyRecord gone = record("sk-gone", 0, 2);
  gone.expires_at_ms = now_ms() - 1;
  cache.apply({chat, gone, record("sk-plain", 0, 3)});
  ASSERT_TRUE(cache.find("sk-chat"));  // now kept in this thread's copies too
  EXPECT_FALSE(cache.find("sk-gone"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(cache.find("sk-chat"));
  EXPECT_TRUE(cache.find("sk-plain"));  // a key without an end never ends
}

}  // namespace
}  // namespace glmgate
