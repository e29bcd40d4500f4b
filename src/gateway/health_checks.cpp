// HealthChecks; see health_checks.hpp.
#include "gateway/health_checks.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/monotonic_resource.hpp>

#include "core/random.hpp"
#include "gateway/router.hpp"
#include "gateway/upstream_faults.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// A check longer than this fails: a deployment this slow to say one token is not healthy.
constexpr auto kCheckDeadline = std::chrono::seconds(30);

json::object ping_request(const ModelConfig& model) {
  json::object body;
  body["model"] = model.id;
  json::array messages;
  messages.emplace_back(json::object{{"role", "user"}, {"content", "ping"}});
  body["messages"] = std::move(messages);
  body["max_tokens"] = 1;
  return body;
}

}  // namespace

HealthChecks::HealthChecks(const Catalog& catalog, const ProviderRegistry& providers,
                           HealthBoard& board, std::chrono::milliseconds interval)
    : catalog_(catalog), providers_(providers), board_(board), interval_(interval) {}

HealthChecks::~HealthChecks() {
  stop();
}

void HealthChecks::start() {
  asio::co_spawn(io_, run(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

void HealthChecks::stop() {
  stopping_ = true;
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void HealthChecks::check_all_now() {
  asio::io_context io;
  // The upstream connections made on `io` would keep it running: stopped once the round is done.
  asio::co_spawn(io, round(), [&io](std::exception_ptr) { io.stop(); });
  io.run();
}

asio::awaitable<void> HealthChecks::check(const Deployment& d) {
  const std::string& provider = d.model.provider;
  std::string key;
  auto k = pick_key(board_, provider, providers_.keys(provider), key);
  const ProviderAdapter* adapter = k ? providers_.find(provider, *k) : nullptr;
  if (!adapter) co_return;  // every pool key set aside: the keys' own rests decide
  json::object ping = ping_request(d.model);
  std::shared_ptr<ProviderCall> call =
      adapter->call(CallContext{random_id("hc_", 12), &d.model, {}, {}}, ping, false);
  asio::steady_timer deadline(co_await asio::this_coro::executor, kCheckDeadline);
  deadline.async_wait([weak = std::weak_ptr<ProviderCall>(call)](boost::system::error_code ec) {
    if (auto c = weak.lock(); c && !ec) c->abort();
  });
  std::optional<ApiError> error;
  try {
    error = co_await call->open();
    if (!error) {
      json::monotonic_resource arena;
      json::storage_ptr storage(&arena);
      auto answer = co_await call->response(storage);
      if (!answer) error = answer.error();
    }
  } catch (const std::exception& e) {
    error = ApiError::internal(std::string("health check failed: ") + e.what());
  }
  deadline.cancel();
  if (!key.empty()) {
    // pick_key() took the key (a half-open key's probe): its outcome is the key's, as an attempt's.
    const bool refused = error && key_refused(*error);
    board_.record(key, CallOutcome{error ? error->status : 200, refused, {}, {}});
    if (refused) {
      board_.note_error(key, "health check: " + error->message);
      board_.set_aside(key, std::chrono::seconds(60));
    }
  }
  if (error && fault(*error)) {
    // Out until after the next check, which takes it back if it answers then.
    board_.note_error(d.name, "health check: " + error->message);
    board_.set_aside(d.name, 2 * interval_ + kCheckDeadline);
    if (board_.state(d.name) != BreakerState::closed && !warned_.contains(d.name))
      spdlog::warn("health check of {} failed: {}", d.name, error->message);
    warned_.insert(d.name);
  } else {
    if (board_.state(d.name) != BreakerState::closed) board_.restore(d.name);
    if (warned_.erase(d.name)) spdlog::info("health check of {} passes again", d.name);
  }
}

asio::awaitable<void> HealthChecks::round() {
  // Every deployment at once; the round ends when the last check does.
  auto executor = co_await asio::this_coro::executor;
  auto pending = std::make_shared<std::size_t>(0);
  asio::steady_timer done(executor, asio::steady_timer::time_point::max());
  for (const auto& model : catalog_.config().models)
    for (const auto& d : catalog_.deployments(model)) {
      ++*pending;
      asio::co_spawn(executor, check(*d), [pending, &done](std::exception_ptr) {
        if (--*pending == 0) done.cancel();
      });
    }
  if (*pending == 0) co_return;
  boost::system::error_code ec;
  co_await done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> HealthChecks::run() {
  asio::steady_timer timer(io_);
  while (!stopping_) {
    co_await round();
    timer.expires_after(interval_);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace glmgate
