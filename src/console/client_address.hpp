// The address a console request comes from, for the sign-in limits: the peer, unless the peer is
// a proxy the operator trusts (`trusted_proxies`), in which case X-Forwarded-For's hops are read
// from the right, skipping trusted proxies, and the first other address is the client. A client
// cannot forge its way past this: hops it wrote itself sit left of the first untrusted one.
// Built once from the config; then read-only, any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace glmgate {

class ClientAddress {
 public:
  // `trusted`: addresses or CIDR ranges, as config/sections.cpp checked them.
  explicit ClientAddress(const std::vector<std::string>& trusted);

  std::string of(std::string_view peer, std::string_view forwarded_for) const;
  bool trusted(std::string_view address) const;

 private:
  struct Range {
    std::array<std::uint8_t, 16> bytes{};
    int bits = 0;
  };
  std::vector<Range> ranges_;
};

}  // namespace glmgate
