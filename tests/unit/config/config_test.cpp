// Config: the built-in catalog, the example file, overrides, and errors that name file and key.
#include <gtest/gtest.h>

#include "config/config.hpp"

namespace glmgate {
namespace {

const ModelConfig& model(const Config& c, const std::string& id) {
  for (const auto& m : c.models)
    if (m.id == id) return m;
  throw std::runtime_error("no model " + id);
}

TEST(BuiltinConfig, HasTheCatalogWithItsPrices) {
  Config c = builtin_config();
  std::vector<std::string> ids;
  for (const auto& m : c.models)
    ids.push_back(m.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"glm-5.2", "glm-5.1", "glm-5-turbo", "glm-5", "glm-4.7",
                                           "glm-4.6", "glm-4.5", "glm-4.5-air", "kimi-k2",
                                           "deepseek-r1"}));
  // $2.50 / $7.50 per 1M tokens, in nano-USD per 1M tokens.
  EXPECT_EQ(model(c, "glm-5.2").input_price_per_mtok, 2'500'000'000);
  EXPECT_EQ(model(c, "glm-5.2").output_price_per_mtok, 7'500'000'000);
  EXPECT_EQ(model(c, "glm-5").output_price_per_mtok, 5'000'000'000);
  EXPECT_EQ(model(c, "kimi-k2").output_price_per_mtok, 6'000'000'000);
  EXPECT_EQ(model(c, "deepseek-r1").input_price_per_mtok, 1'750'000'000);
  // $0.030, $0.010, $0.020 per 1K tokens.
  EXPECT_EQ(model(c, "glm-5.1").input_price_per_mtok, 30'000'000'000);
  EXPECT_EQ(model(c, "glm-4.5-air").output_price_per_mtok, 10'000'000'000);
  EXPECT_EQ(model(c, "glm-4.6").input_price_per_mtok, 20'000'000'000);
  EXPECT_FALSE(model(c, "deepseek-r1").tools);
  for (const auto& m : c.models)
    EXPECT_EQ(m.max_output_tokens, 8192) << m.id;
  for (const auto& m : c.models)
    EXPECT_NE(c.find_provider(m.provider), nullptr) << m.id;
  const ProviderConfig* zai = c.find_provider("zai");
  ASSERT_NE(zai, nullptr);
  EXPECT_EQ(zai->api_key_env, std::vector<std::string>{"ZAI_API_KEY"});
  EXPECT_TRUE(zai->tls);
  EXPECT_EQ(zai->host, "api.z.ai");
  EXPECT_EQ(zai->base_path, "/api/paas/v4");
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_EQ(c.store, "sqlite:./data/glmgate.db");
}

TEST(ExampleConfig, EqualsTheBuiltinDefaults) {
  Config file = load_config_file(std::string(GLMGATE_SOURCE_DIR) + "/config/glmgate.toml");
  Config builtin = builtin_config();
  EXPECT_EQ(file.listen_host, builtin.listen_host);
  EXPECT_EQ(file.listen_port, builtin.listen_port);
  EXPECT_EQ(file.reuse_port, builtin.reuse_port);
  EXPECT_EQ(file.store, builtin.store);
  EXPECT_EQ(file.max_body_bytes, builtin.max_body_bytes);
  EXPECT_EQ(file.stream_ping_interval_ms, builtin.stream_ping_interval_ms);
  EXPECT_EQ(file.default_max_tokens, builtin.default_max_tokens);
  EXPECT_EQ(file.default_rpm, builtin.default_rpm);
  EXPECT_EQ(file.rate_limit_burst_seconds, builtin.rate_limit_burst_seconds);
  EXPECT_EQ(file.flush_interval_ms, builtin.flush_interval_ms);
  EXPECT_EQ(file.free_calls_per_model, builtin.free_calls_per_model);
  EXPECT_EQ(file.output_retention_days, builtin.output_retention_days);
  EXPECT_EQ(file.output_sweep_interval_ms, builtin.output_sweep_interval_ms);
  EXPECT_EQ(file.task_concurrency, builtin.task_concurrency);
  EXPECT_EQ(file.task_lease_ms, builtin.task_lease_ms);
  EXPECT_EQ(file.webhook_allow_private, builtin.webhook_allow_private);
  EXPECT_EQ(file.webhook_retry_seconds, builtin.webhook_retry_seconds);
  EXPECT_EQ(file.webhook_timeout_ms, builtin.webhook_timeout_ms);
  EXPECT_EQ(file.cors_origins, builtin.cors_origins);
  EXPECT_EQ(file.health_check_interval_ms, builtin.health_check_interval_ms);
  EXPECT_EQ(file.breaker_min_calls, builtin.breaker_min_calls);
  EXPECT_EQ(file.otlp_endpoint, builtin.otlp_endpoint);
  EXPECT_EQ(file.console, builtin.console);
  EXPECT_EQ(file.console_url, builtin.console_url);
  EXPECT_EQ(file.trusted_proxies, builtin.trusted_proxies);
  EXPECT_EQ(file.console_session_idle_hours, builtin.console_session_idle_hours);
  EXPECT_EQ(file.console_session_max_days, builtin.console_session_max_days);
  EXPECT_EQ(file.console_link_ttl_hours, builtin.console_link_ttl_hours);
  EXPECT_EQ(file.console_chat_token_minutes, builtin.console_chat_token_minutes);
  EXPECT_TRUE(file.tiers.empty());
  ASSERT_EQ(file.providers.size(), builtin.providers.size());
  for (std::size_t i = 0; i < file.providers.size(); ++i) {
    const auto &a = file.providers[i], &b = builtin.providers[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.base_url, b.base_url);
    EXPECT_EQ(a.api_key_env, b.api_key_env);
    EXPECT_EQ(a.host, b.host);
    EXPECT_EQ(a.port, b.port);
    EXPECT_EQ(a.base_path, b.base_path);
    EXPECT_EQ(a.first_byte_timeout_ms, b.first_byte_timeout_ms);
  }
  ASSERT_EQ(file.models.size(), builtin.models.size());
  for (std::size_t i = 0; i < file.models.size(); ++i) {
    const auto &a = file.models[i], &b = builtin.models[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.provider, b.provider) << a.id;
    EXPECT_EQ(a.upstream_model, b.upstream_model) << a.id;
    EXPECT_EQ(a.context_window, b.context_window) << a.id;
    EXPECT_EQ(a.max_output_tokens, b.max_output_tokens) << a.id;
    EXPECT_EQ(a.tools, b.tools) << a.id;
    EXPECT_EQ(a.reasoning, b.reasoning) << a.id;
    EXPECT_EQ(a.input_price_per_mtok, b.input_price_per_mtok) << a.id;
    EXPECT_EQ(a.cached_input_price_per_mtok, b.cached_input_price_per_mtok) << a.id;
    EXPECT_EQ(a.output_price_per_mtok, b.output_price_per_mtok) << a.id;
  }
}

TEST(ParseConfig, OverridesScalarsAndReplacesArrays) {
  Config c = parse_config(R"(
listen = "0.0.0.0:9000"
stream_ping_interval_ms = 500
[[providers]]
name = "local"
base_url = "http://127.0.0.1:8000/v1/"
[[models]]
id = "qwen"
provider = "local"
input_price_per_mtok = 0.1
)",
                          "t.toml");
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9000);
  EXPECT_EQ(c.stream_ping_interval_ms, 500);
  EXPECT_EQ(c.header_timeout_ms, builtin_config().header_timeout_ms);
  ASSERT_EQ(c.providers.size(), 1u);
  EXPECT_FALSE(c.providers[0].tls);
  EXPECT_EQ(c.providers[0].port, "8000");
  EXPECT_EQ(c.providers[0].base_path, "/v1");
  ASSERT_EQ(c.models.size(), 1u);
  EXPECT_EQ(c.models[0].upstream_model, "qwen");
  EXPECT_EQ(c.models[0].input_price_per_mtok, 100'000'000);
  EXPECT_EQ(c.models[0].cached_input_price_per_mtok, 100'000'000);
}

void expect_error(const std::string& text, const std::string& fragment) {
  try {
    parse_config(text, "bad.toml");
    ADD_FAILURE() << "no error for: " << text;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << fragment;
  }
}

TEST(ParseConfig, TakesASqliteOrAPostgresStore) {
  for (std::string store : {"sqlite:/var/lib/glmgate.db", "postgres://glm:pw@db:5432/glmgate",
                            "postgresql://glm@db/glmgate?sslmode=require"})
    EXPECT_EQ(parse_config("store = \"" + store + "\"", "t.toml").store, store);
}

TEST(ParseConfig, AStoreOfAnUnknownSchemeIsNamedByItsSchemeAloneNeverItsPassword) {
  try {
    parse_config("store = \"mysql://glm:hunter2@db.internal/glmgate\"", "bad.toml");
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("store: expected"), std::string::npos) << message;
    EXPECT_NE(message.find("the scheme \"mysql:\""), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
}

TEST(ParseConfig, ErrorsNameTheFileTheKeyAndTheProblem) {
  expect_error("listen = ", "bad.toml:1:");
  expect_error("max_body_bytes = \"1\"", "bad.toml: max_body_bytes: expected an integer");
  expect_error("threads = -1", "bad.toml: threads: must be between 0 and 256");
  expect_error("nope = 1", "bad.toml: nope: unknown key");
  expect_error("log_level = \"loud\"", "bad.toml: log_level: expected one of");
  expect_error("store = \"./glmgate.db\"", "bad.toml: store: expected \"sqlite:PATH\" or");
  expect_error("listen = \"127.0.0.1:99999\"", "bad.toml: listen: port must be");
  const std::string provider = "[[providers]]\nname=\"p\"\nbase_url=\"http://h\"\n";
  expect_error("[[providers]]\nname=\"p\"", "bad.toml: providers[0].base_url: is required");
  expect_error("[[providers]]\nname=\"p\"\nbase_url=\"h\"", "providers[0].base_url");
  expect_error(provider + "kind=\"grpc\"", "providers[0].kind: unknown provider kind");
  expect_error(provider + "ca_file=\"/no/such.pem\"", "providers[0].ca_file: file");
  expect_error(provider + provider, "providers[1].name: duplicate");
  expect_error(provider + "[[models]]\nid=\"m\"\nprovider=\"q\"", "models[0].provider: no");
  expect_error(provider + "[[models]]\nid=\"m\"\nprovider=\"p\"\ntools=1", "models[0].tools");
  expect_error(provider + "[[models]]\nprovider=\"p\"", "models[0].id: is required");
  expect_error(provider + "[[models]]\nid=\"m\"\nprovider=\"p\"\nmax_output_tokens=0",
               "models[0].max_output_tokens: must be between 1");
  expect_error(provider + "[[models]]\nid=\"m\"\nprovider=\"p\"\noutput_price_per_mtok=\"3\"",
               "models[0].output_price_per_mtok: expected a price");
  expect_error("models = 3", "models: expected an array of tables");
}

TEST(ParseConfig, ReusePortIsOffUnlessSet) {
  EXPECT_FALSE(builtin_config().reuse_port);
  EXPECT_TRUE(parse_config("reuse_port = true", "t.toml").reuse_port);
  expect_error("reuse_port = 1", "bad.toml: reuse_port: expected true or false");
}

TEST(ParseConfig, ReadsTiersSortedBySpend) {
  Config c = parse_config(R"(
default_rpm = 20
[[tiers]]
min_spend_usd = 50
rpm = 300
tpm = 100000
[[tiers]]
min_spend_usd = 0
rpm = 60
)",
                          "t.toml");
  EXPECT_EQ(c.default_rpm, 20);
  ASSERT_EQ(c.tiers.size(), 2u);
  EXPECT_EQ(c.tiers[0].rpm, 60);
  EXPECT_EQ(c.tiers[1].min_spend, 50 * kNanoPerUsd);
  EXPECT_EQ(c.tiers[1].tpm, 100'000);
  expect_error("[[tiers]]\nrpm = 5", "tiers[0].min_spend_usd: is required");
  expect_error("[[tiers]]\nmin_spend_usd = 1\nrpm = 0", "tiers[0].rpm: must be between 1");
  expect_error("[[tiers]]\nmin_spend_usd = 1\nrpm = 5\nburst = 3", "tiers[0].burst: unknown key");
}

TEST(ParseConfig, ReadsCorsOriginsAndRefusesWhatIsNoOrigin) {
  EXPECT_TRUE(builtin_config().cors_origins.empty());
  Config c = parse_config(
      R"(cors_origins = ["https://app.example.com", "http://localhost:5173", "*"])", "t.toml");
  EXPECT_EQ(c.cors_origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:5173", "*"}));
  expect_error("cors_origins = \"*\"", "bad.toml: cors_origins: expected an array of origins");
  expect_error("cors_origins = [1]", "bad.toml: cors_origins[0]: expected a string");
  for (const char* bad :
       {"https://app.example.com/", "https://app.example.com/x", "app.example.com",
        "ftp://app.example.com", "https://", "https://u@h.com", "https://h?q"})
    expect_error(std::string("cors_origins = [\"https://ok.com\", \"") + bad + "\"]",
                 std::string("bad.toml: cors_origins[1]: expected an origin such as "));
}

TEST(ParseConfig, ReadsTheHealthChecksAndTheOtlpEndpoint) {
  Config off = parse_config("", "t.toml");
  EXPECT_EQ(off.health_check_interval_ms, 0);
  EXPECT_TRUE(off.otlp_endpoint.empty());
  Config c = parse_config(
      "health_check_interval_ms = 5000\notlp_endpoint = \"http://collector.local:4318/\"",
      "t.toml");
  EXPECT_EQ(c.health_check_interval_ms, 5000);
  EXPECT_EQ(c.otlp_host, "collector.local");
  EXPECT_EQ(c.otlp_port, "4318");
  EXPECT_EQ(c.otlp_path, "/v1/traces");
  Config bare = parse_config("otlp_endpoint = \"http://127.0.0.1\"", "t.toml");
  EXPECT_EQ(bare.otlp_port, "80");
  for (const char* bad :
       {"otlp_endpoint = \"https://collector:4318\"", "otlp_endpoint = \"collector:4318\"",
        "otlp_endpoint = \"http://collector:4318/?x=1\"", "health_check_interval_ms = 10",
        "health_check_interval_ms = -1"}) {
    EXPECT_THROW(parse_config(bad, "bad.toml"), ConfigError) << bad;
  }
}

TEST(ParseConfig, ReadsTheConsoleSection) {
  Config d = parse_config("", "t.toml");
  EXPECT_TRUE(d.console);
  EXPECT_TRUE(d.console_url.empty());
  EXPECT_EQ(d.console_link_ttl_hours, 168);  // an invitation lasts 7 days
  Config c = parse_config(
      "console = false\nconsole_url = \"https://gw.example.com/glm/\"\n"
      "trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"fd00::/8\"]\n"
      "console_session_idle_hours = 2\nconsole_chat_token_minutes = 5",
      "t.toml");
  EXPECT_FALSE(c.console);
  EXPECT_EQ(c.console_url, "https://gw.example.com/glm");  // links append "/#/..."
  EXPECT_EQ(c.trusted_proxies, (std::vector<std::string>{"127.0.0.1", "10.0.0.0/8", "fd00::/8"}));
  EXPECT_EQ(c.console_session_idle_hours, 2);
  EXPECT_EQ(c.console_chat_token_minutes, 5);
  for (const char* bad :
       {"console_url = \"gw.example.com\"", "console_url = \"ftp://gw.example.com\"",
        "console_url = \"https://gw.example.com/?a=1\"", "trusted_proxies = [\"10.0.0.0/33\"]",
        "trusted_proxies = [\"proxy.local\"]", "trusted_proxies = \"127.0.0.1\"",
        "console_session_max_days = 0", "console = \"yes\""}) {
    EXPECT_THROW(parse_config(bad, "bad.toml"), ConfigError) << bad;
  }
}

TEST(LoadConfig, NamesAMissingFile) {
  try {
    load_config_file("/no/such/glmgate.toml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/glmgate.toml"), std::string::npos);
  }
}

}  // namespace
}  // namespace glmgate
