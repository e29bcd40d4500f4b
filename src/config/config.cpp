// TOML loading and validation for Config (see config.hpp). Runs at start-up only.
#include "config/config.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <boost/url/parse.hpp>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace glmgate {

const ProviderConfig* Config::find_provider(const std::string& name) const {
  for (const auto& p : providers)
    if (p.name == name) return &p;
  return nullptr;
}

namespace {

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date or time";
  }
}

// Reads typed keys of one TOML table and reports errors as "<file>: <path>.<key>: <what>".
class TableReader {
 public:
  TableReader(const toml::table& table, std::string source, std::string path)
      : table_(table), source_(std::move(source)), path_(std::move(path)) {}

  [[noreturn]] void fail(std::string_view key, const std::string& what) const {
    throw ConfigError(source_ + ": " + name(key) + ": " + what);
  }
  std::string name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  bool has(std::string_view key) const { return table_.contains(key); }

  void string(std::string_view key, std::string& out, bool required = false) const {
    const toml::node* n = table_.get(key);
    if (!n) {
      if (required) fail(key, "is required (a string)");
      return;
    }
    auto v = n->value<std::string>();
    if (!n->is_string() || !v) fail(key, "expected a string, got " + type_name(*n));
    out = *v;
  }

  void integer(std::string_view key, std::int64_t& out, std::int64_t min,
               std::int64_t max = std::numeric_limits<std::int64_t>::max()) const {
    const toml::node* n = table_.get(key);
    if (!n) return;
    if (!n->is_integer())
      fail(key, "expected an integer, got " + type_name(*n) + " (write it without quotes)");
    std::int64_t v = *n->value<std::int64_t>();
    if (v < min || v > max)
      fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                    ", got " + std::to_string(v));
    out = v;
  }

  void boolean(std::string_view key, bool& out) const {
    const toml::node* n = table_.get(key);
    if (!n) return;
    if (!n->is_boolean()) fail(key, "expected true or false, got " + type_name(*n));
    out = *n->value<bool>();
  }

  void price(std::string_view key, NanoUsd& out) const {
    const toml::node* n = table_.get(key);
    if (!n) return;
    if (!n->is_number()) fail(key, "expected a price in USD per 1M tokens, got " + type_name(*n));
    auto nano = usd_to_nano(*n->value<double>());
    if (!nano) fail(key, "must be a price between 0 and 1000000 USD per 1M tokens");
    out = *nano;
  }

  void only(std::initializer_list<std::string_view> known) const {
    for (const auto& [k, v] : table_) {
      bool ok = false;
      for (auto name : known)
        ok = ok || name == k.str();
      if (!ok) {
        std::string list;
        for (auto name : known)
          list += (list.empty() ? "" : ", ") + std::string(name);
        fail(k.str(), "unknown key (known keys here: " + list + ")");
      }
    }
  }

 private:
  const toml::table& table_;
  std::string source_;
  std::string path_;
};

void parse_base_url(ProviderConfig& p, const TableReader& r) {
  auto url = boost::urls::parse_uri(p.base_url);
  if (!url) r.fail("base_url", "is not a valid URL: \"" + p.base_url + "\"");
  std::string scheme(url->scheme());
  if (scheme != "http" && scheme != "https")
    r.fail("base_url", "must start with http:// or https://, got \"" + p.base_url + "\"");
  if (url->encoded_host().empty()) r.fail("base_url", "has no host: \"" + p.base_url + "\"");
  p.tls = scheme == "https";
  p.host = std::string(url->encoded_host());
  if (p.host.size() > 2 && p.host.front() == '[') p.host = p.host.substr(1, p.host.size() - 2);
  p.port = url->has_port() ? std::string(url->port()) : (p.tls ? "443" : "80");
  p.base_path = std::string(url->encoded_path());
  while (!p.base_path.empty() && p.base_path.back() == '/')
    p.base_path.pop_back();
}

