// The client's address behind trusted proxies; see client_address.hpp.
#include "console/client_address.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <optional>

#include "http/message.hpp"

namespace glmgate {

namespace {

// An address as 16 bytes (IPv4 mapped into IPv6, so that "::ffff:10.0.0.1" and "10.0.0.1" are
// one), or nullopt.
std::optional<std::array<std::uint8_t, 16>> address_bytes(std::string_view text) {
  std::string s(text);
  std::array<std::uint8_t, 16> out{};
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) return out;
  return std::nullopt;
}

}  // namespace

ClientAddress::ClientAddress(const std::vector<std::string>& trusted) {
  for (const auto& t : trusted) {
    const auto slash = t.find('/');
    auto bytes = address_bytes(std::string_view(t).substr(0, slash));
    if (!bytes) continue;
    const bool v4 = t.find(':') == std::string::npos;
    int bits = 128;
    if (slash != std::string::npos) bits = std::stoi(t.substr(slash + 1)) + (v4 ? 96 : 0);
    ranges_.push_back({*bytes, bits});
  }
}

bool ClientAddress::trusted(std::string_view address) const {
  auto bytes = address_bytes(address);
  if (!bytes) return false;
  for (const auto& r : ranges_) {
    int bits = r.bits;
    bool match = true;
    for (int i = 0; i < 16 && bits > 0 && match; ++i, bits -= 8) {
      const std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
      match = ((*bytes)[i] & mask) == (r.bytes[i] & mask);
    }
    if (match) return true;
  }
  return false;
}

std::string ClientAddress::of(std::string_view peer, std::string_view forwarded_for) const {
  if (!trusted(peer)) return std::string(peer);
  std::string client(peer);
  while (!forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    std::string_view hop =
        trim_ows(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for =
        comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    if (!address_bytes(hop)) break;  // not an address: stop at the last good hop
    client = std::string(hop);
    if (!trusted(hop)) break;
  }
  return client;
}

}  // namespace glmgate
