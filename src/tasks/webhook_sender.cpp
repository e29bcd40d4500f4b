// WebhookSender; see webhook_sender.hpp.
#include "tasks/webhook_sender.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/clock.hpp"
#include "http/wire.hpp"
#include "providers/upstream_client.hpp"
#include "tasks/callback_target.hpp"
#include "tasks/webhook_signature.hpp"

namespace glmgate {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxReplyBytes = 64 * 1024;
constexpr std::chrono::seconds kMaxBackoff{300};

}  // namespace

WebhookSender::WebhookSender(WebhookOptions options) : options_(options) {
  ssl_ = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ssl_->set_verify_mode(asio::ssl::verify_peer);
  boost::system::error_code ec;
  ssl_->set_default_verify_paths(ec);
}

WebhookSender::~WebhookSender() = default;

asio::awaitable<WebhookSender::Outcome> WebhookSender::attempt(const std::string& url,
                                                               const std::string& secret,
                                                               const std::string& id,
                                                               const std::string& body) const {
  std::string why;
  auto target = parse_callback_url(url, why);
  if (!target) co_return Outcome::give_up;

  asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
  boost::system::error_code ec;
  auto results = co_await resolver.async_resolve(target->host, target->port,
                                                 asio::redirect_error(asio::use_awaitable, ec));
  if (ec || results.empty()) {
    spdlog::warn("webhook {}: cannot resolve {}: {}", id, target->host, ec.message());
    co_return Outcome::retry;
  }
  if (!options_.allow_private)
    for (const auto& r : results)
      if (auto why = refused_target(r.endpoint().address(), options_.host)) {
        spdlog::warn("webhook {}: {} resolves to {}, a {} address; not sent", id, target->host,
                     r.endpoint().address().to_string(), *why);
        co_return Outcome::give_up;
      }

  ProviderConfig p;
  p.name = "webhook";
  p.tls = target->tls;
  p.host = target->tls ? target->host : results.begin()->endpoint().address().to_string();
  p.port = target->port;
  p.connect_timeout_ms = options_.timeout.count();
  p.first_byte_timeout_ms = options_.timeout.count();
  p.idle_timeout_ms = options_.timeout.count();
  p.total_timeout_ms = 2 * options_.timeout.count();
  UpstreamEndpoint endpoint = make_endpoint(p);
  if (target->tls) endpoint.ssl = ssl_;
  bool default_port =
      (target->tls && target->port == "443") || (!target->tls && target->port == "80");
  std::string host =
      target->host.find(':') != std::string::npos ? "[" + target->host + "]" : target->host;
  endpoint.host_header = default_port ? host : host + ":" + target->port;
  endpoint.pool_key = "webhook|" + p.host + ":" + p.port;

  std::int64_t timestamp = unix_seconds_now();
  Headers headers{{"content-type", "application/json"},
                  {"user-agent", "glmgate-webhooks"},
                  {"webhook-id", id},
                  {"webhook-timestamp", std::to_string(timestamp)}};
  if (!secret.empty())
    if (auto sig = sign_webhook(secret, id, timestamp, body))
      headers.push_back({"webhook-signature", *sig});
  UpstreamCall call(endpoint);
  std::string request = wire::post_request(target->target, endpoint.host_header, "", headers, body);
  auto err = co_await call.start(std::move(request));
  if (err) {
    spdlog::warn("webhook {}: {}", id, err->detail);
    co_return Outcome::retry;
  }
  std::string reply;
  co_await call.read_all(reply, kMaxReplyBytes);
  int status = call.status();
  if (status >= 200 && status < 300) co_return Outcome::delivered;
  spdlog::warn("webhook {}: the target answered {}", id, status);
  co_return status == 410 ? Outcome::give_up : Outcome::retry;
}

asio::awaitable<bool> WebhookSender::deliver(const std::string& url, const std::string& secret,
                                             const std::string& id, const std::string& body,
                                             const std::function<bool()>& wanted) const {
  auto deadline = std::chrono::steady_clock::now() + options_.retry_for;
  std::chrono::seconds backoff{1};
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    if (!wanted()) co_return false;
    Outcome outcome = Outcome::retry;
    try {
      outcome = co_await attempt(url, secret, id, body);
    } catch (const std::exception& e) {
      spdlog::warn("webhook {}: {}", id, e.what());
    }
    if (outcome == Outcome::delivered) co_return true;
    if (outcome == Outcome::give_up) co_return false;
    if (std::chrono::steady_clock::now() + backoff > deadline) co_return false;
    timer.expires_after(backoff);
    co_await timer.async_wait(asio::use_awaitable);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

}  // namespace glmgate
