// The named places of the pipeline that later subsystems fill: rate limiting, credit
// reservation and settlement, usage records, and the public-API pause switch. This issue ships
// pass-through implementations; billing (src/accounts) and limits (src/limits) replace them
// without touching the pipeline. Implementations are called from I/O threads and must not block.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "accounts/key_cache.hpp"
#include "config/config.hpp"
#include "core/api_error.hpp"
#include "core/money.hpp"
#include "gateway/usage.hpp"
#include "http/message.hpp"

namespace glmgate {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Admits one request of `key` or refuses it (429). `headers` receives the x-ratelimit-* headers
  // that go on the response either way.
  virtual std::optional<ApiError> admit(const KeyInfo& key, Headers& headers) = 0;
};

struct Reservation {
  std::int64_t id = 0;
  NanoUsd amount = 0;
};

class Wallet {
 public:
  virtual ~Wallet() = default;
  // Holds an upper bound of the call's cost; 402 when the account cannot cover it.
  virtual Result<Reservation> reserve(const KeyInfo& key, NanoUsd amount) = 0;
  // Charges `cost` (0 refunds in full) and releases the rest of the reservation.
  virtual void settle(const KeyInfo& key, const Reservation& reservation, NanoUsd cost) = 0;
};

// What the pipeline knows of one finished request; the usage record of the billing issue.
struct CallRecord {
  std::string request_id;
  std::string key_id;
  std::string account_id;
  std::string model;
  std::string provider;
  std::string surface;
  int status = 0;
  bool stream = false;
  Usage usage;
  NanoUsd cost = 0;
  std::chrono::microseconds latency{0};
  std::chrono::microseconds time_to_first_token{0};
};

class UsageSink {
 public:
  virtual ~UsageSink() = default;
  // Must not block: a durable implementation queues for a batching writer.
  virtual void record(CallRecord record) = 0;
};

class NoRateLimit final : public RateLimiter {
 public:
  std::optional<ApiError> admit(const KeyInfo&, Headers&) override { return std::nullopt; }
};

class UnmeteredWallet final : public Wallet {
 public:
  Result<Reservation> reserve(const KeyInfo&, NanoUsd amount) override {
    return Reservation{0, amount};
  }
  void settle(const KeyInfo&, const Reservation&, NanoUsd) override {}
};

// Writes each record to the debug log.
class LogUsageSink final : public UsageSink {
 public:
  void record(CallRecord record) override;
};

struct PauseSwitch {
  std::atomic<bool> paused{false};
};

// Cost of `usage` at `model`'s prices (cached input at its own price).
NanoUsd price_usage(const ModelConfig& model, const Usage& usage);

}  // namespace glmgate
