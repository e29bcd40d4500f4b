// Callback URLs: what parses, and which addresses a webhook may not target (refused unless
// allowed): every IANA special-purpose block, IPv4 carried in IPv6, and the host's own addresses.
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

// One address inside each block of the IANA IPv4 special-purpose registry (and multicast).
TEST(CallbackTarget, RefusesEveryIpv4SpecialPurposeBlock) {
  for (const char* a :
       {"0.1.2.3",         "10.0.0.1",       "100.127.255.254", "127.0.0.2",       "169.254.0.1",
        "172.20.0.1",      "192.0.0.1",      "192.0.0.7",       "192.0.0.8",       "192.0.0.9",
        "192.0.0.10",      "192.0.0.170",    "192.0.0.171",     "192.0.2.1",       "192.0.2.255",
        "192.31.196.1",    "192.52.193.1",   "192.88.99.1",     "192.168.255.255", "192.175.48.1",
        "198.18.0.1",      "198.19.255.255", "198.51.100.7",    "203.0.113.9",     "224.0.0.251",
        "239.255.255.250", "240.0.0.1",      "255.255.255.255"})
    EXPECT_TRUE(special_purpose(boost::asio::ip::make_address(a))) << a;
  EXPECT_EQ(*special_purpose(boost::asio::ip::make_address("198.51.100.7")),
            "documentation (TEST-NET-2) (RFC 5737)");
  EXPECT_EQ(*special_purpose(boost::asio::ip::make_address("192.0.0.9")),
            "Port Control Protocol anycast (RFC 7723)");  // the longest match names it
  for (const char* a :
       {"192.0.3.1", "198.51.101.1", "203.0.114.1", "192.88.100.1", "223.255.255.1"})
    EXPECT_FALSE(special_purpose(boost::asio::ip::make_address(a))) << a;
}

TEST(CallbackTarget, RefusesEveryIpv6SpecialPurposeBlock) {
  for (const char* a : {"::1",         "::",
                        "100::1",      "100:0:0:1::1",
                        "2001:1::1",   "2001:1::2",
                        "2001:1::3",   "2001:2::1",
                        "2001:3::1",   "2001:4:112::1",
                        "2001:10::1",  "2001:20::1",
                        "2001:30::1",  "2001:db8::1",
                        "2001:100::1", "2620:4f:8000::1",
                        "3fff::1",     "3fff:fff::1",
                        "5f00::1",     "fc00::1",
                        "fdff::1",     "fe80::1",
                        "febf::1",     "fec0::1",
                        "ff02::1",     "64:ff9b:1::1",
                        "4000::1",     "::2"})
    EXPECT_TRUE(special_purpose(boost::asio::ip::make_address(a))) << a;
  for (const char* a :
       {"2001:4860:4860::8888", "2606:4700::1111", "2620:4f:8001::1", "3fff:1000::1"})
    EXPECT_FALSE(special_purpose(boost::asio::ip::make_address(a))) << a;
}

// IPv6 forms that carry an IPv4 address are judged by that address.
TEST(CallbackTarget, UnwrapsIpv4CarriedInIpv6) {
  for (const char* a : {"::127.0.0.1", "::ffff:127.0.0.1", "::ffff:0:127.0.0.1", "64:ff9b::7f00:1",
                        "64:ff9b::10.0.0.1", "64:ff9b::192.0.2.1", "2002:7f00:1::1",
                        "2002:c0a8:101::1", "2002:c633:6401::1",
                        // Teredo: server 127.0.0.1, or client 127.0.0.1 (stored inverted)
                        "2001:0:7f00:1::1", "2001:0:808:808:0:0:80ff:fffe"})
    EXPECT_TRUE(special_purpose(boost::asio::ip::make_address(a))) << a;
  EXPECT_NE(special_purpose(boost::asio::ip::make_address("64:ff9b::7f00:1"))->find("loopback"),
            std::string::npos);
  // Public IPv4 behind NAT64, 6to4, Teredo and the mapped form is reachable like that IPv4.
  for (const char* a :
       {"64:ff9b::808:808", "2002:808:808::1", "2001:0:808:808:0:0:f7f7:f7f7", "::ffff:8.8.8.8"})
    EXPECT_FALSE(special_purpose(boost::asio::ip::make_address(a))) << a;
  // The deprecated compatible form and local-use NAT64 are refused even with a public IPv4.
  EXPECT_TRUE(special_purpose(boost::asio::ip::make_address("::8.8.8.8")));
  EXPECT_TRUE(special_purpose(boost::asio::ip::make_address("64:ff9b:1:808:8:800::")));

  auto carried =
      embedded_ipv4(boost::asio::ip::make_address_v6("2001:0:4136:e378:8000:63bf:3fff:fdd2"));
  ASSERT_EQ(carried.size(), 2u);  // RFC 4380's example: server 65.54.227.120, client 192.0.2.45
  EXPECT_EQ(carried[0].to_string(), "65.54.227.120");
  EXPECT_EQ(carried[1].to_string(), "192.0.2.45");
  carried = embedded_ipv4(boost::asio::ip::make_address_v6("64:ff9b:1:c000:2:2100::"));
  ASSERT_EQ(carried.size(), 1u);  // RFC 6052's /48 example layout
  EXPECT_EQ(carried[0].to_string(), "192.0.2.33");
}

TEST(CallbackTarget, ReadsIpv4ShorthandsAsLiterals) {
  for (const char* host : {"127.1", "0x7f000001", "2130706433", "0177.0.0.1", "127.0.0.1"}) {
    auto a = literal_address(host);
    ASSERT_TRUE(a) << host;
    EXPECT_EQ(a->to_string(), "127.0.0.1") << host;
  }
  EXPECT_FALSE(literal_address("example.com"));
  EXPECT_FALSE(literal_address("deadbeef"));
  EXPECT_EQ(literal_address("::1")->to_string(), "::1");
}

TEST(CallbackTarget, RefusesTheHostsOwnAddresses) {
  HostAddresses host;
  host.set({boost::asio::ip::make_address("8.8.4.4"),
            boost::asio::ip::make_address("2606:4700::6810:1")});
  for (const char* a : {"8.8.4.4", "::ffff:8.8.4.4", "64:ff9b::808:404", "2606:4700::6810:1"})
    EXPECT_EQ(refused_target(boost::asio::ip::make_address(a), &host), "an address of this host")
        << a;
  EXPECT_FALSE(refused_target(boost::asio::ip::make_address("8.8.8.8"), &host));
  EXPECT_FALSE(refused_target(boost::asio::ip::make_address("8.8.4.4"), nullptr));
  // The real interfaces: loopback at least.
  host.refresh();
  EXPECT_TRUE(host.contains(boost::asio::ip::make_address("127.0.0.1")));
}

}  // namespace
}  // namespace glmgate
