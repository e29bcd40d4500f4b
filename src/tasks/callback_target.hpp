// Callback URLs of tasks: parsing, and which addresses a webhook may never be sent to, so that a
// webhook cannot become a way into the operator's own network. Refused: every block of IANA's
// IPv4 and IPv6 special-purpose address registries (loopback, private, shared, link-local,
// documentation, benchmarking, reserved...), multicast, IPv6 outside global unicast, IPv4 that an
// IPv6 address carries (IPv4-mapped, -compatible, -translated, NAT64, 6to4, Teredo) when that
// IPv4 is refused, and every address bound on the host's own interfaces. The config's
// webhook_allow_private turns all of it off (tests, private deployments).
// The functions are pure and thread-safe; HostAddresses is a snapshot that refresh() replaces
// (a syscall: call it off the I/O threads) and any thread may read.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace glmgate {

struct CallbackTarget {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string target;  // path and query
};

// The parsed URL, or the reason it cannot be a callback (scheme, host, credentials...).
std::optional<CallbackTarget> parse_callback_url(const std::string& url, std::string& why);

// The address `host` spells without any lookup: an IP literal, or an IPv4 shorthand that
// resolvers read as one ("127.1", "0x7f000001", "2130706433").
std::optional<boost::asio::ip::address> literal_address(const std::string& host);

// The IPv4 addresses an IPv6 address carries, per its form: IPv4-mapped (::ffff:0:0/96),
// IPv4-compatible (::/96), IPv4-translated (::ffff:0:0:0/96), NAT64 (64:ff9b::/96 and the
// local-use 64:ff9b:1::/48, RFC 6052 layout), 6to4 (2002::/16) and Teredo (2001::/32: server and
// de-obfuscated client). Empty for other addresses.
std::vector<boost::asio::ip::address_v4> embedded_ipv4(const boost::asio::ip::address_v6& address);

// The special-purpose block `address` belongs to ("loopback (RFC 1122)", "documentation
// (RFC 5737)"...), after unwrapping an embedded IPv4, or nullopt for a public unicast address.
std::optional<std::string> special_purpose(const boost::asio::ip::address& address);

// True when special_purpose() names a block.
bool is_private_address(const boost::asio::ip::address& address);

// The addresses of the host's own interfaces (getifaddrs).
class HostAddresses {
 public:
  // Reads the interfaces again; keeps the last list when that fails. Blocking (a netlink
  // round trip): not for I/O threads.
  void refresh();
  // Replaces the list (tests).
  void set(std::vector<boost::asio::ip::address> addresses);
  // `address`, or the IPv4 it carries, is bound on this host.
  bool contains(const boost::asio::ip::address& address) const;

 private:
  mutable std::mutex mutex_;  // guards the pointer only; the list it points to never changes
  std::shared_ptr<const std::vector<boost::asio::ip::address>> addresses_;
};

// Why a webhook must not go to `address` ("documentation (RFC 5737)", "an address of this
// host"), or nullopt when it may. `host` may be null (no interface check).
std::optional<std::string> refused_target(const boost::asio::ip::address& address,
                                          const HostAddresses* host);

}  // namespace glmgate
