// Callback URLs of tasks: parsing, and the refusal of private, loopback and link-local targets
// (a webhook must not become a way into the operator's own network) unless the config allows
// them. Pure functions; thread-safe.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>

namespace glmgate {

struct CallbackTarget {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string target;  // path and query
};

// The parsed URL, or the reason it cannot be a callback (scheme, host, credentials...).
std::optional<CallbackTarget> parse_callback_url(const std::string& url, std::string& why);

// Loopback, RFC 1918, carrier-grade NAT, link-local, unique-local, unspecified, multicast and
// the like: anything that is not a public unicast address.
bool is_private_address(const boost::asio::ip::address& address);

}  // namespace glmgate
