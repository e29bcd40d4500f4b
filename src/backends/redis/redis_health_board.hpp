// RedisHealthBoard: the HealthBoard of instances that share one Redis, so that a deployment (or
// pool key) that fails for one instance is rested by all of them. Each instance answers from its
// own LocalHealthBoard (nothing on the request path waits for Redis) and, every `period`
// (200 ms), trades with Redis in one EVALSHA:
// - it adds its calls and faults since the last trade to the name's window in Redis (ten hashes
//   a window, `glmgate:breaker:{NAME}:<bucket>`, each expiring after the window);
// - it publishes a breaker it opened (by its own counts, a refused key, a Retry-After) as
//   `glmgate:breaker:{NAME}:open` = the unix ms it opens until (PX: gone when it is);
// - a half-open breaker that a probe closed (or a health check restored) clears the name's window
//   and its `open` in Redis, so the faults before the recovery do not open it again elsewhere;
// - it reads back, per name it follows, the gateway's calls and faults over the window, the
//   `open` time and the last fault's message. A name another instance opened is set aside here
//   until then; a name whose gateway-wide window passes the breaker's ratio (at least
//   `min_calls` calls) is opened here too, and published.
// The names followed are those given to watch() (every deployment and pool key of the catalog)
// and those this instance has recorded.
// Redis down or slow (no reply within `deadline`): the board counts locally, as
// LocalHealthBoard, and the deltas of that round are dropped; one warning per outage.
// Threading: HealthBoard's calls from any thread (the local board's locks, and one small mutex
// for the deltas); the trades run on the board's own thread (start() to the destructor).
// Lifetime: the destructor stops the thread, then its connection.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "backends/redis/redis_client.hpp"
#include "core/string_hash.hpp"
#include "limits/local_health_board.hpp"

namespace glmgate {

class RedisHealthBoard final : public HealthBoard {
 public:
  struct Options {
    BreakerOptions breaker{};
    std::chrono::milliseconds period{200};
    std::chrono::milliseconds deadline{500};
    LocalHealthBoard::Clock clock{};  // tests: the local board's clock
  };

  RedisHealthBoard(const RedisUrl& url, Options options);
  ~RedisHealthBoard() override;

  // Starts the trades on the board's thread.
  void start();
  // One trade now, on the caller's thread (tests); false when Redis did not answer.
  bool trade_now();

  BreakerState state(std::string_view name) const override;
  bool admit(std::string_view name) override;
  void record(std::string_view name, const CallOutcome& outcome) override;
  void note_error(std::string_view name, const std::string& message) override;
  void set_aside(std::string_view name, std::chrono::milliseconds wait) override;
  void restore(std::string_view name) override;
  void watch(const std::vector<std::string>& names) override;
  std::vector<HealthFigures> figures() const override;

 private:
  // What this instance has to tell Redis of a name at the next trade.
  struct Delta {
    std::int64_t calls = 0;
    std::int64_t faults = 0;
    std::int64_t open_until_ms = 0;  // unix ms; 0: nothing opened here
    bool closed = false;             // a probe closed it here
    std::string error;
  };
  // What Redis told of a name at the last trade.
  struct Shared {
    std::int64_t calls = 0;
    std::int64_t faults = 0;
    std::string error;
  };
  // The command of one trade (with the deltas taken), or empty when there is nothing to follow.
  std::vector<std::string> take_trade(std::vector<std::string>& names);
  void apply(const std::vector<std::string>& names, const RedisReply& reply);
  // Publishes `name`'s breaker as open until its retry time, when it is open here.
  void publish_open_locked(std::string_view name);
  boost::asio::awaitable<void> run();

  const Options options_;
  LocalHealthBoard local_;
  RedisClient client_;
  mutable std::mutex mutex_;  // deltas_, shared_
  std::unordered_map<std::string, Delta, StringHash, std::equal_to<>> deltas_;
  std::unordered_map<std::string, Shared> shared_;
  std::atomic<bool> stopping_{false};
  // Declared after the client: the io_context (and its connection) ends first.
  boost::asio::io_context io_{1};
  std::thread thread_;
};

}  // namespace glmgate
