// RedisClient: Redis for one part of the process (the rate limiter), over one RedisConnection per
// io_context that uses it: the connection is made on the first command from that io_context and
// ends with it (a service of the io_context owns it), so each I/O thread pipelines its own
// commands on its own connection and nothing on the request path is locked.
//
// command() and eval() await the reply on the calling coroutine's io_context; they never wait
// longer than the deadline, and fail at once while that connection is down (RedisReply::failed).
// send() and send_eval() are fire-and-forget, on the connection the calling thread last used
// (else any connection of this client), for callers that are not coroutines.
// eval() runs EVALSHA and, on NOSCRIPT (a Redis that lost its scripts), EVAL.
// Threading: any thread; each io_context must be run by one thread. No message names the
// password (RedisUrl::redacted() is how to print the server).
// Lifetime: the destructor stops every connection (on its own thread); a connection never uses
// the client after that.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/redis/redis_connection.hpp"
#include "backends/redis/redis_script.hpp"

namespace glmgate {

// An Options::on_state that warns once per outage of `url`'s server, naming the server (never
// its password), why, and `consequence` (what the part does meanwhile).
std::function<void(bool up, const std::string& why)> warn_once_per_outage(const RedisUrl& url,
                                                                          std::string consequence);

class RedisClient {
 public:
  struct Options {
    std::chrono::milliseconds deadline{100};
    std::chrono::milliseconds connect_timeout{1000};
    std::vector<const RedisScript*> scripts{};  // SCRIPT LOADed on every connect; static ones
    std::function<void(bool up, const std::string& why)> on_state{};  // see RedisSettings
    std::chrono::milliseconds tick_period{0};
    std::function<void(RedisConnection&)> on_tick{};
  };

  // Throws std::runtime_error when a TLS context cannot be made for rediss://.
  RedisClient(RedisUrl url, Options options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  boost::asio::awaitable<RedisReply> command(std::vector<std::string> args);
  // `cmd` from script.call() with the keys and arguments appended.
  boost::asio::awaitable<RedisReply> eval(const RedisScript& script, std::vector<std::string> cmd);

  // False when no connection takes commands now: nothing was sent.
  bool send(std::vector<std::string> args);
  bool send_eval(const RedisScript& script, std::vector<std::string> cmd);
  // The same, with `on_reply` called once with the reply (failed when the connection broke or
  // the deadline passed) on the connection's thread; not called when it returns false.
  bool send_eval(const RedisScript& script, std::vector<std::string> cmd,
                 std::function<void(RedisReply)> on_reply);

  const RedisUrl& url() const { return settings_->url; }

 private:
  std::shared_ptr<RedisConnection> here(const boost::asio::any_io_executor& executor);
  std::shared_ptr<RedisConnection> any_for_send();
  bool send_on(std::shared_ptr<RedisConnection> connection,
               std::shared_ptr<std::vector<std::string>> cmd, const RedisScript* script,
               std::function<void(RedisReply)> on_reply = {});

  const std::uint64_t id_;
  std::shared_ptr<const RedisSettings> settings_;
  std::mutex mutex_;  // connections_, on first use per io_context only
  std::vector<std::weak_ptr<RedisConnection>> connections_;
};

}  // namespace glmgate
