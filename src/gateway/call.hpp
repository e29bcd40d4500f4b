// Call: one generation request's state as the pipeline's steps hand it on, grouped by the step
// that fills each part; and StepEnd, what a step came to. Internal to the gateway (its steps and
// their tests). A Call lives in the request's coroutine frame, on one thread, for the request's
// life; nothing in it is shared.
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "canonical/completion_accumulator.hpp"
#include "gateway/pipeline.hpp"

namespace glmgate {

// How a step ended: on to the next one, stopped with `error` (the pipeline answers it in the
// surface's shape), answered by the step itself (a background submission), or `wait`: the step
// asked a contract that needs a shared backend's answer, so its awaitable form must run.
struct StepEnd {
  enum class Kind : unsigned char { next, stop, answered, wait };
  Kind kind = Kind::next;
  std::optional<ApiError> error;

  static StepEnd next() { return {}; }
  static StepEnd stop(ApiError error) { return {Kind::stop, std::move(error)}; }
  static StepEnd answered() { return {Kind::answered, std::nullopt}; }
  static StepEnd wait() { return {Kind::wait, std::nullopt}; }
  bool goes_on() const { return kind == Kind::next; }
  bool waits() const { return kind == Kind::wait; }
};

struct Call {
  using Clock = std::chrono::steady_clock;

  Call(const PipelineParts& p, const Surface& s, Exchange& e) : parts(p), surface(s), exchange(e) {}

  const PipelineParts& parts;
  // The request's JSON arena: the canonical request and a non-streamed response are built in it
  // and freed at once with the call, instead of one malloc per node.
  boost::json::monotonic_resource arena{4096};
  const Surface& surface;
  Exchange& exchange;
  TaskRun* task = nullptr;  // a background task's run
  std::string output_id;    // the ID the client sees and the output is kept under
  // What the usage sink gets at the end; each step fills in what it learns.
  UsageRecord record;
  // Response headers every answer carries (x-ratelimit-*, retry-after).
  Headers extra_headers;
  std::string error_code;        // the code of the error the call ended with, for the metrics
  std::string_view error_class;  // its cause class when an upstream attempt named it

  // authenticate
  std::shared_ptr<const KeyInfo> key;

  // limit: counted against the key's limits, so its tokens are added at the end; the
  // concurrency slot (`slots` of them at most) is taken once the request is validated.
  struct Admission {
    KeyLimits limits;
    std::int64_t slots = 0;
    bool admitted = false;
  } admission;

  // validate
  CanonicalRequest request{boost::json::object(boost::json::storage_ptr(&arena))};
  const ModelConfig* model = nullptr;
  std::int64_t choices = 1;       // n: each may generate up to max_tokens
  std::size_t history_chars = 0;  // what previous_response_id and item references added

  // route: the plan (router.hpp), then each attempt's deployment, key and provider slot
  struct Route {
    struct Candidate {
      const ModelConfig* model = nullptr;  // the public model: the call's, or a fallback
      const Deployment* deployment = nullptr;
    };
    std::vector<Candidate> plan;
    std::size_t next = 0;                      // the next candidate to try
    const ModelConfig* answered = nullptr;     // the current attempt's public model
    const Deployment* deployment = nullptr;    // the current attempt's, until its outcome is told
    std::string key;                           // its pool key's board name (a pool's only)
    const ProviderAdapter* adapter = nullptr;  // its adapter
    ProviderGate* gate = nullptr;              // its provider's cap, if it has one
    bool gate_held = false;
    int attempts = 0;
    Clock::time_point attempt_started{};
  } route;

  // The call's trace (with a span sink): its trace and span ids, made at its first attempt
  // (the client's trace id and parent when it sent a traceparent), and its attempts' spans.
  struct Trace {
    std::string trace_id;
    std::string parent_id;  // the client's span
    std::string span_id;    // the call's
    std::string flags = "01";
    std::string attempt_id;  // the current attempt's span, named upstream in its traceparent
    std::vector<Span> attempts;
  } trace;

  // hold
  struct Hold {
    Reservation reservation;
    bool held = false;
  } hold;

  // dispatch
  struct Upstream {
    std::unique_ptr<ProviderCall> call;
    bool opened = false;         // a stream the upstream accepted
    bool client_gone = false;    // the client left (or a task was cancelled)
    bool edited = false;         // the answer differs from the upstream's text beyond id and model
    std::optional<Usage> usage;  // the last snapshot the upstream reported
    std::size_t generated_chars = 0;
    std::optional<Clock::time_point> first_token;
  } upstream;

  // The stored output: the answer, and the Responses turn and echo (only when keeping it).
  struct Output {
    bool keep = false;
    std::string answer;  // the compact canonical completion (non-streamed)
    std::string finish;  // its finish reason
    std::optional<CompletionAccumulator> accumulated;  // streamed
    std::string context;
    OutputSlot slot;  // where the output sink holds it, for the usage sink to pair with the record
  } output;

  // settle
  struct Settled {
    bool done = false;
    bool submitted = false;  // queued as a background task: the task's run records the usage
    std::optional<LedgerEntry> charge;  // queued with the record
  } settled;
};

}  // namespace glmgate
