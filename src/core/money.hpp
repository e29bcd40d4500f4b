// Money as integers: nano-USD (1e-9 USD) in int64_t, never floating point past config load.
// Prices are held per 1M tokens; cost arithmetic rounds up so a fraction of a nano is never lost.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace glmgate {

using NanoUsd = std::int64_t;
constexpr NanoUsd kNanoPerUsd = 1'000'000'000;

// Converts a USD amount from configuration (the only floating-point input) to nano-USD, rounded
// to the nearest nano. Returns nullopt for negative, non-finite or absurd (> $1e6) values.
inline std::optional<NanoUsd> usd_to_nano(double usd) {
  if (!std::isfinite(usd) || usd < 0 || usd > 1e6) return std::nullopt;
  return static_cast<NanoUsd>(std::llround(usd * static_cast<double>(kNanoPerUsd)));
}

// Cost of `tokens` at `price_per_mtok` nano-USD per 1M tokens, rounded up.
inline NanoUsd token_cost(std::int64_t tokens, NanoUsd price_per_mtok) {
  if (tokens <= 0 || price_per_mtok <= 0) return 0;
  // 128-bit intermediate: 1e12 tokens at $1e6/M would overflow 64 bits.
  __int128 cost = (static_cast<__int128>(tokens) * price_per_mtok + 999'999) / 1'000'000;
  constexpr __int128 kMax = std::numeric_limits<NanoUsd>::max();
  return static_cast<NanoUsd>(cost > kMax ? kMax : cost);  // saturate, never wrap
}

// "1.500000000" style decimal rendering of nano-USD for listings and JSON.
inline std::string format_usd(NanoUsd nano) {
  bool negative = nano < 0;
  unsigned long long abs = negative ? 0ULL - static_cast<unsigned long long>(nano)
                                    : static_cast<unsigned long long>(nano);
  std::string frac = std::to_string(abs % kNanoPerUsd);
  frac.insert(0, 9 - frac.size(), '0');
  return (negative ? "-" : "") + std::to_string(abs / kNanoPerUsd) + "." + frac;
}

}  // namespace glmgate
