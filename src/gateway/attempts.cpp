// The attempts of one call on its route's plan; see steps.hpp (open_upstream) and router.hpp.
#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/dispatch.hpp"
#include "gateway/router.hpp"
#include "gateway/steps.hpp"
#include "gateway/upstream_faults.hpp"

namespace glmgate::steps {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = Call::Clock;

namespace {

// How long a call may spend trying deployments after its first attempt failed.
constexpr auto kRetryDeadline = std::chrono::seconds(60);
// How long a pool key the upstream refused (401, 403, quota exhausted) is set aside.
constexpr auto kKeyRest = std::chrono::seconds(60);
// Backoff before the next attempt: full jitter up to 25 ms x 2^n, at most a second.
constexpr std::int64_t kBackoffBaseMs = 25;
constexpr std::int64_t kBackoffCapMs = 1000;

std::int64_t micros_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count();
}

// The request for one attempt: the call's own (adapters change only what the next one sets
// again), with the output cap `asked` for, lowered to a fallback's smaller cap as validation
// would have set it.
json::object& attempt_body(Call& call, const ModelConfig& model,
                           std::optional<std::int64_t> asked) {
  json::object& body = call.request.body;
  if (!asked) return body;
  auto it = body.find("max_tokens");
  if (it != body.end())
    it->value() = &model == call.model ? *asked : std::min(*asked, model.max_output_tokens);
  return body;
}

// The max_tokens the request asked for, when it is a number the attempts may lower.
std::optional<std::int64_t> asked_tokens(const Call& call) {
  auto it = call.request.body.find("max_tokens");
  if (it == call.request.body.end() || !it->value().is_int64()) return std::nullopt;
  return it->value().get_int64();
}

// The provider's slot for an attempt on `provider`: kept when the previous attempt's provider
// was the same, else the previous one given back and this one's taken.
asio::awaitable<bool> provider_slot_for(Call& call, const std::string& provider) {
  auto& route = call.route;
  ProviderGate* gate = call.parts.catalog.gate(provider);
  if (gate == route.gate && (route.gate_held || !gate)) co_return true;
  if (route.gate_held) route.gate->release();
  route.gate_held = false;
  route.gate = gate;
  if (!gate) co_return true;
  const ProviderConfig* p = call.parts.catalog.config().find_provider(provider);
  bool granted = co_await gate->acquire(std::chrono::milliseconds(p ? p->queue_timeout_ms : 0));
  route.gate_held = granted;
  co_return granted;
}

// The attempts made and the deployment of the last (its provider's name).
void add_route_headers(Call& call, const Deployment* last, const ApiError* error) {
  call.extra_headers.push_back({"x-glmgate-attempts", std::to_string(call.route.attempts)});
  if (last) call.extra_headers.push_back({"x-glmgate-deployment", last->model.provider});
  if (error) {
    call.error_class = cause_class(*error);
    call.extra_headers.push_back({"x-glmgate-error-class", std::string(call.error_class)});
  }
}

}  // namespace

void end_attempt(Call& call, const CallOutcome& outcome, const ApiError* error) {
  auto& route = call.route;
  if (!route.deployment) return;
  const Deployment& d = *route.deployment;
  route.deployment = nullptr;
  d.in_flight.fetch_sub(1, std::memory_order_relaxed);
  const std::string_view outcome_class = error                    ? cause_class(*error)
                                         : outcome.upstream_fault ? "upstream"
                                         : outcome.status == 200  ? "ok"
                                                                  : "client";
  if (call.parts.metrics) call.parts.metrics->attempt(d.model.provider, outcome_class);
  if (call.parts.spans) end_attempt_span(call, outcome, error, outcome_class);
  HealthBoard& board = call.parts.health;
  const bool key_fault = error && key_refused(*error);
  CallOutcome deployment_outcome = outcome;
  if (key_fault) deployment_outcome.upstream_fault = false;  // the key's fault, not the model's
  board.record(d.name, deployment_outcome);
  if (error && deployment_outcome.upstream_fault) board.note_error(d.name, error->message);
  if (!route.key.empty()) {
    CallOutcome key_outcome = outcome;
    key_outcome.upstream_fault = outcome.upstream_fault || key_fault;
    board.record(route.key, key_outcome);
    if (key_fault) {
      board.note_error(route.key, error->message);
      board.set_aside(route.key, kKeyRest);
    }
  }
  if (error && error->retry_after_ms > 0 && !key_fault)
    board.set_aside(d.name, std::chrono::milliseconds(error->retry_after_ms));
  if (outcome.first_token.count() > 0) {
    // A moving average of 1/8 per call: lowest_latency follows a change within a few calls.
    const std::int64_t seen = outcome.first_token.count();
    std::int64_t old = d.first_token_us.load(std::memory_order_relaxed);
    d.first_token_us.store(old == 0 ? seen : old + (seen - old) / 8, std::memory_order_relaxed);
  }
}

