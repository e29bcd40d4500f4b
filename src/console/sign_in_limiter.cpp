// Sign-in limits; see sign_in_limiter.hpp.
#include "console/sign_in_limiter.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace glmgate {

namespace {

constexpr std::int64_t kSecondNs = 1'000'000'000;
const GcraRate kPerAddress = gcra_rate(10, 60 * kSecondNs, 10);
const GcraRate kPerEmail = gcra_rate(5, 15 * 60 * kSecondNs, 5);
constexpr std::size_t kPruneAbove = 10'000;

std::int64_t seconds_up(std::int64_t ns) {
  return std::max<std::int64_t>(1, (ns + kSecondNs - 1) / kSecondNs);
}

}  // namespace

std::string sign_in_address_key(const std::string& address) {
  unsigned char bytes[16];
  if (address.find(':') == std::string::npos || inet_pton(AF_INET6, address.c_str(), bytes) != 1)
    return address;
  char text[INET6_ADDRSTRLEN];
  // An IPv4 client of a dual-stack listener (::ffff:a.b.c.d) is its IPv4 address: by its /64,
  // every IPv4 client would be one.
  constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(bytes, bytes + 12, kMapped))
    return inet_ntop(AF_INET, bytes + 12, text, sizeof text) ? std::string(text) : address;
  std::fill(bytes + 8, bytes + 16, 0);
  return inet_ntop(AF_INET6, bytes, text, sizeof text) ? std::string(text) + "/64" : address;
}

std::int64_t SignInLimiter::attempt(const std::string& address, const std::string& email,
                                    std::int64_t now_ns) {
  std::lock_guard lock(mutex_);
  if (addresses_.size() + emails_.size() > prune_above_) {
    prune(now_ns);
    // Live entries stay: the next prune waits until the maps have grown as much again.
    prune_above_ = std::max(kPruneAbove, 2 * (addresses_.size() + emails_.size()));
  }
  std::int64_t& by_address = addresses_[sign_in_address_key(address)];
  std::int64_t& by_email = emails_[email];
  // Both must admit it; neither is charged for an attempt the other refuses.
  std::int64_t a = by_address, e = by_email;
  GcraDecision da = gcra_take(a, now_ns, kPerAddress);
  GcraDecision de = gcra_take(e, now_ns, kPerEmail);
  if (!da.allowed || !de.allowed)
    return seconds_up(
        std::max(da.allowed ? 0 : da.retry_after_ns, de.allowed ? 0 : de.retry_after_ns));
  by_address = a;
  by_email = e;
  return 0;
}

void SignInLimiter::prune(std::int64_t now_ns) {
  for (auto* map : {&addresses_, &emails_})
    std::erase_if(*map, [now_ns](const auto& entry) { return entry.second <= now_ns; });
}

}  // namespace glmgate
