// `glmgate serve`: wires config, store, key cache, accounts, limits, catalog, pipeline, admin API
// and server together, and runs until SIGINT/SIGTERM, then commits what is left to write. The only
// place that knows all the parts.
#include <sys/resource.h>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <iostream>
#include <optional>
#include <thread>

#include "accounts/account_book.hpp"
#include "accounts/account_service.hpp"
#include "accounts/batch_writer.hpp"
#include "accounts/key_cache.hpp"
#include "accounts/key_lookup.hpp"
#include "accounts/key_service.hpp"
#include "accounts/lease_wallet.hpp"
#include "accounts/store_sync.hpp"
#include "api/admin_routes.hpp"
#include "api/routes.hpp"
#include "api/task_routes.hpp"
#include "backends/rate_limiter_factory.hpp"
#include "backends/store_factory.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "console/console_routes.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"
#include "gateway/catalog.hpp"
#include "gateway/health_checks.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/router.hpp"
#include "http/server.hpp"
#include "logging/access_log.hpp"
#include "logging/buffered_sink.hpp"
#include "metrics/registry.hpp"
#include "outputs/conversations.hpp"
#include "outputs/output_service.hpp"
#include "outputs/sweeper.hpp"
#include "providers/registry.hpp"
#include "tasks/task_runner.hpp"
#include "telemetry/otlp_exporter.hpp"

