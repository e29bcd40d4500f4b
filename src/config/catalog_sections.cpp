// The catalog's sections: [[providers]] (their base URLs split once at load) and [[models]];
// see sections.hpp.
#include <boost/url/parse.hpp>
#include <filesystem>
#include <set>

#include "config/sections.hpp"

namespace glmgate {

namespace {

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
  r.strings("api_key_env", p.api_key_env, true);
  for (const auto& name : p.api_key_env)
    if (name.empty()) r.fail("api_key_env", "names an empty environment variable");
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

DeploymentConfig parse_deployment(const toml::table& t, const std::string& source,
                                  const std::string& path, const std::string& model_id) {
  TableReader r(t, source, path);
  r.only({"provider", "upstream_model", "weight"});
  DeploymentConfig d;
  r.string("provider", d.provider, true);
  d.upstream_model = model_id;
  r.string("upstream_model", d.upstream_model);
  r.integer("weight", d.weight, 0, 1'000'000);
  return d;
}

ModelConfig parse_model(const toml::table& t, const std::string& source, const std::string& path) {
  TableReader r(t, source, path);
  r.only({"id", "provider", "upstream_model", "deployments", "fallbacks", "routing",
          "context_window", "max_output_tokens", "tools", "reasoning", "input_price_per_mtok",
          "cached_input_price_per_mtok", "output_price_per_mtok"});
  ModelConfig m;
  r.string("id", m.id, true);
  const bool listed = r.has("deployments");
  r.string("provider", m.provider, !listed);
  m.upstream_model = m.id;
  r.string("upstream_model", m.upstream_model);
  if (listed) {
    if (r.has("provider") || r.has("upstream_model"))
      r.fail("deployments",
             "a model has either provider and upstream_model or [[models.deployments]], not both");
    m.deployments = parse_array<DeploymentConfig>(
        r.table(), "deployments", source,
        [&](const toml::table& d, const std::string& src, const std::string& sub) {
          return parse_deployment(d, src, path + "." + sub, m.id);
        });
    if (m.deployments.empty()) r.fail("deployments", "lists no deployment");
    m.provider = m.deployments.front().provider;
    m.upstream_model = m.deployments.front().upstream_model;
  } else {
    m.deployments.push_back({m.provider, m.upstream_model, 1});
  }
  r.strings("fallbacks", m.fallbacks);
  r.string("routing", m.routing);
  if (m.routing != "weighted" && m.routing != "least_busy" && m.routing != "lowest_latency")
    r.fail("routing", "unknown routing \"" + m.routing +
                          "\" (supported: \"weighted\", \"least_busy\", \"lowest_latency\")");
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

}  // namespace

void parse_catalog(const toml::table& root, const TableReader& r, Config& c) {
  if (r.has("providers"))
    c.providers = parse_array<ProviderConfig>(root, "providers", r.source(), parse_provider);
  if (r.has("models")) c.models = parse_array<ModelConfig>(root, "models", r.source(), parse_model);
}

void validate_catalog(const Config& c) {
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
    const bool listed = m.deployments.size() > 1 || m.deployments.front().provider != m.provider ||
                        m.deployments.front().upstream_model != m.upstream_model;
    std::int64_t weights = 0;
    for (std::size_t j = 0; j < m.deployments.size(); ++j) {
      const auto& d = m.deployments[j];
      weights += d.weight;
      if (!names.count(d.provider))
        throw ConfigError(path +
                          (listed || j > 0 ? ".deployments[" + std::to_string(j) + "]" : "") +
                          ".provider: no [[providers]] entry is named \"" + d.provider + "\"");
    }
    if (weights <= 0 && m.routing == "weighted")
      throw ConfigError(path + ".deployments: every weight is 0, so no call could be routed");
  }
  for (std::size_t i = 0; i < c.models.size(); ++i) {
    const auto& m = c.models[i];
    for (std::size_t j = 0; j < m.fallbacks.size(); ++j) {
      std::string path =
          c.source + ": models[" + std::to_string(i) + "].fallbacks[" + std::to_string(j) + "]";
      if (m.fallbacks[j] == m.id) throw ConfigError(path + ": a model cannot fall back to itself");
      if (!ids.count(m.fallbacks[j]))
        throw ConfigError(path + ": no [[models]] entry has the id \"" + m.fallbacks[j] + "\"");
    }
  }
}

}  // namespace glmgate
