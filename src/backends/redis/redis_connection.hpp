// RedisConnection: one connection to Redis on one io_context, which only that io_context's thread
// uses (so nothing on it is locked). Commands are pipelined: each is appended to what is being
// written (the commands of one turn of the io_context go out in one write) and its reply matched
// in order by hiredis's reader; the Boost.Asio socket (TLS through asio::ssl for rediss://, the
// server verified against the system's CAs) does the I/O.
//
// Deadlines: every command has one (RedisSettings::deadline). When the oldest command outlives
// it, the connection is taken for broken: it is closed, every command on it fails, and it
// reconnects by itself. A Redis that cannot answer a command in time is down for this purpose.
// Down: reconnecting with a backoff (50 ms doubling to 2 s); commands fail at once with "Redis is
// unavailable", except during the very first attempt, whose commands wait for it within their
// deadline. An idle connection that Redis closed (its `timeout`) is no outage: it reconnects at
// once and reports down only if that fails. Each connect runs AUTH (user and password of the URL),
// SELECT (its database) and SCRIPT LOAD of RedisSettings::preload before the connection counts as
// up. Errors: a failed command answers RedisReply::failed with a message that names no secret.
// Lifetime: made by RedisClient, owned by its io_context (a service of it) and by its own
// pending operations; drop_io() destroys its sockets and timers when the io_context shuts down,
// stop() ends it for good (on its thread).
#pragma once

#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backends/redis/redis_reply.hpp"
#include "config/redis_url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace glmgate {

class RedisConnection;

struct RedisSettings {
  RedisUrl url;
  std::chrono::milliseconds deadline{100};          // per command
  std::chrono::milliseconds connect_timeout{1000};  // per attempt: TCP, TLS, AUTH, SELECT, loads
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{2000};
  std::vector<std::string> preload;                // script bodies loaded on every connect
  std::shared_ptr<boost::asio::ssl::context> tls;  // for rediss://
  // A connection's outage began (`up` false, also when its first attempt fails; `why` says what
  // failed) or ended (`up` true): once each, on the connection's thread.
  std::function<void(bool up, const std::string& why)> on_state;
  // Called every `tick_period` on the connection's thread while it is up.
  std::chrono::milliseconds tick_period{0};
  std::function<void(RedisConnection&)> on_tick;
};

class RedisConnection {
 public:
  using Handler = boost::asio::any_completion_handler<void(RedisReply)>;

  // Starts connecting at once.
  static std::shared_ptr<RedisConnection> start(boost::asio::any_io_executor executor,
                                                std::shared_ptr<const RedisSettings> settings);
  virtual ~RedisConnection() = default;

  // All below on the connection's thread.
  // The reply of `args` (an empty handler drops it); failed at once while down.
  virtual void request(std::span<const std::string> args, Handler handler) = 0;
  boost::asio::awaitable<RedisReply> command(std::span<const std::string> args);
  // Commands are accepted now (up, or the first attempt to connect is under way).
  virtual bool accepting() const = 0;
  // Up, as last seen: from any thread, for a caller choosing where to send.
  virtual bool up_now() const = 0;
  virtual void stop() = 0;
  virtual void drop_io() = 0;

  virtual const boost::asio::any_io_executor& executor() const = 0;
};

}  // namespace glmgate