asio::awaitable<std::optional<ApiError>> open_upstream(Call& call) {
  auto& route = call.route;
  HealthBoard& board = call.parts.health;
  const auto deadline = Clock::now() + kRetryDeadline;
  std::optional<ApiError> last;
  const Deployment* tried = nullptr;  // the last attempt's
  const std::optional<std::int64_t> asked = asked_tokens(call);
  int failures = 0;
  while (route.next < route.plan.size() && !call.upstream.client_gone) {
    const auto candidate = route.plan[route.next++];
    const Deployment& d = *candidate.deployment;
    const std::string& provider = d.model.provider;
    // A plan of one is always tried, as LiteLLM never cools down a model's only deployment: its
    // breaker would only turn the upstream's own answers into 503s.
    if (route.plan.size() > 1 && !board.admit(d.name)) continue;
    std::string key;
    auto k = pick_key(board, provider, call.parts.providers.keys(provider), key);
    if (!k) {
      // Every key of the pool is set aside: the deployment cannot be served now.
      board.record(d.name, CallOutcome{503, true, {}, {}});
      last = ApiError::unavailable("Every API key of the provider " + provider +
                                   " is set aside after the upstream refused it.");
      last->from_upstream = true;
      last->upstream_status = 401;
      continue;
    }
    if (!co_await provider_slot_for(call, provider)) {
      board.record(d.name, CallOutcome{429, false, {}, {}});
      if (!key.empty()) board.record(key, CallOutcome{429, false, {}, {}});
      last = ApiError::rate_limited(
          "The provider " + provider + " is at its concurrency limit. Retry shortly.",
          "provider_concurrency_limit");
      continue;
    }
    route.adapter = call.parts.providers.find(provider, *k);
    route.deployment = tried = &d;
    route.key = std::move(key);
    route.answered = candidate.model;
    call.record.provider = provider;  // the usage record keeps the deployment that answered
    ++route.attempts;
    route.attempt_started = Clock::now();
    d.in_flight.fetch_add(1, std::memory_order_relaxed);
    if (call.parts.spans) begin_attempt_span(call, d);
    call.upstream.call = route.adapter->call(
        CallContext{call.exchange.request_id(), &d.model, upstream_traceparent(call),
                    client_trace_header(call, "tracestate", 512)},
        attempt_body(call, *candidate.model, asked), call.request.stream);
    std::optional<ApiError> err;
    try {
      err = co_await call.upstream.call->open();
    } catch (const std::exception& e) {
      err = ApiError::internal(std::string("upstream call failed: ") + e.what());
    }
    if (!err || call.upstream.client_gone) {
      add_route_headers(call, tried, err ? &*err : nullptr);
      co_return err;
    }
    end_attempt(call,
                CallOutcome{err->status,
                            fault(*err),
                            std::chrono::microseconds(micros_since(route.attempt_started)),
                            {}},
                &*err);
    call.upstream.call.reset();
    last = std::move(err);
    // A refused pool key is set aside: the same deployment again with the pool's next key.
    if (key_refused(*last) && call.parts.providers.keys(provider) > 1) --route.next;
    if (!retryable(*last) || route.next >= route.plan.size() || Clock::now() >= deadline) break;
    spdlog::info("request {}: attempt {} on {} failed ({}), trying the next deployment",
                 call.record.request_id, route.attempts, d.name, last->message);
    const std::int64_t cap = std::min(kBackoffCapMs, kBackoffBaseMs << std::min(failures++, 6));
    const std::int64_t wait = std::uniform_int_distribution<std::int64_t>(0, cap)(route_random());
    asio::steady_timer timer(
        co_await asio::this_coro::executor,
        std::min(deadline - Clock::now(),
                 std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(wait))));
    co_await timer.async_wait(asio::use_awaitable);
  }
  if (!last)
    last = ApiError::unavailable("Every deployment of the model `" + call.model->id +
                                     "` is failing upstream and is rested for a moment. "
                                     "Retry shortly.",
                                 "deployment_unavailable");
  if (route.attempts > 1)
    last->message =
        "All " + std::to_string(route.attempts) + " attempts failed; the last: " + last->message;
  add_route_headers(call, tried, &*last);
  co_return last;
}

}  // namespace glmgate::steps
