// Callback URLs: what parses, and which addresses count as private (refused unless allowed).
#include <gtest/gtest.h>

#include "tasks/callback_target.hpp"

namespace glmgate {
namespace {

bool is_private(const char* text) {
  return is_private_address(boost::asio::ip::make_address(text));
}

TEST(CallbackTarget, ParsesHttpAndHttpsUrls) {
  std::string why;
  auto t = parse_callback_url("https://hooks.example.com/glm/done?x=1", why);
  ASSERT_TRUE(t) << why;
  EXPECT_TRUE(t->tls);
  EXPECT_EQ(t->host, "hooks.example.com");
  EXPECT_EQ(t->port, "443");
  EXPECT_EQ(t->target, "/glm/done?x=1");
  t = parse_callback_url("http://[2001:db8::1]:8443", why);
  ASSERT_TRUE(t) << why;
  EXPECT_FALSE(t->tls);
  EXPECT_EQ(t->host, "2001:db8::1");
  EXPECT_EQ(t->port, "8443");
  EXPECT_EQ(t->target, "/");
}

TEST(CallbackTarget, RefusesOtherSchemesCredentialsAndGarbage) {
  std::string why;
  EXPECT_FALSE(parse_callback_url("ftp://example.com/x", why));
  EXPECT_EQ(why, "must use http or https");
  EXPECT_FALSE(parse_callback_url("https://user:pw@example.com/", why));
  EXPECT_FALSE(parse_callback_url("not a url", why));
  EXPECT_FALSE(parse_callback_url("/relative/path", why));
  EXPECT_FALSE(parse_callback_url("https://example.com/" + std::string(3000, 'a'), why));
}

TEST(CallbackTarget, PrivateLoopbackAndLinkLocalAddresses) {
  for (const char* a :
       {"127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1",
        "::", "fe80::1", "fc00::1", "fd12:3456::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"})
    EXPECT_TRUE(is_private(a)) << a;
  for (const char* a : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "193.0.0.1",
                        "2001:4860:4860::8888", "::ffff:8.8.8.8"})
    EXPECT_FALSE(is_private(a)) << a;
}

}  // namespace
}  // namespace glmgate
