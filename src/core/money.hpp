// Money as integers: nano-USD (1e-9 USD) in int64_t, never floating point past config load.
// Prices are held per 1M tokens; cost arithmetic rounds up so a fraction of a nano is never lost.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

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
  std::string out = negative ? "-" : "";
  out += std::to_string(abs / kNanoPerUsd);
  out += '.';
  out += frac;
  return out;
}

// Parses a decimal USD amount as a person writes it ("10", "0.05", "-2.5", "$3"), exactly: no
// floating point, at most 9 decimals, at most $1e9. nullopt for anything else.
inline std::optional<NanoUsd> parse_usd(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (!text.empty() && text[0] == '$') text.remove_prefix(1);
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() && frac.empty()) return std::nullopt;
  if (dot != std::string_view::npos && frac.empty()) return std::nullopt;
  if (whole.size() > 10 || frac.size() > 9) return std::nullopt;
  NanoUsd units = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    units = units * 10 + (c - '0');
  }
  if (units > 1'000'000'000) return std::nullopt;
  NanoUsd nanos = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    nanos = nanos * 10 + (c - '0');
  }
  NanoUsd total = units * kNanoPerUsd + nanos;
  return negative ? -total : total;
}

}  // namespace glmgate
