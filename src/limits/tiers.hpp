// Which limits apply to a key: its own --rpm / --tpm / --max-concurrency first, then the usage tier
// its account's cumulative spend has reached, then the configured default. Pure function.
#pragma once

#include "config/config.hpp"
#include "contracts/rate_limiter.hpp"

namespace glmgate {

inline KeyLimits resolve_limits(const KeyInfo& key, NanoUsd spent, const LimitsSection& config) {
  KeyLimits limits{config.default_rpm, 0, key.max_concurrency};
  for (const auto& tier : config.tiers)  // sorted by min_spend
    if (spent >= tier.min_spend) {
      limits.rpm = tier.rpm;
      limits.tpm = tier.tpm;
    }
  if (key.rpm > 0) limits.rpm = key.rpm;
  if (key.tpm > 0) limits.tpm = key.tpm;
  return limits;
}

}  // namespace glmgate
