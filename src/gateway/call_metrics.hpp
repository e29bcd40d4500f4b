// CallMetrics: what every generation call adds to the metrics (metrics/registry.hpp), under the
// OpenTelemetry GenAI names and units (gen_ai_client_token_usage by gen_ai_token_type,
// gen_ai_server_request_duration_seconds, gen_ai_server_time_to_first_token_seconds,
// gen_ai_server_time_per_output_token_seconds; labels gen_ai_operation_name,
// gen_ai_provider_name, gen_ai_request_model, gen_ai_response_model, error_type) and the
// gateway's own (glmgate_*: requests by surface and status, upstream attempts, fallbacks,
// credits charged by model, refusals, streams open now). Labels are public model IDs, provider
// names, surfaces, statuses and error codes: a few hundred series, never a key or an account
// unless `per_account` (metrics_per_account) adds the account to the request counter.
// Threading: any thread (the registry's families lock). Lifetime: the registry outlives it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "metrics/registry.hpp"

namespace glmgate {

class CallMetrics {
 public:
  CallMetrics(metrics::Registry& registry, bool per_account);

  // One call's end, as its usage record tells it.
  struct Ended {
    std::string_view surface;
    std::string_view account;
    int status = 0;
    std::string_view error_code;      // the error's code when status is not 200
    std::string_view request_model;   // asked for
    std::string_view response_model;  // answered (a fallback's ID when one did); empty: none
    std::string_view provider;        // of the deployment that answered or failed last
    bool stream = false;
    bool upstream = false;  // an upstream was called
    std::int64_t input_tokens = 0, output_tokens = 0;
    double cost_usd = 0;
    double duration_s = 0;
    double first_token_s = 0;  // 0: none
  };
  void ended(const Ended& e);
  // One upstream attempt's end: `outcome` "ok" or the error's class.
  void attempt(std::string_view provider, std::string_view outcome);

  // A stream opened to a client / closed.
  void stream_opened() { open_streams_.fetch_add(1, std::memory_order_relaxed); }
  void stream_closed() { open_streams_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  const bool per_account_;
  metrics::Counter& requests_;
  metrics::Counter& attempts_;
  metrics::Counter& fallbacks_;
  metrics::Counter& credits_;
  metrics::Counter& refusals_;
  metrics::Histogram& tokens_;
  metrics::Histogram& duration_;
  metrics::Histogram& first_token_;
  metrics::Histogram& per_output_token_;
  std::atomic<std::int64_t> open_streams_{0};
};

}  // namespace glmgate
