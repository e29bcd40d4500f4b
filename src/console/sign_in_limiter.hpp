// How fast sign-ins may be tried, before any password is hashed: per client address (10 a
// minute, 10 at once) and per email, known or not (5 per 15 minutes, 5 at once), each a GCRA
// in memory (limits/gcra.hpp); an IPv6 address counts by its /64. A refusal says when to try
// again. Per instance: several instances behind one balancer each allow their share; what holds
// for the gateway as a whole are the store's counts of failures per user and per address
// (UserService::sign_in).
// Thread-safe (one mutex; entries idle past their window are dropped as the map grows).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "limits/gcra.hpp"

namespace glmgate {

// The key a client address counts under, here and in the store: the address itself, or an IPv6
// address's /64 (which one host can fill with addresses of its own).
std::string sign_in_address_key(const std::string& address);

class SignInLimiter {
 public:
  // 0 when the attempt may go on (and is counted), else the seconds to wait.
  std::int64_t attempt(const std::string& address, const std::string& email, std::int64_t now_ns);

 private:
  void prune(std::int64_t now_ns);

  std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> addresses_, emails_;  // TATs
  std::size_t prune_above_ = 10'000;
};

}  // namespace glmgate