ProviderConfig parse_provider(const toml::table& t, const std::string& source,
                              const std::string& path) {
  TableReader r(t, source, path);
  r.only({"name", "kind", "base_url", "api_key_env", "ca_file", "connect_timeout_ms",
          "first_byte_timeout_ms", "idle_timeout_ms", "total_timeout_ms", "max_concurrency",
          "queue_timeout_ms", "max_output_bytes"});
  ProviderConfig p;
  r.string("name", p.name, true);
  r.string("kind", p.kind);
  if (p.kind != "openai" && p.kind != "anthropic")
    r.fail("kind",
           "unknown provider kind \"" + p.kind + "\" (supported: \"openai\", \"anthropic\")");
  r.string("base_url", p.base_url, true);
  parse_base_url(p, r);
  r.string("api_key_env", p.api_key_env);
  r.string("ca_file", p.ca_file);
  if (!p.ca_file.empty() && !std::filesystem::exists(p.ca_file))
    r.fail("ca_file", "file \"" + p.ca_file + "\" does not exist");
  constexpr std::int64_t kDay = 86'400'000;
  r.integer("connect_timeout_ms", p.connect_timeout_ms, 1, kDay);
  r.integer("first_byte_timeout_ms", p.first_byte_timeout_ms, 1, kDay);
  r.integer("idle_timeout_ms", p.idle_timeout_ms, 1, kDay);
  r.integer("total_timeout_ms", p.total_timeout_ms, 1, kDay);
  r.integer("max_concurrency", p.max_concurrency, 0, 1'000'000);
  r.integer("queue_timeout_ms", p.queue_timeout_ms, 0, 600'000);
  r.integer("max_output_bytes", p.max_output_bytes, 64 * 1024, std::int64_t{1} << 40);
  return p;
}

ModelConfig parse_model(const toml::table& t, const std::string& source, const std::string& path) {
  TableReader r(t, source, path);
  r.only({"id", "provider", "upstream_model", "context_window", "max_output_tokens", "tools",
          "reasoning", "input_price_per_mtok", "cached_input_price_per_mtok",
          "output_price_per_mtok"});
  ModelConfig m;
  r.string("id", m.id, true);
  r.string("provider", m.provider, true);
  m.upstream_model = m.id;
  r.string("upstream_model", m.upstream_model);
  r.integer("context_window", m.context_window, 1);
  r.integer("max_output_tokens", m.max_output_tokens, 1);
  r.boolean("tools", m.tools);
  r.boolean("reasoning", m.reasoning);
  r.price("input_price_per_mtok", m.input_price_per_mtok);
  m.cached_input_price_per_mtok = m.input_price_per_mtok;
  r.price("cached_input_price_per_mtok", m.cached_input_price_per_mtok);
  r.price("output_price_per_mtok", m.output_price_per_mtok);
  return m;
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

template <class T, class F>
std::vector<T> parse_array(const toml::table& root, std::string_view key, const std::string& source,
                           F parse_one) {
  const toml::node* node = root.get(key);
  const toml::array* arr = node ? node->as_array() : nullptr;
  if (!arr)
    throw ConfigError(source + ": " + std::string(key) + ": expected an array of tables, " +
                      "written as [[" + std::string(key) + "]]");
  std::vector<T> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    std::string path = std::string(key) + "[" + std::to_string(i) + "]";
    const toml::table* t = arr->get(i)->as_table();
    if (!t) throw ConfigError(source + ": " + path + ": expected a table");
    out.push_back(parse_one(*t, source, path));
  }
  return out;
}

void parse_listen(Config& c, const TableReader& r) {
  std::string listen;
  r.string("listen", listen);
  if (listen.empty()) return;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    r.fail("listen", "expected \"host:port\", e.g. \"127.0.0.1:8080\", got \"" + listen + "\"");
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
    r.fail("listen", "port must be a number from 0 to 65535, got \"" + port + "\"");
  c.listen_host = host;
  c.listen_port = static_cast<std::uint16_t>(value);
}

// `cors_origins`: each an origin as browsers send it in Origin (scheme://host[:port], no path),
// or "*".
void parse_cors_origins(Config& c, const toml::table& root, const std::string& source) {
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

void validate(const Config& c) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < c.providers.size(); ++i) {
    if (!names.insert(c.providers[i].name).second)
      throw ConfigError(c.source + ": providers[" + std::to_string(i) + "].name: duplicate \"" +
                        c.providers[i].name + "\"");
  }
  std::set<std::string> ids;
  for (std::size_t i = 0; i < c.models.size(); ++i) {
    const auto& m = c.models[i];
    std::string path = c.source + ": models[" + std::to_string(i) + "]";
    if (!ids.insert(m.id).second) throw ConfigError(path + ".id: duplicate \"" + m.id + "\"");
    if (!names.count(m.provider))
      throw ConfigError(path + ".provider: no [[providers]] entry is named \"" + m.provider + "\"");
  }
}

}  // namespace

