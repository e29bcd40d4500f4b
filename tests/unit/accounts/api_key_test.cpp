// API keys: format, randomness, hashing, and the in-memory cache that authenticates requests.
#include <gtest/gtest.h>

#include <set>

#include "accounts/api_key.hpp"
#include "accounts/key_cache.hpp"
#include "core/random.hpp"

namespace glmgate {
namespace {

TEST(ApiKey, HasThePrefixAndFixedLengthBase62) {
  auto k = generate_key("ci", false);
  ASSERT_EQ(k.secret.rfind("sk-glm-", 0), 0u);
  EXPECT_EQ(k.secret.size(), 7u + 43u);  // 32 bytes in base62
  for (char c : k.secret.substr(7))
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
  EXPECT_EQ(k.record.prefix, k.secret.substr(0, 12));
  EXPECT_EQ(k.record.hash, to_hex(sha256(k.secret)));
  EXPECT_EQ(k.record.id.rfind("key_", 0), 0u);
  EXPECT_EQ(k.record.name, "ci");
}

TEST(ApiKey, IsUniqueAcrossManyKeys) {
  std::set<std::string> secrets, ids;
  for (int i = 0; i < 2000; ++i) {
    auto k = generate_key("k", false);
    secrets.insert(k.secret);
    ids.insert(k.record.id);
  }
  EXPECT_EQ(secrets.size(), 2000u);
  EXPECT_EQ(ids.size(), 2000u);
}

TEST(ApiKey, HashesWithSha256) {
  EXPECT_EQ(to_hex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Base62, EncodesBigEndianNumbersWithFixedWidth) {
  std::vector<std::uint8_t> zero(32, 0), one(32, 0);
  one[31] = 1;
  EXPECT_EQ(base62_encode(zero), std::string(43, '0'));
  EXPECT_EQ(base62_encode(one), std::string(42, '0') + "1");
  std::vector<std::uint8_t> v{0x01, 0x00};  // 256 = 4*62 + 8
  EXPECT_EQ(base62_encode(v), "048");
}

TEST(KeyCache, FindsActiveKeysAndForgetsRevokedOnes) {
  KeyCache cache;
  auto a = generate_key("a", false);
  auto b = generate_key("b", true);
  a.record.rev = 1;
  b.record.rev = 2;
  cache.apply({a.record, b.record});
  EXPECT_EQ(cache.rev(), 2);
  auto found = cache.find(a.secret);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a.record.id);
  EXPECT_FALSE(found->admin);
  EXPECT_TRUE(cache.find(b.secret)->admin);
  EXPECT_FALSE(cache.find(a.secret + "x"));
  EXPECT_FALSE(cache.find(""));
  EXPECT_FALSE(cache.find(std::string(10000, 'k')));
  a.record.revoked = true;
  a.record.rev = 3;
  cache.apply({a.record});
  EXPECT_FALSE(cache.find(a.secret));
  EXPECT_TRUE(cache.find(b.secret));
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace glmgate
