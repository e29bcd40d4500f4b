// The named places of the pipeline that other subsystems fill: rate limiting (src/limits),
// credit reservation and settlement and usage records (src/accounts), and the public-API pause
// switch. Implementations are called from I/O threads and must not block.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "accounts/key_cache.hpp"
#include "config/config.hpp"
#include "core/api_error.hpp"
#include "core/money.hpp"
#include "gateway/usage.hpp"
#include "http/message.hpp"
#include "store/records.hpp"

namespace glmgate {

// The limits that apply to one key, resolved from the key, its account's tier and the defaults.
struct KeyLimits {
  std::int64_t rpm = 0;              // requests per minute; 0: unlimited
  std::int64_t tpm = 0;              // tokens per minute; 0: unlimited
  std::int64_t max_concurrency = 0;  // requests in flight; 0: unlimited
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Admits one request of `key` or refuses it (429). `headers` receives the x-ratelimit-* headers
  // that go on the response either way. An admitted request holds a concurrency slot when the
  // key is capped; release() frees it.
  virtual std::optional<ApiError> admit(const KeyInfo& key, const KeyLimits& limits,
                                        Headers& headers) = 0;
  virtual void release(const KeyInfo& key, const KeyLimits& limits) = 0;
  // Counts the tokens a finished request used against the key's tokens-per-minute limit.
  virtual void add_tokens(const KeyInfo& key, const KeyLimits& limits, std::int64_t tokens) = 0;
};

struct Reservation {
  NanoUsd amount = 0;
  bool metered = false;  // false: a key without an account (the operator's admin key)
  bool free = false;     // holds one of the account's free calls for the model
};

struct Settlement {
  NanoUsd charged = 0;
  bool free = false;  // the call used a free call and was recorded at cost 0
  // The ledger row of a charge, for the usage sink to commit together with the call's usage
  // record: a crash between two commits must not leave a charge without its record.
  std::optional<LedgerEntry> entry;
};

class Wallet {
 public:
  virtual ~Wallet() = default;
  // Holds an upper bound of the call's cost; 402 when the account cannot cover it.
  virtual Result<Reservation> reserve(const KeyInfo& key, const std::string& model,
                                      NanoUsd amount) = 0;
  // Charges `cost` (0 refunds in full) and releases the rest of the reservation.
  virtual Settlement settle(const KeyInfo& key, const std::string& model,
                            const Reservation& reservation, NanoUsd cost,
                            const std::string& request_id) = 0;
  // Cumulative charges of the account, for usage tiers.
  virtual NanoUsd spent(const std::string& account_id) const = 0;
};

class UsageSink {
 public:
  virtual ~UsageSink() = default;
  // Must not block: a durable implementation queues for a batching writer. `charge` is the call's
  // ledger row (Settlement::entry), stored in the same transaction as the record.
  virtual void record(UsageRecord record, std::optional<LedgerEntry> charge) = 0;
};

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // False when outputs are not kept (retention 0): the pipeline then builds none.
  virtual bool enabled() const = 0;
  // Keeps a generated output; `task`, when given, is the task state that commits with it. Must
  // not block. Returns where the output waits to be written (see UsageRecord::output_slot).
  virtual OutputSlot keep(StoredOutput output, std::optional<TaskRecord> task) = 0;
};

struct ItemReference;

// The conversation a previous_response_id continues, and the items item_reference inputs name,
// read from the stored outputs.
class ConversationSource {
 public:
  virtual ~ConversationSource() = default;
  // The messages up to and including `response_id`'s answer, oldest first, in canonical form; a
  // 400 (param previous_response_id) when the account has no such response.
  virtual boost::asio::awaitable<Result<boost::json::array>> history(
      const std::string& response_id, const std::string& account_id) = 0;
  // The stored output items that `refs` (item_reference inputs) name, by ID, as the client saw
  // them; a 400 naming the first reference to nothing the account has.
  virtual boost::asio::awaitable<Result<boost::json::object>> items(
      const std::vector<ItemReference>& refs, const std::string& account_id) = 0;
};

struct CanonicalRequest;
class Surface;

// Where a request asking to run in the background goes (Responses' `background: true`).
class BackgroundQueue {
 public:
  virtual ~BackgroundQueue() = default;
  // Queues `body` (the request as sent) to run as `key` on `surface`; the answer to send now.
  virtual boost::asio::awaitable<HttpResponse> submit_background(
      std::shared_ptr<const KeyInfo> key, const Surface& surface, const std::string& path,
      const std::string& body, const CanonicalRequest& request) = 0;
};

struct PauseSwitch {
  std::atomic<bool> paused{false};
};

// Cost of `usage` at `model`'s prices (cached input at its own price).
NanoUsd price_usage(const ModelConfig& model, const Usage& usage);

}  // namespace glmgate
