// Callback targets; see callback_target.hpp.
#include "tasks/callback_target.hpp"

#include <boost/url/parse.hpp>

namespace glmgate {

std::optional<CallbackTarget> parse_callback_url(const std::string& url, std::string& why) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    why = "is not an absolute URL";
    return std::nullopt;
  }
  const auto& u = *parsed;
  CallbackTarget t;
  if (u.scheme() == "https") {
    t.tls = true;
  } else if (u.scheme() != "http") {
    why = "must use http or https";
    return std::nullopt;
  }
  if (u.has_userinfo()) {
    why = "must not carry credentials";
    return std::nullopt;
  }
  t.host = std::string(u.encoded_host_address());
  if (!t.host.empty() && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  if (t.host.empty()) {
    why = "has no host";
    return std::nullopt;
  }
  t.port = u.has_port() ? std::string(u.port()) : (t.tls ? "443" : "80");
  t.target = std::string(u.encoded_path());
  if (t.target.empty()) t.target = "/";
  if (u.has_query()) t.target += "?" + std::string(u.encoded_query());
  if (url.size() > 2048) {
    why = "is longer than 2048 characters";
    return std::nullopt;
  }
  return t;
}

bool is_private_address(const boost::asio::ip::address& address) {
  if (address.is_loopback() || address.is_unspecified() || address.is_multicast()) return true;
  if (address.is_v6()) {
    auto v6 = address.to_v6();
    if (v6.is_v4_mapped())
      return is_private_address(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
    auto b = v6.to_bytes();
    if ((b[0] & 0xfe) == 0xfc) return true;                  // fc00::/7 unique local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10 link-local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return true;  // fec0::/10 site-local
    return false;
  }
  std::uint32_t a = address.to_v4().to_uint();
  auto in = [a](std::uint32_t net, int bits) {
    std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (a & mask) == net;
  };
  return in(0x00000000, 8) ||   // 0.0.0.0/8
         in(0x0A000000, 8) ||   // 10/8
         in(0x64400000, 10) ||  // 100.64/10 carrier-grade NAT
         in(0x7F000000, 8) ||   // 127/8
         in(0xA9FE0000, 16) ||  // 169.254/16 link-local (cloud metadata)
         in(0xAC100000, 12) ||  // 172.16/12
         in(0xC0000000, 24) ||  // 192.0.0/24
         in(0xC0A80000, 16) ||  // 192.168/16
         in(0xC6120000, 15) ||  // 198.18/15 benchmarking
         a >= 0xF0000000;       // 240/4 reserved and broadcast
}

}  // namespace glmgate
