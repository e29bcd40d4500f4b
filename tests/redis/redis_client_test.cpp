// RedisClient against a real Redis: replies of every type, pipelining, EVALSHA after the scripts
// were flushed, a command that outlives its deadline, a wrong password, and a Redis that is not
// there at all.
#include <gtest/gtest.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "backends/redis/redis_client.hpp"
#include "redis_test_support.hpp"

namespace glmgate {
namespace {

namespace asio = boost::asio;
using test::run;
using Type = RedisReply::Type;

TEST(RedisClient, ReadsEveryKindOfReply) {
  asio::io_context io;
  RedisClient client(test::shared_redis(), {});
  const std::string key = test::unique("client"), list = key + ":list";
  auto replies = run(io, [&]() -> asio::awaitable<std::vector<RedisReply>> {
    std::vector<RedisReply> r;
    r.push_back(co_await client.command(test::args("SET", key, std::string("a\0b", 3))));
    r.push_back(co_await client.command(test::args("GET", key)));
    r.push_back(co_await client.command(test::args("GET", key + ":none")));
    r.push_back(co_await client.command(test::args("RPUSH", list, "x", "y")));
    r.push_back(co_await client.command(test::args("LRANGE", list, "0", "-1")));
    r.push_back(co_await client.command(test::args("INCR", key)));  // not a number
    r.push_back(co_await client.command(test::args("DEL", key, list)));
    co_return r;
  }());
  ASSERT_EQ(replies.size(), 7u);
  EXPECT_EQ(replies[0].type, Type::status);
  EXPECT_EQ(replies[0].str, "OK");
  EXPECT_EQ(replies[1].type, Type::string);
  EXPECT_EQ(replies[1].str, std::string("a\0b", 3));
  EXPECT_EQ(replies[2].type, Type::nil);
  EXPECT_EQ(replies[3].type, Type::integer);
  EXPECT_EQ(replies[3].integer, 2);
  ASSERT_EQ(replies[4].type, Type::array);
  ASSERT_EQ(replies[4].elements.size(), 2u);
  EXPECT_EQ(replies[4].elements[1].str, "y");
  EXPECT_EQ(replies[5].type, Type::error);
  EXPECT_FALSE(replies[5].ok());
  EXPECT_NE(replies[5].str.find("not an integer"), std::string::npos) << replies[5].str;
  EXPECT_EQ(replies[6].integer, 2);
}

TEST(RedisClient, PipelinesConcurrentCommandsInOrderAndReadsLargeReplies) {
  asio::io_context io;
  RedisClient client(test::shared_redis(), {});
  const std::string key = test::unique("pipeline"), big = key + ":big";
  constexpr int kCommands = 300;
  std::vector<std::int64_t> got;
  for (int i = 0; i < kCommands; ++i)
    asio::co_spawn(io, client.command(test::args("INCR", key)),
                   [&](std::exception_ptr, RedisReply r) {
                     got.push_back(r.type == Type::integer ? r.integer : -1);
                   });
  const std::string value(3 * 1024 * 1024 + 7, 'v');  // read over many socket reads
  auto read_back = run(io, [&]() -> asio::awaitable<RedisReply> {
    co_await client.command(test::args("SET", big, value));
    RedisReply r = co_await client.command(test::args("GET", big));
    co_await client.command(test::args("DEL", key, big));
    co_return r;
  }());
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCommands));
  for (int i = 0; i < kCommands; ++i)
    EXPECT_EQ(got[i], i + 1);  // replies matched to their commands, in order
  EXPECT_EQ(read_back.str.size(), value.size());
  EXPECT_EQ(read_back.str, value);
}

TEST(RedisClient, EvalShaFallsBackToEvalWhenRedisLostTheScript) {
  asio::io_context io;
  static const RedisScript script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  RedisClient client(test::shared_redis(), {.scripts = {&script}});
  const std::string key = test::unique("script");
  auto cmd = [&](const std::string& by) {
    auto c = script.call(1, 2);
    c.push_back(key);
    c.push_back(by);
    return c;
  };
  auto replies = run(io, [&]() -> asio::awaitable<std::vector<RedisReply>> {
    std::vector<RedisReply> r;
    r.push_back(co_await client.eval(script, cmd("2")));  // loaded on connect
    r.push_back(co_await client.command(test::args("SCRIPT", "FLUSH")));
    r.push_back(co_await client.eval(script, cmd("3")));  // NOSCRIPT, then EVAL
    co_await client.command(test::args("SCRIPT", "FLUSH"));
    EXPECT_TRUE(client.send_eval(script, cmd("5")));  // fire-and-forget: EVAL after NOSCRIPT too
    co_return r;
  }());
  test::run_for(io, std::chrono::milliseconds(200));
  auto total = run(io, client.command(test::args("GET", key)));
  run(io, client.command(test::args("DEL", key)));
  EXPECT_EQ(replies[0].integer, 2);
  EXPECT_TRUE(replies[1].ok());
  EXPECT_EQ(replies[2].integer, 5);
  EXPECT_EQ(total.str, "10");
}

