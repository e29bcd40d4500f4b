// The built-in catalog and defaults (see config.hpp). config/glmgate.toml mirrors this file and a
// unit test keeps the two equal.
#include "config/config.hpp"

namespace glmgate {

namespace {

ProviderConfig provider(std::string name, std::string base_url, std::string key_env, bool tls,
                        std::string host, std::string base_path) {
  ProviderConfig p;
  p.name = std::move(name);
  p.base_url = std::move(base_url);
  if (!key_env.empty()) p.api_key_env = {std::move(key_env)};
  p.tls = tls;
  p.host = std::move(host);
  p.port = tls ? "443" : "80";
  p.base_path = std::move(base_path);
  return p;
}

// Prices in USD per 1M tokens; the same for cached input unless the provider lists one.
ModelConfig model(std::string id, std::string provider, std::string upstream, std::int64_t context,
                  bool tools, bool reasoning, double in_per_m, double out_per_m) {
  ModelConfig m;
  m.id = std::move(id);
  m.provider = std::move(provider);
  m.upstream_model = std::move(upstream);
  m.deployments = {{m.provider, m.upstream_model, 1}};
  m.context_window = context;
  m.max_output_tokens = 8192;
  m.tools = tools;
  m.reasoning = reasoning;
  m.input_price_per_mtok = *usd_to_nano(in_per_m);
  m.cached_input_price_per_mtok = m.input_price_per_mtok;
  m.output_price_per_mtok = *usd_to_nano(out_per_m);
  return m;
}

}  // namespace

Config builtin_config() {
  Config c;
  c.providers.push_back(provider("zai", "https://api.z.ai/api/paas/v4", "ZAI_API_KEY", true,
                                 "api.z.ai", "/api/paas/v4"));
  c.providers.push_back(provider("moonshot", "https://api.moonshot.ai/v1", "MOONSHOT_API_KEY", true,
                                 "api.moonshot.ai", "/v1"));
  c.providers.push_back(provider("deepseek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY",
                                 true, "api.deepseek.com", "/v1"));

  // Per-1K list prices ($0.030, $0.020, $0.010) are $30, $20, $10 per 1M.
  c.models.push_back(model("glm-5.2", "zai", "glm-5.2", 200'000, true, true, 2.50, 7.50));
  c.models.push_back(model("glm-5.1", "zai", "glm-5.1", 200'000, true, true, 30.0, 30.0));
  c.models.push_back(model("glm-5-turbo", "zai", "glm-5-turbo", 200'000, true, true, 20.0, 20.0));
  c.models.push_back(model("glm-5", "zai", "glm-5", 200'000, true, true, 1.50, 5.00));
  c.models.push_back(model("glm-4.7", "zai", "glm-4.7", 200'000, true, true, 20.0, 20.0));
  c.models.push_back(model("glm-4.6", "zai", "glm-4.6", 200'000, true, true, 20.0, 20.0));
  c.models.push_back(model("glm-4.5", "zai", "glm-4.5", 128'000, true, true, 20.0, 20.0));
  c.models.push_back(model("glm-4.5-air", "zai", "glm-4.5-air", 128'000, true, true, 10.0, 10.0));
  c.models.push_back(
      model("kimi-k2", "moonshot", "kimi-k2-0905-preview", 256'000, true, false, 1.50, 6.00));
  c.models.push_back(
      model("deepseek-r1", "deepseek", "deepseek-reasoner", 128'000, false, true, 1.75, 6.50));
  return c;
}

}  // namespace glmgate
