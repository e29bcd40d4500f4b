// The `redis` URL: its parts, the redacted form for logs, and errors that never quote it.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/redis_url.hpp"

namespace glmgate {
namespace {

TEST(RedisUrl, TakesThePartsApart) {
  auto plain = parse_redis_url("redis://localhost");
  ASSERT_TRUE(plain.url) << plain.error;
  EXPECT_FALSE(plain.url->tls);
  EXPECT_EQ(plain.url->host, "localhost");
  EXPECT_EQ(plain.url->port, 6379);
  EXPECT_EQ(plain.url->db, 0);
  EXPECT_TRUE(plain.url->user.empty());
  EXPECT_TRUE(plain.url->password.empty());

  auto full = parse_redis_url("rediss://gw:p%40ss@redis.internal:6380/3");
  ASSERT_TRUE(full.url) << full.error;
  EXPECT_TRUE(full.url->tls);
  EXPECT_EQ(full.url->user, "gw");
  EXPECT_EQ(full.url->password, "p@ss");
  EXPECT_EQ(full.url->host, "redis.internal");
  EXPECT_EQ(full.url->port, 6380);
  EXPECT_EQ(full.url->db, 3);

  auto password_only = parse_redis_url("redis://:secret@127.0.0.1:7000/");
  ASSERT_TRUE(password_only.url);
  EXPECT_TRUE(password_only.url->user.empty());
  EXPECT_EQ(password_only.url->password, "secret");
  EXPECT_EQ(password_only.url->db, 0);

  auto v6 = parse_redis_url("redis://[::1]:7001/2");
  ASSERT_TRUE(v6.url) << v6.error;
  EXPECT_EQ(v6.url->host, "::1");
  EXPECT_EQ(v6.url->redacted(), "redis://[::1]:7001/2");
}

TEST(RedisUrl, RedactsThePassword) {
  EXPECT_EQ(parse_redis_url("redis://:secret@h:1/0").url->redacted(), "redis://:***@h:1/0");
  EXPECT_EQ(parse_redis_url("rediss://u:secret@h/5").url->redacted(), "rediss://u:***@h:6379/5");
  EXPECT_EQ(parse_redis_url("redis://h").url->redacted(), "redis://h:6379/0");
}

TEST(RedisUrl, SaysWhatIsWrongWithoutQuotingIt) {
  for (const char* bad :
       {"http://:secret@h:6379", "redis://:secret@:6379", "redis://:secret@h:99999",
        "redis://:secret@h:6379/x", "redis://:secret@h:6379/0?x=1", "secret", ""}) {
    auto parsed = parse_redis_url(bad);
    EXPECT_FALSE(parsed.url) << bad;
    EXPECT_EQ(parsed.error.find("secret"), std::string::npos) << parsed.error;
    EXPECT_NE(parsed.error.find("redis://"), std::string::npos) << parsed.error;  // the shape
  }
  EXPECT_NE(parse_redis_url("http://h").error.find("scheme"), std::string::npos);
  EXPECT_NE(parse_redis_url("redis://h:0").error.find("port"), std::string::npos);
  EXPECT_NE(parse_redis_url("redis://h/x").error.find("database"), std::string::npos);
}

TEST(ParseConfig, ReadsRedisAndNamesTheKeyWithoutThePassword) {
  EXPECT_TRUE(builtin_config().redis.empty());
  Config c = parse_config("redis = \"redis://:pw@127.0.0.1:6390/1\"\n", "t.toml");
  EXPECT_EQ(c.redis, "redis://:pw@127.0.0.1:6390/1");
  try {
    parse_config("redis = \"https://:hunter2@127.0.0.1:6390\"\n", "t.toml");
    FAIL() << "accepted an https URL";
  } catch (const ConfigError& e) {
    std::string what = e.what();
    EXPECT_EQ(what.rfind("t.toml: redis: ", 0), 0u) << what;
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
  }
  EXPECT_THROW(parse_config("redis = 6379\n", "t.toml"), ConfigError);
}

}  // namespace
}  // namespace glmgate