namespace glmgate::cli {

namespace {

// Every line, the access log's included, goes through the logging thread's own buffer and out in
// batches: an I/O thread never makes a system call or wakes a thread for a log line.
constexpr auto kLogInterval = std::chrono::milliseconds(100);

BufferedSink* setup_logging(const std::string& level) {
  auto sink = std::make_shared<BufferedSink>(STDERR_FILENO, kLogInterval);
  BufferedSink* raw = sink.get();
  install_access_log(raw);
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("glmgate", std::move(sink)));
  spdlog::set_level(spdlog::level::from_str(level));
  return raw;
}

// The name this server records its open holds under (AccountStore): the same across restarts, so
// that a restart clears its previous run's holds and no other instance's. A SQLite store admits
// one server (its lock), so one name does; instances that share a store need one each.
constexpr const char* kInstance = "server";

// Thousands of concurrent streams need thousands of descriptors.
void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// The server's part of the configuration (http/ does not know config/).
// The gauges read at each scrape, and the writer's commit times.
void add_gauges(metrics::Registry& registry, const HealthBoard& health, BatchWriter& writer) {
  registry.gauge(metrics::Gauge{
      "glmgate_breaker_state",
      "Each deployment's and pool key's circuit breaker: 0 closed, 1 half-open, 2 open.",
      {"name"},
      [&health] {
        std::vector<std::pair<metrics::Labels, double>> out;
        for (const auto& f : health.figures())
          out.push_back({{f.name}, static_cast<double>(static_cast<int>(f.state))});
        return out;
      }});
  registry.gauge("glmgate_writer_queue_depth", "Rows waiting for the batching writer's commit.",
                 [&writer] { return static_cast<double>(writer.queued_rows()); });
  auto& commits = registry.histogram(
      "glmgate_writer_commit_duration_seconds", "The batching writer's commits, in seconds.", {},
      {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  writer.set_commit_timer([&commits](std::chrono::microseconds t) {
    commits.observe({}, static_cast<double>(t.count()) / 1e6);
  });
}

// Every deployment's and pool key's name on the health board.
std::vector<std::string> board_names(const Config& config, const Catalog& catalog,
                                     const ProviderRegistry& providers) {
  std::vector<std::string> names;
  for (const auto& model : config.models)
    for (const auto& d : catalog.deployments(model))
      names.push_back(d->name);
  for (const auto& provider : config.providers)
    if (std::size_t keys = providers.keys(provider.name); keys > 1)
      for (std::size_t k = 0; k < keys; ++k)
        names.push_back(key_name(provider.name, k));
  return names;
}

ServerOptions server_options(const ServerSection& server) {
  ServerOptions options;
  options.host = server.listen_host;
  options.port = server.listen_port;
  options.reuse_port = server.reuse_port;
  options.threads = server.threads;
  options.max_body_bytes = server.max_body_bytes;
  options.header_timeout_ms = server.header_timeout_ms;
  options.idle_timeout_ms = server.idle_timeout_ms;
  options.max_connections = server.max_connections;
  options.cors_origins = server.cors_origins;
  return options;
}

}  // namespace

int serve(const std::optional<std::string>& config_path) {
  Config config = load_config(config_path);
  BufferedSink* log_sink = setup_logging(config.log_level);
  raise_fd_limit();

  // A second server on a store that admits one (SQLite) stops here, naming the first.
  auto store = open_store(config.store, {.migrate = true, .serve = true});
  store->clear_reserved(kInstance);  // the holds of this instance's previous run died with it
  KeyService keys(*store, *store);

  // This process's ledger rows carry its own origin, so the sync skips what it already applied.
  // It names this instance's leases too, when instances share the store: a new one each start.
  const std::string origin = random_id("srv_", 12);
  BatchWriter writer(*store, std::chrono::milliseconds(config.flush_interval_ms),
                     static_cast<std::size_t>(config.max_unwritten_calls));
  const bool shared = store->serves_several();
  AccountBook book(config.free_calls_per_model, origin,
                   shared ? BookFunds::leases : BookFunds::balances);
  BlockingPool pool(2);
  // Several instances on one store share each balance through leases (docs/ARCHITECTURE.md).
  std::optional<LeaseWallet> leases;
  if (shared)
    leases.emplace(book, *store, pool, origin, LeaseOptions{.ttl_ms = config.lease_ttl_ms},
                   [] { return unix_ms_now(); });
  Wallet& wallet = shared ? static_cast<Wallet&>(*leases) : book;
  // With Redis, free calls per model are counted once for every instance.
  std::unique_ptr<FreeCallCounter> free_calls = open_free_call_counter(config);
  if (leases && free_calls) leases->share_free_calls(*free_calls);
  // Each instance records its open holds under its own name; reports sum them.
  writer.set_reserved_source(shared ? origin : std::string(kInstance),
                             [&book] { return book.take_changed_reservations(); });
  KeyCache cache;
  PauseSwitch pause;
  const std::int64_t retention_ms = config.output_retention_days * 86'400'000;
  // What another server made may wait up to its commit interval (taken as ours) and a commit.
  OutputService outputs(*store, writer, retention_ms,
                        shared ? std::chrono::milliseconds(2 * config.flush_interval_ms + 500)
                               : std::chrono::milliseconds(0));
  Conversations conversations(outputs, pool);

  Catalog catalog(config);
  const ProviderRegistry providers = make_registry(config.providers);
  // The breakers: this process's, or shared through Redis with the other instances.
  std::unique_ptr<HealthBoard> health_board = open_health_board(
      config,
      BreakerOptions{config.breaker_window_ms, config.breaker_min_calls, config.breaker_error_ratio,
                     config.breaker_cooldown_ms, config.breaker_max_cooldown_ms, 1});
  HealthBoard& health = *health_board;
  health.watch(board_names(config, catalog, providers));
  // In this process, or shared through Redis with the other instances (`redis`).
  std::unique_ptr<RateLimiter> limiter = open_rate_limiter(config, config);
  // With Redis, a provider's max_concurrency is the gateway's, not each instance's.
  if (!config.redis.empty()) catalog.share_gates(*limiter);
  Pipeline pipeline({cache, catalog, providers, health, *limiter, wallet, writer, pause, outputs,
                     &conversations});
  // GET /metrics: every call's figures, the breakers, the writer's queue and commits.
  metrics::Registry registry;
  CallMetrics call_metrics(registry, config.metrics_per_account);
  pipeline.set_metrics(&call_metrics);
  CallLog call_log(config.access_log, log_sink);
  if (call_log.enabled()) pipeline.set_call_log(&call_log);
  add_gauges(registry, health, writer);
  // otlp_endpoint: a span per call and per upstream attempt, batched to the collector.
  std::optional<OtlpExporter> spans;
  if (!config.otlp_endpoint.empty()) {
    spans.emplace(OtlpExporter::Options{
        .host = config.otlp_host, .port = config.otlp_port, .path = config.otlp_path});
    pipeline.set_spans(&*spans);
  }
  // health_check_interval_ms: a one-token call to every deployment, each interval.
  std::optional<HealthChecks> health_checks;
  if (config.health_check_interval_ms > 0)
    health_checks.emplace(catalog, providers, health,
                          std::chrono::milliseconds(config.health_check_interval_ms));
  PublicRoutes routes(pipeline);
  ModelStatus model_status(catalog, health);
  routes.set_status(&model_status);
  WebhookOptions webhooks{config.webhook_allow_private,
                          std::chrono::seconds(config.webhook_retry_seconds),
                          std::chrono::milliseconds(config.webhook_timeout_ms)};
  // Claims on tasks carry this server's name: its origin when servers share the store, so that
  // none takes another's for its own; the one name otherwise, so that a restart takes its own back.
  TaskRunner tasks({pipeline, *store, outputs, writer, pool,
                    [&routes](const std::string& path) { return routes.surface_for(path); },
                    static_cast<std::size_t>(config.task_concurrency), retention_ms, webhooks,
                    shared ? origin : std::string(kInstance), config.task_lease_ms});
  pipeline.set_background(&tasks);
  writer.set_commit_listener([&tasks](const WriteBatch& batch) { tasks.committed(batch); });
  tasks.recover();  // drops this name's claims of a previous run; their tasks are taken at start

  StoreSync sync(*store, cache, book, pause, origin,
                 std::chrono::milliseconds(config.key_refresh_ms));
  // A key the cache misses (made by the CLI since the last refresh) is looked up before a 401.
  KeyLookup key_lookup(
      cache, [&sync](std::function<void()> done) { sync.after_next_round(std::move(done)); });
  pipeline.set_key_lookup(&key_lookup);
  Sweeper sweeper(*store, *store, std::chrono::milliseconds(config.output_sweep_interval_ms));
  sweeper.sweep_users(*store, user_lifetimes(config).session_idle_ms);
  sweeper.sweep_keys(*store);
  TaskRoutes task_routes({pipeline, outputs, tasks, pool, routes.openai(), routes.responses()});
  AccountService account_service(*store, *store, *store, "admin-api");
  // One server: its book is the live balance. Several: the store is, for every instance alike.
  if (!shared)
    account_service.set_live_figures([&book](const std::string& id) -> std::optional<Balance> {
      auto f = book.figures(id);
      if (!f) return std::nullopt;
      return Balance{id, {}, f->balance, f->reserved, f->spent};
    });
  UserService user_service(*store, *store, user_lifetimes(config));
  // A console chat key lives no longer than the session that asked for it.
  // A failure here must not fail the sign-out that ended them: the sweeper revokes them at their
  // end anyway.
  user_service.on_sessions_ended(
      [&keys, &sync](const UserRecord& user, const std::string& only, const std::string& keep) {
        try {
          if (keys.revoke_chat_keys(user.account_id, user.id, only, keep) > 0) sync.sync_now();
        } catch (const std::exception& e) {
          spdlog::warn("could not revoke the chat keys of user {}: {}", user.id, e.what());
        }
      });
  AdminRoutes admin({cache, keys, account_service, sync, &model_status, &registry,
                     config.tiers.empty() ? config.default_rpm : 0, &user_service,
                     console_base_url(config), &catalog, &outputs});
  std::optional<ConsoleRoutes> console;
  if (config.console) console.emplace(user_service, keys, sync, admin, config);
  if (config.console && !config.trusted_proxies.empty() && config.console_url.empty())
    spdlog::warn(
        "trusted_proxies is set but console_url is not: behind a TLS proxy the console's writes "
        "are refused (their Origin is https://...); set console_url to the address its users "
        "reach");
  Router router;
  routes.register_on(router);
  task_routes.register_on(router);
  admin.register_on(router);
  if (console) console->register_on(router);

  // Bound before the first key is made and any thread starts: an address in use stops the start
  // here, with nothing to undo.
  Server server(server_options(config), router);
  server.bind();
  // The links the admin API makes name the port this server got (listen = "...:0" picks one).
  if (config.console_url.empty()) {
    Config bound = config;
    bound.listen_port = server.port();
    admin.set_console_base(console_base_url(bound));
  }
  // metrics_listen: /metrics without a key on an address of its own (one thread), for a
  // Prometheus that scrapes from where the public cannot reach.
  Router metrics_router;
  std::optional<Server> metrics_server;
  std::thread metrics_thread;
  if (config.metrics_listen) {
    metrics_router.add("GET", "/metrics",
                       [&registry](Exchange& ex) -> boost::asio::awaitable<void> {
                         co_await ex.respond(metrics_response(registry));
                       });
    ServerOptions o;
    o.host = config.metrics_host;
    o.port = config.metrics_port;
    o.threads = 1;
    o.max_connections = 64;
    metrics_server.emplace(o, metrics_router);
    metrics_server->bind();
  }
  if (auto made = keys.bootstrap_admin()) {
    std::cout << "No API key existed, so an admin key was created (" << made->record.id
              << "). It is shown only this once:\n"
              << made->secret << std::endl;
  }
  sync.poll();
  book.load_free_calls(store->free_calls_used());
  sync.start();
  if (leases) leases->start(std::chrono::seconds(1));
  writer.start();
  tasks.start();
  sweeper.start();
  model_status.start();
  if (spans) spans->start();
  if (health_checks) health_checks->start();
  std::cout << "glmgate listening on http://" << config.listen_host << ":" << server.port() << " ("
            << config.models.size() << " models, config: " << config.source << ")" << std::endl;
  spdlog::info("serving {} models from {} providers; {} active keys", config.models.size(),
               config.providers.size(), cache.size());
  if (metrics_server) {
    metrics_thread = std::thread([&metrics_server] { metrics_server->run(); });
    spdlog::info("metrics on http://{}:{}/metrics", config.metrics_host, metrics_server->port());
  }
  server.run();
  if (metrics_server) {
    metrics_server->stop();
    metrics_thread.join();
  }
  spdlog::info("stopped");
  install_access_log(nullptr);  // the sink goes with spdlog::shutdown() below
  tasks.stop();  // runs in flight are abandoned uncharged; the next start runs them again
  sweeper.stop();
  model_status.stop();
  if (health_checks) health_checks->stop();
  if (spans) spans->stop();  // sends the last spans
  sync.stop();
  writer.stop();               // commits the last usage records and charges
  tasks.release_claims();      // then other servers may take this one's tasks at once
  if (leases) leases->stop();  // then gives the leases back
  spdlog::shutdown();
  return 0;
}

}  // namespace glmgate::cli
