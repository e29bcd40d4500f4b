// Callback targets; see callback_target.hpp.
#include "tasks/callback_target.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <cstring>

namespace glmgate {

namespace ip = boost::asio::ip;

namespace {

// One block of a registry. Where IANA marks a block globally reachable (an anycast service, AMT,
// AS112) it is refused all the same: no webhook receiver lives there.
struct Block {
  const char* prefix;
  int bits;
  const char* name;
  const char* rfc;
};

// IANA IPv4 Special-Purpose Address Registry, in full, and the multicast space beside it.
constexpr Block kIpv4Blocks[] = {
    {"0.0.0.0", 8, "\"this network\"", "RFC 791"},
    {"0.0.0.0", 32, "\"this host on this network\"", "RFC 1122"},
    {"10.0.0.0", 8, "private-use", "RFC 1918"},
    {"100.64.0.0", 10, "shared address space", "RFC 6598"},
    {"127.0.0.0", 8, "loopback", "RFC 1122"},
    {"169.254.0.0", 16, "link-local", "RFC 3927"},
    {"172.16.0.0", 12, "private-use", "RFC 1918"},
    {"192.0.0.0", 24, "IETF protocol assignments", "RFC 6890"},
    {"192.0.0.0", 29, "IPv4 service continuity prefix", "RFC 7335"},
    {"192.0.0.8", 32, "IPv4 dummy address", "RFC 7600"},
    {"192.0.0.9", 32, "Port Control Protocol anycast", "RFC 7723"},
    {"192.0.0.10", 32, "TURN anycast", "RFC 8155"},
    {"192.0.0.170", 31, "NAT64/DNS64 discovery", "RFC 8880"},
    {"192.0.2.0", 24, "documentation (TEST-NET-1)", "RFC 5737"},
    {"192.31.196.0", 24, "AS112-v4", "RFC 7535"},
    {"192.52.193.0", 24, "AMT", "RFC 7450"},
    {"192.88.99.0", 24, "deprecated 6to4 relay anycast", "RFC 7526"},
    {"192.168.0.0", 16, "private-use", "RFC 1918"},
    {"192.175.48.0", 24, "direct delegation AS112 service", "RFC 7534"},
    {"198.18.0.0", 15, "benchmarking", "RFC 2544"},
    {"198.51.100.0", 24, "documentation (TEST-NET-2)", "RFC 5737"},
    {"203.0.113.0", 24, "documentation (TEST-NET-3)", "RFC 5737"},
    {"224.0.0.0", 4, "multicast", "RFC 5771"},
    {"240.0.0.0", 4, "reserved", "RFC 1112"},
    {"255.255.255.255", 32, "limited broadcast", "RFC 919"},
};

// How an IPv6 block relates to IPv4.
enum class Embeds {
  none,
  judged_by_ipv4,  // reachable exactly when the IPv4 it carries is (mapped, NAT64, 6to4, Teredo)
  refused,         // carries an IPv4 but is not globally reachable itself
};

struct Block6 {
  Block block;
  Embeds embeds = Embeds::none;
};

// IANA IPv6 Special-Purpose Address Registry, in full, and the other blocks that are not public
// unicast (multicast, the deprecated site-local and IPv4-compatible forms).
constexpr Block6 kIpv6Blocks[] = {
    {{"::1", 128, "loopback", "RFC 4291"}},
    {{"::", 128, "unspecified", "RFC 4291"}},
    {{"::", 96, "IPv4-compatible (deprecated)", "RFC 4291"}, Embeds::refused},
    {{"::ffff:0:0", 96, "IPv4-mapped", "RFC 4291"}, Embeds::judged_by_ipv4},
    {{"::ffff:0:0:0", 96, "IPv4-translated", "RFC 2765"}, Embeds::refused},
    {{"64:ff9b::", 96, "IPv4-IPv6 translation (NAT64)", "RFC 6052"}, Embeds::judged_by_ipv4},
    {{"64:ff9b:1::", 48, "local-use IPv4-IPv6 translation", "RFC 8215"}, Embeds::refused},
    {{"100::", 64, "discard-only", "RFC 6666"}},
    {{"100:0:0:1::", 64, "dummy IPv6 prefix", "RFC 9780"}},
    {{"2001::", 23, "IETF protocol assignments", "RFC 2928"}},
    {{"2001::", 32, "Teredo", "RFC 4380"}, Embeds::judged_by_ipv4},
    {{"2001:1::1", 128, "Port Control Protocol anycast", "RFC 7723"}},
    {{"2001:1::2", 128, "TURN anycast", "RFC 8155"}},
    {{"2001:1::3", 128, "DNS-SD service registration protocol anycast", "RFC 9665"}},
    {{"2001:2::", 48, "benchmarking", "RFC 5180"}},
    {{"2001:3::", 32, "AMT", "RFC 7450"}},
    {{"2001:4:112::", 48, "AS112-v6", "RFC 7535"}},
    {{"2001:10::", 28, "deprecated ORCHID", "RFC 4843"}},
    {{"2001:20::", 28, "ORCHIDv2", "RFC 7343"}},
    {{"2001:30::", 28, "drone remote ID entity tags", "RFC 9374"}},
    {{"2001:db8::", 32, "documentation", "RFC 3849"}},
    {{"2002::", 16, "6to4", "RFC 3056"}, Embeds::judged_by_ipv4},
    {{"2620:4f:8000::", 48, "direct delegation AS112 service", "RFC 7534"}},
    {{"3fff::", 20, "documentation", "RFC 9637"}},
    {{"5f00::", 16, "segment routing (SRv6) SIDs", "RFC 9602"}},
    {{"fc00::", 7, "unique-local", "RFC 4193"}},
    {{"fe80::", 10, "link-local", "RFC 4291"}},
    {{"fec0::", 10, "site-local (deprecated)", "RFC 3879"}},
    {{"ff00::", 8, "multicast", "RFC 4291"}},
};

using Bytes6 = ip::address_v6::bytes_type;

bool in_prefix(const Bytes6& a, const Bytes6& prefix, int bits) {
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
    if ((a[i] & mask) != (prefix[i] & mask)) return false;
  }
  return true;
}

bool in_prefix(std::uint32_t a, std::uint32_t prefix, int bits) {
  std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (a & mask) == (prefix & mask);
}

std::string describe(const Block& b) {
  return std::string(b.name) + " (" + b.rfc + ")";
}

const Block* ipv4_block(const ip::address_v4& address) {
  const Block* best = nullptr;
  for (const auto& b : kIpv4Blocks)
    if (in_prefix(address.to_uint(), ip::make_address_v4(b.prefix).to_uint(), b.bits) &&
        (!best || b.bits > best->bits))
      best = &b;
  return best;
}

const Block6* ipv6_block(const ip::address_v6& address) {
  const Bytes6 bytes = address.to_bytes();
  const Block6* best = nullptr;
  for (const auto& b : kIpv6Blocks)
    if (in_prefix(bytes, ip::make_address_v6(b.block.prefix).to_bytes(), b.block.bits) &&
        (!best || b.block.bits > best->block.bits))
      best = &b;
  return best;
}

ip::address_v4 v4_at(const Bytes6& b, std::initializer_list<int> at, std::uint32_t flip = 0) {
  std::uint32_t v = 0;
  for (int i : at)
    v = v << 8 | b[static_cast<std::size_t>(i)];
  return ip::address_v4(v ^ flip);
}

bool all_zero(const Bytes6& b, int from, int to) {
  return std::all_of(b.begin() + from, b.begin() + to, [](auto x) { return x == 0; });
}

}  // namespace

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