TEST(RedisClient, ACommandPastItsDeadlineFailsAndTheConnectionRecovers) {
  asio::io_context io;
  RedisClient client(test::shared_redis(), {.deadline = std::chrono::milliseconds(100)});
  ASSERT_TRUE(run(io, client.command(test::args("PING"))).ok());
  auto start = std::chrono::steady_clock::now();
  // BLPOP holds the connection for a second: far past the deadline.
  RedisReply blocked = run(io, client.command(test::args("BLPOP", test::unique("nothing"), "1")));
  const auto waited = test::elapsed_ms(start);
  EXPECT_EQ(blocked.type, Type::failed);
  EXPECT_NE(blocked.str.find("did not answer within 100 ms"), std::string::npos) << blocked.str;
  EXPECT_LT(waited, 900) << "the deadline did not cut the wait short";
  // Taken for broken: the next command fails at once, then the connection comes back.
  RedisReply next = run(io, client.command(test::args("PING")));
  EXPECT_EQ(next.type, Type::failed);
  EXPECT_NE(next.str.find("unavailable"), std::string::npos) << next.str;
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    test::run_for(io, std::chrono::milliseconds(20));
    back = run(io, client.command(test::args("PING"))).ok();
  }
  EXPECT_TRUE(back);
}

TEST(RedisClient, AWrongPasswordFailsWithoutSayingIt) {
  asio::io_context io;
  RedisUrl url = test::shared_redis();
  url.password = "not-the-password-" + test::unique("x");
  std::string why;
  RedisClient client(url, {.on_state = [&](bool up, const std::string& w) {
                       if (!up) why = w;
                     }});
  RedisReply r = run(io, client.command(test::args("PING")));
  EXPECT_EQ(r.type, Type::failed);
  EXPECT_NE(why.find("AUTH failed"), std::string::npos) << why;
  EXPECT_EQ(why.find(url.password), std::string::npos) << why;
  EXPECT_EQ(r.str.find(url.password), std::string::npos) << r.str;
}

TEST(RedisClient, AnIdleConnectionThatRedisClosedComesBackQuietly) {
  asio::io_context io, other_io;
  int outages = 0;
  RedisClient client(test::shared_redis(), {.on_state = [&](bool up, const std::string&) {
                       if (!up) ++outages;
                     }});
  RedisClient other(test::shared_redis(), {});
  RedisReply id = run(io, client.command(test::args("CLIENT", "ID")));
  ASSERT_EQ(id.type, Type::integer);
  RedisReply killed =
      run(other_io, other.command(test::args("CLIENT", "KILL", "ID", std::to_string(id.integer))));
  EXPECT_EQ(killed.integer, 1);
  bool back = false;
  for (int i = 0; i < 50 && !back; ++i) {
    test::run_for(io, std::chrono::milliseconds(20));
    RedisReply again = run(io, client.command(test::args("CLIENT", "ID")));
    back = again.type == Type::integer && again.integer != id.integer;
  }
  EXPECT_TRUE(back);
  EXPECT_EQ(outages, 0);  // Redis's idle timeout is no outage
}

// rediss://: the server's certificate verified against the system's CAs (OpenSSL reads them
// from SSL_CERT_FILE when it is set: here, the test server's own certificate) and its name.
TEST(RedisClient, SpeaksTlsToAVerifiedServerOnly) {
  test::OwnRedis good("localhost"), wrong_name("elsewhere.example");
  ::setenv("SSL_CERT_FILE", good.cert_file().c_str(), 1);
  RedisUrl url = good.url();
  url.host = "localhost";
  asio::io_context io;
  RedisClient client(url, {});
  RedisReply pong = run(io, client.command(test::args("PING")));
  EXPECT_EQ(pong.str, "PONG");

  ::setenv("SSL_CERT_FILE", wrong_name.cert_file().c_str(), 1);
  RedisUrl other = wrong_name.url();
  other.host = "localhost";  // the certificate names another host
  std::string why;
  RedisClient refused(other, {.on_state = [&](bool up, const std::string& w) {
                        if (!up) why = w;
                      }});
  EXPECT_EQ(run(io, refused.command(test::args("PING"))).type, Type::failed);
  EXPECT_NE(why.find("TLS handshake"), std::string::npos) << why;
  ::unsetenv("SSL_CERT_FILE");
}

TEST(RedisClient, NoRedisThereFailsAtOnce) {
  asio::io_context io;
  test::OwnRedis own;
  RedisUrl url = own.url();
  own.kill();  // a port where nothing listens now
  RedisClient client(url, {});
  for (int i = 0; i < 3; ++i) {
    auto start = std::chrono::steady_clock::now();
    RedisReply r = run(io, client.command(test::args("PING")));
    EXPECT_EQ(r.type, Type::failed);
    EXPECT_NE(r.str.find("unavailable"), std::string::npos) << r.str;
    EXPECT_LT(test::elapsed_ms(start), 1000);
  }
}

}  // namespace
}  // namespace glmgate
