// LimitVerdict's answer; see rate_verdict.hpp.
#include "limits/rate_verdict.hpp"

#include <cstdio>

namespace glmgate {

namespace {

constexpr std::int64_t kMinuteNs = 60'000'000'000;

std::string seconds_header(std::int64_t ns) {
  return std::to_string(std::max<std::int64_t>(1, (ns + 999'999'999) / 1'000'000'000));
}

void set_header(Headers& headers, std::string name, std::string value) {
  headers.push_back({std::move(name), std::move(value)});
}

ApiError refusal_error(const KeyLimits& limits, LimitVerdict::Refusal refusal) {
  switch (refusal) {
    case LimitVerdict::Refusal::tokens:
      return ApiError::rate_limited("Rate limit reached for tokens per minute (limit " +
                                    std::to_string(limits.tpm) + ") on this key.");
    case LimitVerdict::Refusal::requests:
      return ApiError::rate_limited("Rate limit reached for requests per minute (limit " +
                                    std::to_string(limits.rpm) + ") on this key.");
    default:
      return ApiError::rate_limited("Too many concurrent requests on this key (limit " +
                                        std::to_string(limits.max_concurrency) + ").",
                                    "concurrency_limit_exceeded");
  }
}

}  // namespace

GcraRate request_rate(std::int64_t rpm, std::int64_t burst_seconds) {
  std::int64_t burst = (rpm * burst_seconds + 59) / 60;
  return gcra_rate(rpm, kMinuteNs, burst);
}

GcraRate token_rate(std::int64_t tpm) {
  return gcra_rate(tpm, kMinuteNs, tpm);
}

std::string format_reset(std::int64_t ns) {
  if (ns <= 0) return "0s";
  std::int64_t ms = (ns + 999'999) / 1'000'000;
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60'000) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", static_cast<double>(ms) / 1000.0);
    return std::string(buf) + "s";
  }
  std::int64_t s = ms / 1000;
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h";
  out += std::to_string(s % 3600 / 60) + "m" + std::to_string(s % 60) + "s";
  return out;
}

Admission answer(const KeyLimits& limits, const LimitVerdict& verdict, Headers& headers) {
  const bool refused = verdict.refusal != LimitVerdict::Refusal::none;
  const auto& requests = verdict.requests;
  const auto& tokens = verdict.tokens;
  // One growth of the vector for all of them, not one per header.
  headers.reserve(headers.size() + (requests ? 3 : 0) + (tokens ? 3 : 0) + (refused ? 2 : 0));
  if (requests) {
    set_header(headers, "x-ratelimit-limit-requests", std::to_string(limits.rpm));
    set_header(headers, "x-ratelimit-remaining-requests", std::to_string(requests->remaining));
    set_header(headers, "x-ratelimit-reset-requests", format_reset(requests->reset_ns));
  }
  if (tokens) {
    set_header(headers, "x-ratelimit-limit-tokens", std::to_string(limits.tpm));
    set_header(headers, "x-ratelimit-remaining-tokens", std::to_string(tokens->remaining));
    set_header(headers, "x-ratelimit-reset-tokens", format_reset(tokens->reset_ns));
  }
  if (!refused) return Admission::granted({});
  std::int64_t retry_ns = verdict.retry_ns;
  if (retry_ns <= 0) retry_ns = 1'000'000'000;  // a concurrency slot: try again shortly
  set_header(headers, "retry-after", seconds_header(retry_ns));
  set_header(headers, "retry-after-ms", std::to_string((retry_ns + 999'999) / 1'000'000));
  return Admission::refused(refusal_error(limits, verdict.refusal));
}

}  // namespace glmgate