std::optional<ip::address> literal_address(const std::string& host) {
  boost::system::error_code ec;
  auto address = ip::make_address(host, ec);
  if (!ec) return address;
  // inet_aton reads the old shorthands ("127.1", hex, octal, one 32-bit number) that
  // getaddrinfo would resolve to an address; it never looks anything up.
  if (host.empty() || host.size() > 64 ||
      host.find_first_not_of("0123456789abcdefABCDEFxX.") != std::string::npos)
    return std::nullopt;
  in_addr a{};
  if (inet_aton(host.c_str(), &a) == 0) return std::nullopt;
  return ip::address(ip::address_v4(ntohl(a.s_addr)));
}

std::vector<ip::address_v4> embedded_ipv4(const ip::address_v6& address) {
  const Bytes6 b = address.to_bytes();
  auto in = [&](const char* prefix, int bits) {
    return in_prefix(b, ip::make_address_v6(prefix).to_bytes(), bits);
  };
  if (in("::ffff:0:0", 96) || in("64:ff9b::", 96) || in("::ffff:0:0:0", 96))
    return {v4_at(b, {12, 13, 14, 15})};
  if (in("::", 96) && !all_zero(b, 12, 15)) return {v4_at(b, {12, 13, 14, 15})};  // not :: or ::1
  if (in("64:ff9b:1::", 48)) return {v4_at(b, {6, 7, 9, 10})};  // RFC 6052, /48: bits 64-71 skipped
  if (in("2002::", 16)) return {v4_at(b, {2, 3, 4, 5})};
  if (in("2001::", 32))  // Teredo: the server, then the client, whose bits are inverted
    return {v4_at(b, {4, 5, 6, 7}), v4_at(b, {12, 13, 14, 15}, 0xffffffffu)};
  return {};
}

