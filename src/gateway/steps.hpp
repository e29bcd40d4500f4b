// The pipeline's steps, in the order Pipeline runs them. Each is a plain function over the
// request's Call that reads what the steps before it left there and fills in its own part; it
// returns how it ended (StepEnd) and sends nothing itself, but for dispatch and a background
// submission, which answer the client. The few steps that may wait for I/O are awaitables; a
// step that asks a contract (limit, hold) first asks its synchronous form, and only when that
// says `wait` does the pipeline await the step's `_shared` form. One unit each, tested against
// fake contracts in tests/unit/gateway/.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "gateway/call.hpp"

namespace glmgate::steps {

// authenticate: Pipeline::authenticate / authenticate_missed (pipeline.hpp).

// pause: 503 while the operator has paused the public API.
StepEnd pause(const Call& call);

// limit: the key's limits (its own, else its account's usage tier, else the defaults) and one
// request of its rate: 429 over it, 503 when a shared limiter cannot be reached. A task took its
// rate when it was queued: only its limits are resolved. The key's concurrency slot is not taken
// here (take_slot): a background submission holds none.
StepEnd limit(Call& call);
boost::asio::awaitable<StepEnd> limit_shared(Call& call);
// One of the key's --max-concurrency slots, once the request is known to run here (never for a
// task, whose runner holds the slot for the run).
StepEnd take_slot(Call& call);
boost::asio::awaitable<StepEnd> take_slot_shared(Call& call);

// validate: the surface decodes the request (decode; then resolve_references when it names
// stored items, which decodes again with them), then validate finds the model (404) and checks
// the request against it: tools on a model without them, max_tokens within the model's cap
// (defaulted when absent), `n`.
StepEnd decode(Call& call);
boost::asio::awaitable<StepEnd> resolve_references(Call& call);
StepEnd validate(Call& call);
// Background runs (Responses' background: true): queued as a task, which the step answers.
boost::asio::awaitable<StepEnd> submit_background(Call& call);
// What the output keeps (the answer, the turn for a later previous_response_id); then, for a
// request that continues a stored conversation, continue_conversation puts it before this turn.
void plan_output(Call& call);
boost::asio::awaitable<StepEnd> continue_conversation(Call& call);

// route: the model's deployment: the adapter of its provider, the provider's concurrency gate,
// and 503 when the health board has the deployment open.
StepEnd route(Call& call);
// After hold: the provider's slot, once the gate gave one within the provider's queue timeout
// (`granted`), else 429 provider_concurrency_limit.
StepEnd provider_slot(Call& call, bool granted);

// hold: an upper bound of the call's cost (the prompt estimate and max_tokens for every choice at
// the model's prices) held on the account: 402 when it cannot cover it, 403 for a key of no
// account, 503 when a shared wallet cannot be reached.
StepEnd hold(Call& call);
boost::asio::awaitable<StepEnd> hold_shared(Call& call);

// dispatch's first half (attempts.cpp): the route's plan tried in order until an upstream call
// opens (a stream the upstream accepted, a non-streamed answer's status 200). Each attempt asks
// the health board for its deployment (skipped while its breaker is open), takes a key of its
// provider's pool and the provider's slot; a failure another deployment may not share (a connect
// error, a timeout before the first byte, 5xx, 429, Z.ai's overload codes, a refused pool key)
// moves on to the next candidate after a backoff with jitter, within a total deadline; a client
// error (400, a content filter) ends it at once. Nothing is retried once the call is open. Sets
// the x-glmgate-attempts and x-glmgate-deployment headers. nullopt: call.upstream.call is open
// and call.route names the attempt's deployment; else the error to answer.
boost::asio::awaitable<std::optional<ApiError>> open_upstream(Call& call);
// Tells the health board how the current attempt ended, once; finish() tells the last one's.
void end_attempt(Call& call, const CallOutcome& outcome, const ApiError* error);

// dispatch: the upstream call and the client's answer (dispatch.cpp, dispatch_stream.cpp);
// settles just before the last byte reaches the client.
boost::asio::awaitable<void> dispatch_unary(Call& call);
boost::asio::awaitable<void> dispatch_stream(Call& call, std::chrono::milliseconds ping_interval);

// settle: frees the call's slots, charges what was generated (releases the hold when the
// generation failed), counts its tokens against the key, keeps the output. Runs once: before the
// last byte of an answer, else when the call ends.
void settle(Call& call);
// The end of every call past authentication: settles if dispatch did not, tells the health
// board how the upstream call went, and hands the usage record (and its charge) to the sink.
void finish(Call& call);

// Tracing (tracing.cpp), with a span sink only: an attempt's span begins as it is opened (its id
// goes upstream in the attempt's traceparent, which upstream_traceparent() gives: the client's
// own without a sink) and ends with its outcome; emit_spans() sends the call's span and its
// attempts' at finish().
void begin_attempt_span(Call& call, const Deployment& deployment);
// The client's trace context header `name` when it looks like one (W3C: printable, at most `max`
// characters; a traceparent exactly 55), else empty.
std::string client_trace_header(const Call& call, std::string_view name, std::size_t max);
std::string upstream_traceparent(const Call& call);
void end_attempt_span(Call& call, const CallOutcome& outcome, const ApiError* error,
                      std::string_view cause);
void emit_spans(Call& call);

// Sends `error` in the surface's shape, with the call's extra headers, and records its status.
boost::asio::awaitable<void> send_error(Call& call, const ApiError& error);

}  // namespace glmgate::steps
