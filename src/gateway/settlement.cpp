// The settle step and the end of every call; see steps.hpp.
#include "gateway/dispatch.hpp"
#include "gateway/pricing.hpp"
#include "gateway/steps.hpp"
#include "outputs/stored_completion.hpp"

namespace glmgate::steps {

namespace {

using Clock = Call::Clock;

std::string_view output_status(const Call& call, std::string_view finish) {
  if (call.task && call.task->cancelled) return task_status::kCancelled;
  if (call.upstream.client_gone) return "incomplete";
  if (call.record.status != 200) return task_status::kFailed;
  if (finish == "length" || finish == "content_filter") return "incomplete";
  return task_status::kCompleted;
}

// Hands the answer to the output store (or, for a task, back to its runner), before the client
// has it all, so a GET right after finds it.
void keep_output(Call& call) {
  auto& output = call.output;
  if (!output.keep || !call.model) return;
  StoredOutput o;
  std::string finish;
  if (output.accumulated) {
    if (!call.upstream.opened) return;
    finish = std::string(output.accumulated->finish_reason());
    o.body = compact_completion(output.accumulated->completion(call.upstream.usage));
  } else if (!output.answer.empty()) {
    finish = output.finish;
    o.body = std::move(output.answer);
  } else {
    return;  // no answer: the error went to the client, nothing was generated
  }
  o.id = call.output_id;
  o.account_id = call.key->account_id;
  o.key_id = call.key->id;
  o.surface = std::string(call.surface.name());
  o.model = call.route.answered ? call.route.answered->id : call.model->id;
  o.status = std::string(output_status(call, finish));
  o.context = std::move(output.context);
  o.previous_id = call.request.previous_response_id;
  o.usage = call.record.usage;
  o.cost = call.record.cost;
  if (call.task) {
    call.task->output = std::move(o);
  } else {
    call.record.output_id = o.id;
    call.output.slot = call.parts.outputs.keep(std::move(o), std::nullopt);
  }
}

// What the call adds to the metrics; the usage record has it all.
void count(const Call& call) {
  const UsageRecord& r = call.record;
  CallMetrics::Ended e;
  e.surface = r.surface;
  e.account = r.account_id;
  e.status = r.status;
  e.error_code = call.error_code;
  e.request_model = r.model;
  e.response_model = r.served_model;
  e.provider = r.provider;
  e.stream = r.stream;
  e.upstream = call.route.attempts > 0;
  e.input_tokens = r.usage.prompt_tokens;
  e.output_tokens = r.usage.completion_tokens;
  e.cost_usd = static_cast<double>(r.cost) / static_cast<double>(kNanoPerUsd);
  e.duration_s = static_cast<double>(r.latency_us) / 1e6;
  e.first_token_s = static_cast<double>(r.ttft_us) / 1e6;
  call.parts.metrics->ended(e);
}

// The call's cause class for the access log: what the attempts named, else by its status.
std::string_view error_class(const Call& call) {
  const int status = call.record.status;
  if (status == 200) return {};
  if (!call.error_class.empty()) return call.error_class;
  if (status >= 500) return call.route.attempts > 0 ? "upstream" : "gateway";
  return "client";
}

void log_call(const Call& call) {
  const UsageRecord& r = call.record;
  CallLine line;
  line.request_id = r.request_id;
  line.key_prefix = call.key ? std::string_view(call.key->prefix) : std::string_view();
  line.account = r.account_id;
  line.surface = r.surface;
  line.model = r.model;
  line.served_model = r.served_model;
  line.deployment = call.route.attempts > 0 ? std::string_view(r.provider) : std::string_view();
  line.status = r.status;
  line.prompt_tokens = r.usage.prompt_tokens;
  line.completion_tokens = r.usage.completion_tokens;
  line.estimated = r.usage.estimated;
  line.cost_nano_usd = r.cost;
  line.latency_us = r.latency_us;
  line.ttft_us = r.ttft_us;
  line.attempts = r.attempts;
  line.error_class = error_class(call);
  call.parts.call_log->write(line);
}

std::int64_t micros_since(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration_cast<std::chrono::microseconds>(end - start).count();
}

}  // namespace

void settle(Call& call) {
  if (call.settled.done) return;
  call.settled.done = true;
  if (call.route.gate_held) call.route.gate->release();
  const auto& admission = call.admission;
  if (admission.admitted) call.parts.limiter.release(*call.key, admission.limits);
  if (!call.hold.held) return;
  finish_usage(call);
  Wallet& wallet = call.parts.wallet;
  // A generation that failed upstream is not the client's to pay; one it abandoned is.
  if (call.record.status == 200 || call.upstream.client_gone) {
    // Priced as the model that answered (a fallback's prices); held and settled under the
    // model asked for, whose hold this is.
    NanoUsd cost =
        price_usage(call.route.answered ? *call.route.answered : *call.model, call.record.usage);
    Settlement s = wallet.settle(*call.key, call.model->id, call.hold.reservation, cost,
                                 call.record.request_id);
    call.record.cost = s.charged;
    call.record.free = s.free;
    call.settled.charge = std::move(s.entry);
  } else {
    wallet.release(*call.key, call.model->id, call.hold.reservation);
  }
  if (admission.admitted)
    call.parts.limiter.add_tokens(
        *call.key, admission.limits,
        call.record.usage.prompt_tokens + call.record.usage.completion_tokens);
  keep_output(call);
}

void finish(Call& call) {
  settle(call);
  if (call.settled.submitted) return;
  auto now = Clock::now();
  const auto received = call.exchange.received_at();
  call.record.latency_us = micros_since(received, now);
  if (call.upstream.first_token)
    call.record.ttft_us = micros_since(received, *call.upstream.first_token);
  if (call.route.deployment) {
    const int status = call.record.status;
    const auto started = call.route.attempt_started;
    CallOutcome outcome{
        status, status >= 500, std::chrono::microseconds(micros_since(started, now)),
        std::chrono::microseconds(
            call.upstream.first_token ? micros_since(started, *call.upstream.first_token) : 0)};
    end_attempt(call, outcome, nullptr);
  }

  call.record.attempts = call.route.attempts;
  if (call.route.answered) call.record.served_model = call.route.answered->id;
  if (call.parts.metrics) count(call);
  if (call.parts.call_log) log_call(call);
  if (call.parts.spans) emit_spans(call);
  call.record.created_at = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  call.parts.usage.record(std::move(call.record), std::move(call.settled.charge), call.output.slot);
}

}  // namespace glmgate::steps
