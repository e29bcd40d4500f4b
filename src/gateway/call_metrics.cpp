// CallMetrics; see call_metrics.hpp.
#include "gateway/call_metrics.hpp"

namespace glmgate {

namespace {

// The bucket bounds OpenTelemetry's GenAI semantic conventions advise.
const std::vector<double> kTokenBounds = {
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
const std::vector<double> kDurationBounds = {0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                             1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
const std::vector<double> kFirstTokenBounds = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
                                               0.25,  0.5,   0.75, 1.0,  2.5,  5.0,  7.5,  10.0};
const std::vector<double> kPerTokenBounds = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,
                                             0.3,  0.4,   0.5,  0.75,  1.0, 2.5};

const std::vector<std::string> kGenAiLabels = {"gen_ai_operation_name", "gen_ai_provider_name",
                                               "gen_ai_request_model", "gen_ai_response_model",
                                               "error_type"};

}  // namespace

CallMetrics::CallMetrics(metrics::Registry& r, bool per_account)
    : per_account_(per_account),
      requests_(r.counter("glmgate_requests_total", "Generation requests by surface and status.",
                          per_account ? std::vector<std::string>{"surface", "status", "account"}
                                      : std::vector<std::string>{"surface", "status"})),
      attempts_(r.counter("glmgate_upstream_attempts_total",
                          "Upstream attempts by provider and outcome (ok, or the error's class).",
                          {"gen_ai_provider_name", "outcome"})),
      fallbacks_(r.counter("glmgate_fallbacks_total",
                           "Calls answered by a fallback model, by the model asked for and the one "
                           "that answered.",
                           {"gen_ai_request_model", "gen_ai_response_model"})),
      credits_(r.counter("glmgate_credits_charged_usd_total", "Credits charged, by model.",
                         {"gen_ai_request_model"})),
      refusals_(r.counter("glmgate_refusals_total",
                          "Requests refused for credits (402) or limits (429), by status and code.",
                          {"status", "code"})),
      tokens_(r.histogram("gen_ai_client_token_usage", "Tokens used per call, input and output.",
                          {"gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model",
                           "gen_ai_response_model", "gen_ai_token_type"},
                          kTokenBounds)),
      duration_(r.histogram("gen_ai_server_request_duration_seconds",
                            "Time from the request to its last byte, in seconds.", kGenAiLabels,
                            kDurationBounds)),
      first_token_(r.histogram("gen_ai_server_time_to_first_token_seconds",
                               "Time from the request to the first token, in seconds.",
                               kGenAiLabels, kFirstTokenBounds)),
      per_output_token_(r.histogram("gen_ai_server_time_per_output_token_seconds",
                                    "Time per output token after the first, in seconds.",
                                    kGenAiLabels, kPerTokenBounds)) {
  r.gauge("glmgate_open_streams", "Streams open to clients now.",
          [this] { return static_cast<double>(open_streams_.load(std::memory_order_relaxed)); });
}

void CallMetrics::ended(const Ended& e) {
  const std::string status = std::to_string(e.status);
  if (per_account_)
    requests_.add({std::string(e.surface), status, std::string(e.account)});
  else
    requests_.add({std::string(e.surface), status});
  if (e.status == 402 || e.status == 429) refusals_.add({status, std::string(e.error_code)});
  if (!e.upstream) return;
  // One label set for the call, made once: its last value is error_type for the time histograms,
  // then gen_ai_token_type for the token one (the two families' label names differ only there).
  metrics::Labels labels{"chat", std::string(e.provider), std::string(e.request_model),
                         std::string(e.response_model),
                         e.status == 200 ? std::string() : std::string(e.error_code)};
  duration_.observe(labels, e.duration_s);
  if (e.first_token_s > 0) {
    first_token_.observe(labels, e.first_token_s);
    if (e.stream && e.output_tokens > 1 && e.duration_s > e.first_token_s)
      per_output_token_.observe(
          labels, (e.duration_s - e.first_token_s) / static_cast<double>(e.output_tokens - 1));
  }
  if (e.status == 200 || e.input_tokens + e.output_tokens > 0) {
    labels[4] = "input";
    tokens_.observe(labels, static_cast<double>(e.input_tokens));
    labels[4] = "output";
    tokens_.observe(labels, static_cast<double>(e.output_tokens));
  }
  if (e.cost_usd > 0) credits_.add({labels[2]}, e.cost_usd);
  if (!e.response_model.empty() && e.response_model != e.request_model)
    fallbacks_.add({labels[2], labels[3]});
}

void CallMetrics::attempt(std::string_view provider, std::string_view outcome) {
  attempts_.add({std::string(provider), std::string(outcome)});
}

}  // namespace glmgate
