// WebhookSender: POSTs a task's end to its callback URL, signed per Standard Webhooks, retrying
// with exponential backoff (1 s, 2 s, 4 s… at most 5 min apart) for `retry_for`. The host is
// resolved first and every address checked (refused_target(): special-purpose blocks and this
// host's own addresses): such a target is refused for good unless allowed; plain-HTTP targets are
// then connected at the checked address, so a second DNS answer cannot redirect the call.
// Coroutines on the caller's executor; the sender itself is immutable and shared.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace glmgate {

class HostAddresses;

struct WebhookOptions {
  bool allow_private = false;  // no target check at all (see callback_target.hpp)
  std::chrono::seconds retry_for{86'400};
  std::chrono::milliseconds timeout{10'000};
  const HostAddresses* host = nullptr;  // this host's own addresses, refused too; may be null
};

class WebhookSender {
 public:
  explicit WebhookSender(WebhookOptions options);
  ~WebhookSender();

  // True once a 2xx came back; false when the target was refused, answered 410, the retry time
  // ran out, or `wanted` said no before an attempt (this server no longer holds the delivery).
  // `id`: the webhook-id, the same on every attempt. `secret` empty: sent unsigned. `wanted` must
  // outlive the await (a named object: see the GCC 12 note in core/blocking_pool.hpp).
  boost::asio::awaitable<bool> deliver(const std::string& url, const std::string& secret,
                                       const std::string& id, const std::string& body,
                                       const std::function<bool()>& wanted) const;

  const WebhookOptions& options() const { return options_; }

 private:
  enum class Outcome { delivered, retry, give_up };
  boost::asio::awaitable<Outcome> attempt(const std::string& url, const std::string& secret,
                                          const std::string& id, const std::string& body) const;

  WebhookOptions options_;
  std::shared_ptr<boost::asio::ssl::context> ssl_;
};

}  // namespace glmgate