std::optional<std::string> special_purpose(const ip::address& address) {
  if (address.is_v4()) {
    if (const Block* b = ipv4_block(address.to_v4())) return describe(*b);
    return std::nullopt;
  }
  const ip::address_v6 v6 = address.to_v6();
  const Block6* b = ipv6_block(v6);
  if (b && b->embeds != Embeds::none) {
    for (const auto& v4 : embedded_ipv4(v6))
      if (auto why = special_purpose(ip::address(v4)))
        return *why + ", carried in an " + describe(b->block) + " address";
    if (b->embeds == Embeds::judged_by_ipv4) return std::nullopt;
  }
  if (b) return describe(b->block);
  // Outside 2000::/3 nothing is allocated as global unicast (RFC 4291, IANA's IPv6 space).
  if ((v6.to_bytes()[0] & 0xe0) != 0x20) return "not global unicast (RFC 4291)";
  return std::nullopt;
}

bool is_private_address(const ip::address& address) {
  return special_purpose(address).has_value();
}

void HostAddresses::refresh() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    spdlog::warn("cannot list this host's interface addresses: {}", std::strerror(errno));
    return;
  }
  auto found = std::make_shared<std::vector<ip::address>>();
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      found->push_back(ip::address_v4(ntohl(in->sin_addr.s_addr)));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      Bytes6 bytes;
      std::memcpy(bytes.data(), in6->sin6_addr.s6_addr, bytes.size());
      found->push_back(ip::address_v6(bytes));
    }
  }
  freeifaddrs(list);
  std::lock_guard lock(mutex_);
  addresses_ = std::move(found);
}

void HostAddresses::set(std::vector<ip::address> addresses) {
  auto list = std::make_shared<const std::vector<ip::address>>(std::move(addresses));
  std::lock_guard lock(mutex_);
  addresses_ = std::move(list);
}

bool HostAddresses::contains(const ip::address& address) const {
  std::shared_ptr<const std::vector<ip::address>> list;
  {
    std::lock_guard lock(mutex_);
    list = addresses_;
  }
  if (!list) return false;
  std::vector<ip::address> forms{address};
  if (address.is_v6())
    for (const auto& v4 : embedded_ipv4(address.to_v6()))
      forms.emplace_back(v4);
  for (const auto& own : *list)
    for (const auto& a : forms)
      if (own == a) return true;
  return false;
}

std::optional<std::string> refused_target(const ip::address& address, const HostAddresses* host) {
  if (auto why = special_purpose(address)) return why;
  if (host && host->contains(address)) return "an address of this host";
  return std::nullopt;
}

}  // namespace glmgate
