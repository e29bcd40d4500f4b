// A call's spans; see steps.hpp (begin_attempt_span ... emit_spans) and telemetry/spans.hpp.
// Names and attributes follow OpenTelemetry's GenAI conventions: the call is a server span
// "chat <model>", each upstream attempt a client span "chat <upstream model>" under it.
#include <chrono>

#include "core/clock.hpp"
#include "gateway/steps.hpp"

namespace glmgate::steps {

namespace {

using Clock = Call::Clock;

std::int64_t unix_ns_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The unix time of a steady-clock instant of this call.
std::int64_t unix_ns_at(Clock::time_point t) {
  return unix_ns_now() -
         std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t).count();
}

bool hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// An id: lower-case hex, not all zeros (invalid in W3C trace context).
bool valid_id(std::string_view s) {
  return hex(s) && s.find_first_not_of('0') != std::string_view::npos;
}

// The call's trace: the client's (trace id, its span as parent, its flags) when its traceparent
// is a version-00 one, else a new trace.
void ensure_trace(Call& call) {
  auto& t = call.trace;
  if (!t.trace_id.empty()) return;
  const std::string parent = client_trace_header(call, "traceparent", 55);
  if (parent.size() == 55 && parent.compare(0, 3, "00-") == 0 && parent[35] == '-' &&
      parent[52] == '-' && valid_id(std::string_view(parent).substr(3, 32)) &&
      valid_id(std::string_view(parent).substr(36, 16)) &&
      hex(std::string_view(parent).substr(53, 2))) {
    t.trace_id = parent.substr(3, 32);
    t.parent_id = parent.substr(36, 16);
    t.flags = parent.substr(53, 2);
  } else {
    t.trace_id = new_trace_id();
  }
  t.span_id = new_span_id();
}

void add(Span& s, std::string key, std::string value) {
  if (!value.empty()) s.attributes.push_back({std::move(key), std::move(value)});
}
void add(Span& s, std::string key, std::int64_t value) {
  s.attributes.push_back({std::move(key), value});
}

}  // namespace

std::string client_trace_header(const Call& call, std::string_view name, std::size_t max) {
  std::string_view v = call.exchange.request().header(name);
  if (v.empty() || v.size() > max || (name == "traceparent" && v.size() != 55)) return {};
  for (char c : v)
    if (c < 0x20 || c > 0x7e) return {};
  return std::string(v);
}

void begin_attempt_span(Call& call, const Deployment& d) {
  ensure_trace(call);
  auto& t = call.trace;
  t.attempt_id = new_span_id();
  Span s;
  s.trace_id = t.trace_id;
  s.span_id = t.attempt_id;
  s.parent_span_id = t.span_id;
  s.name = "chat " + d.model.upstream_model;
  s.kind = Span::Kind::client;
  s.start_unix_ns = unix_ns_now();
  add(s, "gen_ai.operation.name", std::string("chat"));
  add(s, "gen_ai.provider.name", d.model.provider);
  add(s, "gen_ai.request.model", d.model.upstream_model);
  add(s, "glmgate.deployment", d.name);
  add(s, "glmgate.attempt", static_cast<std::int64_t>(call.route.attempts));
  t.attempts.push_back(std::move(s));
}

std::string upstream_traceparent(const Call& call) {
  const auto& t = call.trace;
  if (!call.parts.spans || t.attempt_id.empty())
    return client_trace_header(call, "traceparent", 55);
  return "00-" + t.trace_id + "-" + t.attempt_id + "-" + t.flags;
}

void end_attempt_span(Call& call, const CallOutcome& outcome, const ApiError* error,
                      std::string_view cause) {
  auto& t = call.trace;
  if (t.attempts.empty() || t.attempts.back().end_unix_ns != 0) return;
  Span& s = t.attempts.back();
  s.end_unix_ns = std::max(unix_ns_now(), s.start_unix_ns);
  // What the upstream answered (a 500 that the client would get as a 502), else the outcome's.
  const int status = error && error->upstream_status > 0 ? error->upstream_status : outcome.status;
  add(s, "http.response.status_code", static_cast<std::int64_t>(status));
  if (error || outcome.upstream_fault) {
    s.error = true;
    s.status_message = error ? error->message : "the upstream failed";
    add(s, "error.type", std::string(cause));
  }
}

void emit_spans(Call& call) {
  ensure_trace(call);
  auto& t = call.trace;
  // A client that traces without sampling (flags 00) gets no spans of ours in its trace.
  const char last = t.flags.back();
  if (((last <= '9' ? last - '0' : last - 'a' + 10) & 1) == 0) return;
  const UsageRecord& r = call.record;
  Span s;
  s.trace_id = t.trace_id;
  s.span_id = t.span_id;
  s.parent_span_id = t.parent_id;
  s.name = "chat " + r.model;
  s.kind = Span::Kind::server;
  s.start_unix_ns = unix_ns_at(call.exchange.received_at());
  s.end_unix_ns = std::max(unix_ns_now(), s.start_unix_ns);
  add(s, "gen_ai.operation.name", std::string("chat"));
  add(s, "gen_ai.request.model", r.model);
  add(s, "gen_ai.response.model", r.served_model);
  add(s, "gen_ai.provider.name", r.provider);
  add(s, "gen_ai.usage.input_tokens", r.usage.prompt_tokens);
  add(s, "gen_ai.usage.output_tokens", r.usage.completion_tokens);
  add(s, "http.response.status_code", static_cast<std::int64_t>(r.status));
  add(s, "glmgate.request_id", r.request_id);
  add(s, "glmgate.surface", r.surface);
  add(s, "glmgate.account", r.account_id);
  add(s, "glmgate.attempts", static_cast<std::int64_t>(r.attempts));
  add(s, "glmgate.cost_nano_usd", static_cast<std::int64_t>(r.cost));
  if (r.ttft_us > 0) add(s, "glmgate.time_to_first_token_us", r.ttft_us);
  if (r.status != 200) {
    s.error = true;
    s.status_message =
        call.error_code.empty() ? "HTTP " + std::to_string(r.status) : call.error_code;
    add(s, "error.type", call.error_code.empty() ? std::to_string(r.status) : call.error_code);
  }
  std::vector<Span> spans;
  spans.reserve(1 + t.attempts.size());
  spans.push_back(std::move(s));
  for (Span& a : t.attempts) {
    if (a.end_unix_ns == 0) a.end_unix_ns = spans.front().end_unix_ns;
    spans.push_back(std::move(a));
  }
  t.attempts.clear();
  call.parts.spans->add(std::move(spans));
}

}  // namespace glmgate::steps
