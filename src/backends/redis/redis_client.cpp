// RedisClient; see redis_client.hpp.
#include "backends/redis/redis_client.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <unordered_map>

#include <spdlog/spdlog.h>

namespace glmgate {

namespace asio = boost::asio;

namespace {

std::atomic<std::uint64_t> next_client_id{1};

// The connections of one io_context, one per client, ended with it: its sockets and timers must
// not outlive it.
class RedisService final : public asio::execution_context::service {
 public:
  static inline asio::execution_context::id id;
  explicit RedisService(asio::execution_context& context) : service(context) {}
  std::unordered_map<std::uint64_t, std::shared_ptr<RedisConnection>> connections;

 private:
  void shutdown() override {
    for (auto& [client, connection] : connections)
      connection->drop_io();
    connections.clear();
  }
};

// This thread's connections by client and io_context: the request path finds its own without a
// lock. Weak: an io_context that ended took its connections with it.
struct Cached {
  std::uint64_t client;
  const void* context;
  std::weak_ptr<RedisConnection> connection;
};
thread_local std::vector<Cached> t_connections;

bool is_noscript(const RedisReply& r) {
  return r.type == RedisReply::Type::error && r.str.starts_with("NOSCRIPT");
}

std::shared_ptr<const RedisSettings> make_settings(RedisUrl url, RedisClient::Options options) {
  auto s = std::make_shared<RedisSettings>();
  s->url = std::move(url);
  s->deadline = options.deadline;
  s->connect_timeout = options.connect_timeout;
  for (const RedisScript* script : options.scripts)
    s->preload.push_back(script->body());
  s->on_state = std::move(options.on_state);
  s->tick_period = options.tick_period;
  s->on_tick = std::move(options.on_tick);
  if (s->url.tls) {
    s->tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    s->tls->set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                        asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    s->tls->set_default_verify_paths(ec);
    if (ec) throw std::runtime_error("cannot load the system's CA certificates: " + ec.message());
  }
  return s;
}

}  // namespace

RedisClient::RedisClient(RedisUrl url, Options options)
    : id_(next_client_id++), settings_(make_settings(std::move(url), std::move(options))) {}

RedisClient::~RedisClient() {
  std::lock_guard lock(mutex_);
  for (auto& weak : connections_)
    if (auto c = weak.lock()) asio::dispatch(c->executor(), [c] { c->stop(); });
}

std::shared_ptr<RedisConnection> RedisClient::here(const asio::any_io_executor& executor) {
  asio::execution_context& context = asio::query(executor, asio::execution::context);
  for (const Cached& c : t_connections)
    if (c.client == id_ && c.context == &context)
      if (auto connection = c.connection.lock()) return connection;
  auto& slot = asio::use_service<RedisService>(context).connections[id_];
  if (!slot) {
    slot = RedisConnection::start(executor, settings_);
    std::lock_guard lock(mutex_);
    std::erase_if(connections_, [](const auto& w) { return w.expired(); });
    connections_.push_back(slot);
  }
  std::erase_if(t_connections, [&](const Cached& c) {
    return c.connection.expired() || (c.client == id_ && c.context == &context);
  });
  t_connections.insert(t_connections.begin(), {id_, &context, slot});
  return slot;
}

asio::awaitable<RedisReply> RedisClient::command(std::vector<std::string> args) {
  auto connection = here(co_await asio::this_coro::executor);
  co_return co_await connection->command(args);
}

asio::awaitable<RedisReply> RedisClient::eval(const RedisScript& script,
                                              std::vector<std::string> cmd) {
  auto connection = here(co_await asio::this_coro::executor);
  RedisReply reply = co_await connection->command(cmd);
  if (is_noscript(reply)) {
    cmd[0] = "EVAL";
    cmd[1] = script.body();
    reply = co_await connection->command(cmd);
  }
  co_return reply;
}

std::shared_ptr<RedisConnection> RedisClient::any_for_send() {
  for (const Cached& c : t_connections)
    if (c.client == id_)
      if (auto connection = c.connection.lock(); connection && connection->up_now())
        return connection;
  std::lock_guard lock(mutex_);
  for (auto& weak : connections_)
    if (auto connection = weak.lock(); connection && connection->up_now()) return connection;
  return nullptr;
}

bool RedisClient::send_on(std::shared_ptr<RedisConnection> connection,
                          std::shared_ptr<std::vector<std::string>> cmd, const RedisScript* script,
                          std::function<void(RedisReply)> on_reply) {
  if (!connection) return false;
  asio::dispatch(connection->executor(), [connection, cmd, script,
                                          on_reply = std::move(on_reply)]() mutable {
    if (!script) return connection->request(*cmd, {});
    // EVALSHA of a script that Redis lost: sent again as EVAL. (Constructed in place: Boost
    // 1.81's any_completion_handler cannot be move-assigned.)
    connection->request(
        *cmd, RedisConnection::Handler([weak = std::weak_ptr(connection), cmd, script,
                                        on_reply = std::move(on_reply)](RedisReply reply) mutable {
          auto c = weak.lock();
          if (!c || !is_noscript(reply) || !c->accepting()) {
            if (on_reply) on_reply(std::move(reply));
            return;
          }
          (*cmd)[0] = "EVAL";
          (*cmd)[1] = script->body();
          if (!on_reply) return c->request(*cmd, {});
          c->request(*cmd, RedisConnection::Handler(
                               [on_reply = std::move(on_reply)](RedisReply again) mutable {
                                 on_reply(std::move(again));
                               }));
        }));
  });
  return true;
}

bool RedisClient::send(std::vector<std::string> args) {
  return send_on(any_for_send(), std::make_shared<std::vector<std::string>>(std::move(args)),
                 nullptr);
}

bool RedisClient::send_eval(const RedisScript& script, std::vector<std::string> cmd) {
  return send_on(any_for_send(), std::make_shared<std::vector<std::string>>(std::move(cmd)),
                 &script);
}

bool RedisClient::send_eval(const RedisScript& script, std::vector<std::string> cmd,
                            std::function<void(RedisReply)> on_reply) {
  return send_on(any_for_send(), std::make_shared<std::vector<std::string>>(std::move(cmd)),
                 &script, std::move(on_reply));
}

std::function<void(bool up, const std::string& why)> warn_once_per_outage(const RedisUrl& url,
                                                                          std::string consequence) {
  return [logged = std::make_shared<std::atomic<bool>>(false), server = url.redacted(),
          consequence = std::move(consequence)](bool up, const std::string& why) {
    if (!up && !logged->exchange(true))
      spdlog::warn("Redis {} is unreachable ({}): {} until it answers again", server, why,
                   consequence);
    if (up) logged->store(false);
  };
}

}  // namespace glmgate
