// The configuration's sections; see sections.hpp.
#include "config/sections.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <boost/url/parse.hpp>

#include "config/redis_url.hpp"

namespace glmgate {

namespace {

constexpr std::string_view kServerKeys[] = {
    "listen",          "reuse_port",      "threads",     "max_body_bytes", "header_timeout_ms",
    "idle_timeout_ms", "max_connections", "cors_origins"};
constexpr std::string_view kGenerationKeys[] = {"stream_ping_interval_ms", "default_max_tokens"};
constexpr std::string_view kLimitsKeys[] = {"default_rpm", "rate_limit_burst_seconds",
                                            "free_calls_per_model", "tiers"};
constexpr std::string_view kStoreKeys[] = {"store", "key_refresh_ms", "flush_interval_ms",
                                           "lease_ttl_ms", "max_unwritten_calls"};
constexpr std::string_view kRedisKeys[] = {"redis"};
constexpr std::string_view kOutputsKeys[] = {"output_retention_days", "output_sweep_interval_ms"};
constexpr std::string_view kTasksKeys[] = {"task_concurrency", "task_lease_ms",
                                           "webhook_allow_private", "webhook_retry_seconds",
                                           "webhook_timeout_ms"};
constexpr std::string_view kRoutingKeys[] = {
    "breaker_window_ms",        "breaker_min_calls", "breaker_error_ratio", "breaker_cooldown_ms",
    "breaker_max_cooldown_ms",  "metrics_listen",    "metrics_per_account", "access_log",
    "health_check_interval_ms", "otlp_endpoint"};
constexpr std::string_view kConsoleKeys[] = {"console",
                                             "console_url",
                                             "trusted_proxies",
                                             "console_session_idle_hours",
                                             "console_session_max_days",
                                             "console_link_ttl_hours",
                                             "console_chat_token_minutes"};
constexpr std::string_view kOtherKeys[] = {"log_level", "providers", "models"};

// `key` ("listen", "metrics_listen") as host and port; false when absent.
bool parse_address(const TableReader& r, std::string_view key, std::string& host_out,
                   std::uint16_t& port_out) {
  std::string listen;
  r.string(key, listen);
  if (listen.empty()) return false;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    r.fail(key, "expected \"host:port\", e.g. \"127.0.0.1:8080\", got \"" + listen + "\"");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::string port = listen.substr(colon + 1);
  int value = -1;
  try {
    std::size_t used = 0;
    value = std::stoi(port, &used);
    if (used != port.size()) value = -1;
  } catch (...) {
  }
  if (value < 0 || value > 65535)
    r.fail(key, "port must be a number from 0 to 65535, got \"" + port + "\"");
  host_out = host;
  port_out = static_cast<std::uint16_t>(value);
  return true;
}

void parse_listen(ServerSection& c, const TableReader& r) {
  parse_address(r, "listen", c.listen_host, c.listen_port);
}

// `cors_origins`: each an origin as browsers send it in Origin (scheme://host[:port], no path),
// or "*".
void parse_cors_origins(ServerSection& c, const toml::table& root, const std::string& source) {
  const toml::node* node = root.get("cors_origins");
  if (!node) return;
  const std::string key = source + ": cors_origins";
  const toml::array* arr = node->as_array();
  if (!arr)
    throw ConfigError(key + ": expected an array of origins, e.g. [\"https://app.example.com\"]");
  c.cors_origins.clear();
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string at = key + "[" + std::to_string(i) + "]";
    auto value = arr->get(i)->value<std::string>();
    if (!arr->get(i)->is_string() || !value)
      throw ConfigError(at + ": expected a string, got " + type_name(*arr->get(i)));
    const std::string& o = *value;
    if (o != "*") {
      auto url = boost::urls::parse_absolute_uri(o);
      bool ok = url &&
                (url->scheme_id() == boost::urls::scheme::http ||
                 url->scheme_id() == boost::urls::scheme::https) &&
                url->has_authority() && !url->encoded_host().empty() && !url->has_userinfo() &&
                url->encoded_path().empty() && !url->has_query();
      if (!ok)
        throw ConfigError(at + ": expected an origin such as \"https://app.example.com\" or " +
                          "\"http://localhost:5173\" (scheme, host and port only: no path or " +
                          "trailing slash), or \"*\" for any origin; got \"" + o + "\"");
    }
    c.cors_origins.push_back(o);
  }
}

// An IPv4 or IPv6 address, or a CIDR range of one ("10.0.0.0/8", "fd00::/8").
bool valid_proxy(const std::string& text) {
  const auto slash = text.find('/');
  const std::string address = text.substr(0, slash);
  unsigned char bytes[16];
  int bits = 0;
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1)
    bits = 32;
  else if (inet_pton(AF_INET6, address.c_str(), bytes) == 1)
    bits = 128;
  else
    return false;
  if (slash == std::string::npos) return true;
  const std::string prefix = text.substr(slash + 1);
  if (prefix.empty() || prefix.size() > 3 ||
      !std::all_of(prefix.begin(), prefix.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return false;
  return std::stoi(prefix) <= bits;
}

TierConfig parse_tier(const toml::table& t, const std::string& source, const std::string& path) {
  TableReader r(t, source, path);
  r.only({"min_spend_usd", "rpm", "tpm"});
  TierConfig tier;
  if (!r.has("min_spend_usd")) r.fail("min_spend_usd", "is required (USD spent so far)");
  r.price("min_spend_usd", tier.min_spend);
  if (!r.has("rpm")) r.fail("rpm", "is required (requests per minute)");
  r.integer("rpm", tier.rpm, 1, 100'000'000);
  r.integer("tpm", tier.tpm, 0, std::int64_t{1} << 40);
  return tier;
}

}  // namespace

std::vector<std::string_view> config_keys() {
  std::vector<std::string_view> keys;
  for (std::span<const std::string_view> section :
       {std::span<const std::string_view>(kServerKeys),
        std::span<const std::string_view>(kGenerationKeys),
        std::span<const std::string_view>(kLimitsKeys),
        std::span<const std::string_view>(kStoreKeys),
        std::span<const std::string_view>(kRedisKeys),
        std::span<const std::string_view>(kOutputsKeys),
        std::span<const std::string_view>(kTasksKeys),
        std::span<const std::string_view>(kRoutingKeys),
        std::span<const std::string_view>(kConsoleKeys),
        std::span<const std::string_view>(kOtherKeys)})
    keys.insert(keys.end(), section.begin(), section.end());
  return keys;
}

void parse_server(const toml::table& root, const TableReader& r, ServerSection& c) {
  parse_listen(c, r);
  r.boolean("reuse_port", c.reuse_port);
  std::int64_t threads = c.threads;
  r.integer("threads", threads, 0, 256);
  c.threads = static_cast<int>(threads);
  r.integer("max_body_bytes", c.max_body_bytes, 1024, std::int64_t{1} << 32);
  r.integer("header_timeout_ms", c.header_timeout_ms, 1, 3'600'000);
  r.integer("idle_timeout_ms", c.idle_timeout_ms, 1, 86'400'000);
  r.integer("max_connections", c.max_connections, 1, 10'000'000);
  parse_cors_origins(c, root, r.source());
}

void parse_generation(const TableReader& r, GenerationSection& c) {
  r.integer("stream_ping_interval_ms", c.stream_ping_interval_ms, 10, 3'600'000);
  r.integer("default_max_tokens", c.default_max_tokens, 1, 10'000'000);
}

void parse_limits(const toml::table& root, const TableReader& r, LimitsSection& c) {
  r.integer("default_rpm", c.default_rpm, 0, 100'000'000);
  r.integer("rate_limit_burst_seconds", c.rate_limit_burst_seconds, 1, 60);
  r.integer("free_calls_per_model", c.free_calls_per_model, 0, 1'000'000);
  if (r.has("tiers")) {
    c.tiers = parse_array<TierConfig>(root, "tiers", r.source(), parse_tier);
    std::sort(c.tiers.begin(), c.tiers.end(),
              [](const TierConfig& a, const TierConfig& b) { return a.min_spend < b.min_spend; });
  }
}

void parse_store(const TableReader& r, StoreSection& c) {
  r.string("store", c.store);
  const std::string_view store = c.store;
  // The scheme only: the rest may hold a password (the backend reads and checks it).
  if (!store.starts_with("sqlite:") && !store.starts_with("postgres://") &&
      !store.starts_with("postgresql://")) {
    const auto colon = store.find(':');
    r.fail("store",
           "expected \"sqlite:PATH\" or \"postgres://USER:PASSWORD@HOST:PORT/DATABASE\", got " +
               (colon == std::string_view::npos
                    ? std::string("no scheme")
                    : "the scheme \"" + std::string(store.substr(0, colon)) + ":\""));
  }
  r.integer("key_refresh_ms", c.key_refresh_ms, 10, 60'000);
  r.integer("flush_interval_ms", c.flush_interval_ms, 10, 60'000);
  // At least a few renewals (one a second) before a lease lapses.
  r.integer("lease_ttl_ms", c.lease_ttl_ms, 3'000, 3'600'000);
  r.integer("max_unwritten_calls", c.max_unwritten_calls, 1, 100'000'000);
}

// The URL holds the password: an error says what is wrong, never what was written.
void parse_redis(const TableReader& r, RedisSection& c) {
  r.string("redis", c.redis);
  if (c.redis.empty()) return;
  RedisUrlParse parsed = parse_redis_url(c.redis);
  if (!parsed.url) r.fail("redis", parsed.error);
}

void parse_outputs(const TableReader& r, OutputsSection& c) {
  r.integer("output_retention_days", c.output_retention_days, 0, 36'500);
  r.integer("output_sweep_interval_ms", c.output_sweep_interval_ms, 10, 86'400'000);
}

void parse_routing(const TableReader& r, RoutingSection& c) {
  c.metrics_listen = parse_address(r, "metrics_listen", c.metrics_host, c.metrics_port);
  r.boolean("metrics_per_account", c.metrics_per_account);
  r.string("access_log", c.access_log);
  if (c.access_log.empty()) r.fail("access_log", "expected \"stderr\", a file path or \"off\"");
  r.integer("breaker_window_ms", c.breaker_window_ms, 100, 3'600'000);
  r.integer("breaker_min_calls", c.breaker_min_calls, 1, 1'000'000);
  if (r.has("breaker_error_ratio")) {
    const toml::node& n = *r.table().get("breaker_error_ratio");
    if (!n.is_number()) r.fail("breaker_error_ratio", "expected a number between 0 and 1");
    const double v = *n.value<double>();
    if (!(v > 0 && v <= 1)) r.fail("breaker_error_ratio", "must be above 0 and at most 1");
    c.breaker_error_ratio = v;
  }
  r.integer("breaker_cooldown_ms", c.breaker_cooldown_ms, 10, 3'600'000);
  r.integer("breaker_max_cooldown_ms", c.breaker_max_cooldown_ms, 10, 86'400'000);
  if (c.breaker_max_cooldown_ms < c.breaker_cooldown_ms)
    r.fail("breaker_max_cooldown_ms", "must be at least breaker_cooldown_ms");
  r.integer("health_check_interval_ms", c.health_check_interval_ms, 0, 86'400'000);
  if (c.health_check_interval_ms > 0 && c.health_check_interval_ms < 100)
    r.fail("health_check_interval_ms", "must be 0 (off) or at least 100");
  r.string("otlp_endpoint", c.otlp_endpoint);
  if (!c.otlp_endpoint.empty()) {
    auto url = boost::urls::parse_absolute_uri(c.otlp_endpoint);
    if (!url || url->scheme() != "http" || url->host().empty() || !url->query().empty())
      r.fail("otlp_endpoint",
             "expected an http:// URL of an OTLP/HTTP collector, e.g. "
             "\"http://127.0.0.1:4318\"");
    c.otlp_host = std::string(url->host());
    c.otlp_port = url->has_port() ? std::string(url->port()) : "80";
    std::string path(url->path());
    while (!path.empty() && path.back() == '/')
      path.pop_back();
    c.otlp_path = path + "/v1/traces";
  }
}

void parse_tasks(const TableReader& r, TasksSection& c) {
  r.integer("task_concurrency", c.task_concurrency, 1, 100'000);
  // Renewed several times a second: a second is room enough for a test, an hour plenty.
  r.integer("task_lease_ms", c.task_lease_ms, 1'000, 3'600'000);
  r.boolean("webhook_allow_private", c.webhook_allow_private);
  r.integer("webhook_retry_seconds", c.webhook_retry_seconds, 0, 30 * 86'400);
  r.integer("webhook_timeout_ms", c.webhook_timeout_ms, 10, 600'000);
}

void parse_console(const TableReader& r, ConsoleSection& c) {
  r.boolean("console", c.console);
  r.string("console_url", c.console_url);
  if (!c.console_url.empty()) {
    auto url = boost::urls::parse_absolute_uri(c.console_url);
    if (!url ||
        (url->scheme_id() != boost::urls::scheme::http &&
         url->scheme_id() != boost::urls::scheme::https) ||
        url->encoded_host().empty() || url->has_userinfo() || url->has_query() ||
        url->has_fragment())
      r.fail("console_url",
             "expected the console's address as its users reach it, e.g. "
             "\"https://gw.example.com\" (http or https, no query or fragment)");
    while (c.console_url.back() == '/')
      c.console_url.pop_back();
  }
  r.strings("trusted_proxies", c.trusted_proxies);
  for (const auto& proxy : c.trusted_proxies)
    if (!valid_proxy(proxy))
      r.fail("trusted_proxies",
             "expected addresses or CIDR ranges, e.g. [\"127.0.0.1\", "
             "\"10.0.0.0/8\"], got \"" +
                 proxy + "\"");
  r.integer("console_session_idle_hours", c.console_session_idle_hours, 1, 24 * 365);
  r.integer("console_session_max_days", c.console_session_max_days, 1, 365);
  r.integer("console_link_ttl_hours", c.console_link_ttl_hours, 1, 24 * 30);
  r.integer("console_chat_token_minutes", c.console_chat_token_minutes, 1, 24 * 60);
}

}  // namespace glmgate
