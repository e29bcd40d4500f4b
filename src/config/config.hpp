// Configuration: the built-in defaults and the TOML file that overrides them. Loaded once at
// start-up (or by a CLI command) and immutable afterwards, so it is shared read-only by all
// threads. Every error names the file, the key and what is wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/money.hpp"

namespace glmgate {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ProviderConfig {
  std::string name;
  std::string kind = "openai";
  std::string base_url;
  // The environment variables of its keys: one, or a pool spread over and rotated when a key
  // is refused; empty: no key (local servers).
  std::vector<std::string> api_key_env;
  std::string ca_file;  // empty: the system's trust store
  std::int64_t connect_timeout_ms = 10'000;
  std::int64_t first_byte_timeout_ms = 300'000;  // thinking models can be silent for minutes
  std::int64_t idle_timeout_ms = 120'000;        // between two stream chunks
  std::int64_t total_timeout_ms = 900'000;
  std::int64_t max_concurrency = 0;       // calls in flight to this provider; 0: no cap
  std::int64_t queue_timeout_ms = 2'000;  // how long a call over the cap waits for a slot
  // The most one call may read from this provider (its body, before any conversion): a 128K-token
  // answer streamed a token per ~250-byte chunk is about 31 MiB.
  std::int64_t max_output_bytes = 32 * 1024 * 1024;
  // Derived from base_url at load.
  bool tls = false;
  std::string host;
  std::string port;
  std::string base_path;  // without trailing slash, e.g. "/api/paas/v4"
};

// One place a model is served from: a provider and the upstream's name for the model there.
struct DeploymentConfig {
  std::string provider;
  std::string upstream_model;
  std::int64_t weight = 1;  // its share of the calls under "weighted" routing
};

struct ModelConfig {
  std::string id;  // public ID clients send
  // The first deployment's (a model without [[models.deployments]] is this one deployment).
  std::string provider;
  std::string upstream_model;
  std::vector<DeploymentConfig> deployments;  // never empty once loaded
  std::vector<std::string> fallbacks;         // public IDs tried in order when all fail
  std::string routing = "weighted";           // or "least_busy", "lowest_latency"
  std::int64_t context_window = 128'000;
  std::int64_t max_output_tokens = 8192;
  bool tools = true;
  bool reasoning = false;
  NanoUsd input_price_per_mtok = 0;
  NanoUsd cached_input_price_per_mtok = 0;
  NanoUsd output_price_per_mtok = 0;
};

// A usage tier: accounts whose cumulative spend reached `min_spend` get these limits for keys
// without their own --rpm / --tpm.
struct TierConfig {
  NanoUsd min_spend = 0;
  std::int64_t rpm = 0;
  std::int64_t tpm = 0;  // 0: no token limit
};

// The configuration file is flat (`default_rpm = 60`, no [table] per section), and so are the
// names in code; each section is still a struct of its own, parsed by its own function
// (config/sections.cpp) and handed alone to the part it configures (tiers.hpp takes the
// LimitsSection). Config is all of them: it derives from each, so `config.default_rpm` and a
// `const LimitsSection&` both work.

// The HTTP server: where it listens and what it accepts.
struct ServerSection {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  // Several processes on this machine may listen on the same address (SO_REUSEPORT): the kernel
  // spreads new connections over them. Each must set it.
  bool reuse_port = false;
  int threads = 0;  // 0: one per core
  std::int64_t max_body_bytes = 16 * 1024 * 1024;
  std::int64_t header_timeout_ms = 10'000;
  std::int64_t idle_timeout_ms = 60'000;  // keep-alive between requests
  std::int64_t max_connections = 20'000;
  // Browser origins allowed to call the API ("https://app.example.com", or "*"); empty: no CORS.
  std::vector<std::string> cors_origins;
};

// What a generation request gets when it does not say.
struct GenerationSection {
  std::int64_t stream_ping_interval_ms = 15'000;
  std::int64_t default_max_tokens = 8192;
};

// Keys' rate limits and free calls.
struct LimitsSection {
  std::int64_t default_rpm = 60;               // keys without --rpm, when no tier applies
  std::int64_t rate_limit_burst_seconds = 10;  // a key may send this many seconds' share at once
  std::int64_t free_calls_per_model = 0;       // per account and model, recorded at cost 0
  std::vector<TierConfig> tiers;               // ordered by min_spend
};

// The store and how this server keeps in step with it.
struct StoreSection {
  std::string store = "sqlite:./data/glmgate.db";
  std::int64_t key_refresh_ms = 250;     // how often the server looks for changes in the store
  std::int64_t flush_interval_ms = 200;  // the batching writer's commit interval
  // Servers sharing a store (PostgreSQL): a lease of credit not renewed for this long returns to
  // its account (a server killed without giving it back).
  std::int64_t lease_ttl_ms = 30'000;
  // Finished calls that may wait for a store that cannot be written; beyond, new calls get 503.
  std::int64_t max_unwritten_calls = 200'000;
};

// The Redis that instances share their keys' rate limits through; empty: counted in this process.
struct RedisSection {
  std::string redis;  // redis://[[user]:password@]host[:port][/db] or rediss://; holds a secret
};

// Stored outputs.
struct OutputsSection {
  std::int64_t output_retention_days = 30;         // stored outputs and ended tasks; 0: not stored
  std::int64_t output_sweep_interval_ms = 60'000;  // how often expired outputs are deleted
};

// Background tasks and their webhooks.
struct TasksSection {
  std::int64_t task_concurrency = 16;  // background tasks running at once
  // A task's claim not renewed for this long (its server died) is taken over by another server.
  std::int64_t task_lease_ms = 30'000;
  bool webhook_allow_private = false;           // callbacks to loopback / private addresses
  std::int64_t webhook_retry_seconds = 86'400;  // how long a failing webhook is retried
  std::int64_t webhook_timeout_ms = 10'000;     // per attempt
};

// Routing: the circuit breakers every deployment and pool key has (limits/breaker.hpp); and
// what the gateway tells of itself: GET /metrics.
struct RoutingSection {
  // metrics_listen = "host:port": /metrics also served there, without a key.
  bool metrics_listen = false;
  std::string metrics_host;
  std::uint16_t metrics_port = 0;
  bool metrics_per_account = false;         // the account as a label of glmgate_requests_total
  std::string access_log = "off";           // a JSON line per call: "stderr", a file path, or "off"
  std::int64_t breaker_window_ms = 30'000;  // the sliding window outcomes are counted over
  std::int64_t breaker_min_calls = 10;      // calls in the window before it may open
  double breaker_error_ratio = 0.5;         // faults among them that open it
  std::int64_t breaker_cooldown_ms = 10'000;       // open this long, doubling on a failed probe...
  std::int64_t breaker_max_cooldown_ms = 300'000;  // ...up to this
  // Active health checks: a one-token call to every deployment this often; 0: none.
  std::int64_t health_check_interval_ms = 0;
  // OTLP/HTTP (JSON) collector, e.g. "http://127.0.0.1:4318": a span per call and per upstream
  // attempt sent to its /v1/traces; empty: none.
  std::string otlp_endpoint;
  std::string otlp_host, otlp_port, otlp_path;  // derived from otlp_endpoint at load
};

// The web console at / (issue 20): whether it is served, where its links point, whom sign-in
// limits count an address for, and how long what a person gets lasts.
struct ConsoleSection {
  bool console = true;  // false: / and /console/ answer 404, as the API does for any unknown path
  // The console's address as its users reach it ("https://gw.example.com", a path allowed), for
  // the one-time links `glmgate users` prints; empty: http://<listen>.
  std::string console_url;
  // Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client; any other
  // peer is the client itself.
  std::vector<std::string> trusted_proxies;
  std::int64_t console_session_idle_hours = 12;  // a session unused this long ends
  std::int64_t console_session_max_days = 7;     // and any session after this long
  std::int64_t console_link_ttl_hours = 168;     // invitation and password links: 7 days
  std::int64_t console_chat_token_minutes = 15;  // the Chat page's credential
};

struct Config : ServerSection,
                GenerationSection,
                LimitsSection,
                StoreSection,
                RedisSection,
                OutputsSection,
                TasksSection,
                RoutingSection,
                ConsoleSection {
  std::string source = "built-in defaults";  // the file it came from, for messages
  std::string log_level = "info";
  std::vector<ProviderConfig> providers;
  std::vector<ModelConfig> models;

  const ProviderConfig* find_provider(const std::string& name) const;
};

// The defaults a user gets with no config file: the GLM family on Z.ai, kimi-k2, deepseek-r1.
Config builtin_config();

// Reads `path` over the built-in defaults. Arrays (`[[providers]]`, `[[models]]`) given in the
// file replace the built-in ones; scalars override one by one. Throws ConfigError.
Config load_config_file(const std::string& path);

// `explicit_path` when given, else ./glmgate.toml when present, else the built-in defaults.
Config load_config(const std::optional<std::string>& explicit_path);

// Parses TOML text; `source` names it in errors. Throws ConfigError.
Config parse_config(const std::string& text, const std::string& source);

}  // namespace glmgate
