// Pipeline: the explicit sequence every model request goes through, whatever its surface:
// authenticate -> pause -> limit -> validate -> route -> hold -> dispatch -> settle. Each step is
// a plain function over the request's Call (gateway/steps.hpp) that returns the error that stops
// the request; only a step that may wait is awaited, and a step asking a contract whose backend
// answers at once (the in-process wallet and limiter) does not wait. Settle runs on every path
// that got past authentication. Shared by all I/O threads; each request's state lives in its
// own coroutine frame.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "accounts/key_cache.hpp"
#include "accounts/key_lookup.hpp"
#include "contracts/conversation_source.hpp"
#include "contracts/health_board.hpp"
#include "contracts/output_sink.hpp"
#include "contracts/pause_switch.hpp"
#include "contracts/rate_limiter.hpp"
#include "contracts/usage_sink.hpp"
#include "contracts/wallet.hpp"
#include "gateway/background_queue.hpp"
#include "gateway/call_metrics.hpp"
#include "gateway/catalog.hpp"
#include "http/exchange.hpp"
#include "logging/call_log.hpp"
#include "providers/registry.hpp"
#include "surfaces/surface.hpp"
#include "telemetry/spans.hpp"

namespace glmgate {

// What the pipeline is built on: every part is a contract or a read-only table, so a test can
// hand it fakes. All outlive the pipeline.
struct PipelineParts {
  const KeyCache& keys;
  const Catalog& catalog;
  const ProviderRegistry& providers;  // the adapter of each provider the catalog names
  HealthBoard& health;
  RateLimiter& limiter;
  Wallet& wallet;
  UsageSink& usage;
  const PauseSwitch& pause;
  OutputSink& outputs;
  ConversationSource* conversations = nullptr;  // previous_response_id; null: refused
  BackgroundQueue* background = nullptr;        // background: true; null: refused
  KeyLookup* key_lookup = nullptr;              // keys the cache misses; null: refused at once
  CallMetrics* metrics = nullptr;               // what each call adds to /metrics; null: none
  CallLog* call_log = nullptr;                  // the JSON line per call (access_log); null: none
  SpanSink* spans = nullptr;  // a span per call and upstream attempt (otlp_endpoint); null: none
};

// A task's run of a generation: its output ID is fixed in advance, the rate limit is not taken
// again (the task was admitted when it was queued), and the output comes back here instead of
// being kept, so the task runner can commit it with the task's end.
struct TaskRun {
  std::string output_id;
  bool cancelled = false;  // set by the runner before it aborts the call
  std::optional<StoredOutput> output;
};

struct Call;  // one request's state (gateway/call.hpp)
struct StepEnd;

class Pipeline {
 public:
  explicit Pipeline(PipelineParts parts) : parts_(parts) {}

  // POST of a generation request on `surface`.
  boost::asio::awaitable<void> generate(const Surface& surface, Exchange& exchange) const;

  // A task's generation, as `key` (already authenticated and admitted).
  boost::asio::awaitable<void> run_task(const Surface& surface, Exchange& exchange,
                                        std::shared_ptr<const KeyInfo> key, TaskRun& run) const;

  void set_background(BackgroundQueue* queue) { parts_.background = queue; }
  void set_conversations(ConversationSource* source) { parts_.conversations = source; }
  void set_key_lookup(KeyLookup* lookup) { parts_.key_lookup = lookup; }
  void set_metrics(CallMetrics* metrics) { parts_.metrics = metrics; }
  void set_call_log(CallLog* log) { parts_.call_log = log; }
  void set_spans(SpanSink* spans) { parts_.spans = spans; }

  // The key's info, or the 401 to send. From the cache only: when it refuses a key, call
  // authenticate_missed() (a coroutine only on that path, so a hit costs no frame).
  Result<std::shared_ptr<const KeyInfo>> authenticate(const Surface& surface,
                                                      const HttpRequest& request) const;
  // After authenticate() gave `refusal`: the key if the store has it now (made since the cache
  // was last refreshed), else `refusal`.
  boost::asio::awaitable<Result<std::shared_ptr<const KeyInfo>>> authenticate_missed(
      const Surface& surface, const HttpRequest& request, ApiError refusal) const;
  // Both: for handlers off the generation path (model lists, token counts), where a coroutine
  // frame per request does not matter.
  boost::asio::awaitable<Result<std::shared_ptr<const KeyInfo>>> authenticate_any(
      const Surface& surface, const HttpRequest& request) const;

  // Tasks (task_admission.cpp). A task is admitted when it is queued: the key's requests per
  // minute are taken (and its tokens per minute checked), with the x-ratelimit-* headers in
  // `headers`; the 429 (or 503) to send when refused. No concurrency slot is taken then:
  // hold_slot() takes one of the key's --max-concurrency slots when the task is about to run:
  // granted, refused while the key is at its cap, or pending when a shared limiter needs a round
  // trip, which hold_slot_shared() makes (true: the slot is held). release_slot() gives it back.
  boost::asio::awaitable<std::optional<ApiError>> admit_queued(const KeyInfo& key,
                                                               Headers& headers) const;
  Admission hold_slot(const KeyInfo& key) const;
  boost::asio::awaitable<bool> hold_slot_shared(const KeyInfo& key) const;
  void release_slot(const KeyInfo& key) const;

  const Catalog& catalog() const { return parts_.catalog; }

 private:
  boost::asio::awaitable<bool> identify(Call& call) const;
  boost::asio::awaitable<StepEnd> prepare(Call& call) const;
  boost::asio::awaitable<void> run(Call& call) const;
  boost::asio::awaitable<void> guarded(Call& call) const;

  PipelineParts parts_;
};

// The conservative token estimate of a request body and of generated text, used for the
// reservation and when a stream ends without usage (about 3 characters per token).
std::int64_t estimate_tokens(std::size_t characters);

}  // namespace glmgate