Config parse_config(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError(source + ":" + std::to_string(where.line) + ":" +
                      std::to_string(where.column) + ": " + std::string(e.description()));
  }
  Config c = builtin_config();
  c.source = source;
  TableReader r(root, source, "");
  r.only({"listen",
          "store",
          "threads",
          "log_level",
          "max_body_bytes",
          "header_timeout_ms",
          "idle_timeout_ms",
          "max_connections",
          "stream_ping_interval_ms",
          "default_max_tokens",
          "key_refresh_ms",
          "default_rpm",
          "rate_limit_burst_seconds",
          "free_calls_per_model",
          "flush_interval_ms",
          "output_retention_days",
          "output_sweep_interval_ms",
          "task_concurrency",
          "webhook_allow_private",
          "webhook_retry_seconds",
          "webhook_timeout_ms",
          "cors_origins",
          "tiers",
          "providers",
          "models"});
  parse_listen(c, r);
  r.string("store", c.store);
  if (c.store.rfind("sqlite:", 0) != 0)
    r.fail("store", "expected \"sqlite:PATH\", got \"" + c.store + "\"");
  std::int64_t threads = c.threads;
  r.integer("threads", threads, 0, 256);
  c.threads = static_cast<int>(threads);
  r.string("log_level", c.log_level);
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
  if (!kLevels.count(c.log_level))
    r.fail("log_level", "expected one of trace, debug, info, warn, error, off");
  r.integer("max_body_bytes", c.max_body_bytes, 1024, std::int64_t{1} << 32);
  r.integer("header_timeout_ms", c.header_timeout_ms, 1, 3'600'000);
  r.integer("idle_timeout_ms", c.idle_timeout_ms, 1, 86'400'000);
  r.integer("max_connections", c.max_connections, 1, 10'000'000);
  r.integer("stream_ping_interval_ms", c.stream_ping_interval_ms, 10, 3'600'000);
  r.integer("default_max_tokens", c.default_max_tokens, 1, 10'000'000);
  r.integer("key_refresh_ms", c.key_refresh_ms, 10, 60'000);
  r.integer("default_rpm", c.default_rpm, 0, 100'000'000);
  r.integer("rate_limit_burst_seconds", c.rate_limit_burst_seconds, 1, 60);
  r.integer("free_calls_per_model", c.free_calls_per_model, 0, 1'000'000);
  r.integer("flush_interval_ms", c.flush_interval_ms, 10, 60'000);
  r.integer("output_retention_days", c.output_retention_days, 0, 36'500);
  r.integer("output_sweep_interval_ms", c.output_sweep_interval_ms, 10, 86'400'000);
  r.integer("task_concurrency", c.task_concurrency, 1, 100'000);
  r.boolean("webhook_allow_private", c.webhook_allow_private);
  r.integer("webhook_retry_seconds", c.webhook_retry_seconds, 0, 30 * 86'400);
  r.integer("webhook_timeout_ms", c.webhook_timeout_ms, 10, 600'000);
  parse_cors_origins(c, root, source);
  if (r.has("tiers")) {
    c.tiers = parse_array<TierConfig>(root, "tiers", source, parse_tier);
    std::sort(c.tiers.begin(), c.tiers.end(),
              [](const TierConfig& a, const TierConfig& b) { return a.min_spend < b.min_spend; });
  }
  if (r.has("providers"))
    c.providers = parse_array<ProviderConfig>(root, "providers", source, parse_provider);
  if (r.has("models")) c.models = parse_array<ModelConfig>(root, "models", source, parse_model);
  validate(c);
  return c;
}

Config load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open the config file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

Config load_config(const std::optional<std::string>& explicit_path) {
  if (explicit_path) return load_config_file(*explicit_path);
  if (std::filesystem::exists("glmgate.toml")) return load_config_file("glmgate.toml");
  return builtin_config();
}

}  // namespace glmgate
