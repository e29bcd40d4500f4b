// What the Redis tests share: the Redis that scripts/with_redis.sh started
// (GLMGATE_TEST_REDIS_URL), a redis-server of a test's own that it can kill, stop and restart
// (OwnRedis: a temporary folder, a free 127.0.0.1 port, a password, stopped by PID), and running
// a coroutine on an io_context until it ends.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/redis_url.hpp"

namespace glmgate::test {

// The shared test Redis; fails the test (throws) when the variable is not set.
RedisUrl shared_redis();

// A name no other test run uses (keys of the shared Redis).
std::string unique(const std::string& prefix);

class OwnRedis {
 public:
  // `tls_name`: serve TLS only, with a self-signed certificate for that name (cert_file()).
  explicit OwnRedis(std::string tls_name = {});
  ~OwnRedis();
  OwnRedis(const OwnRedis&) = delete;
  OwnRedis& operator=(const OwnRedis&) = delete;

  RedisUrl url() const;
  const std::string& password() const { return password_; }
  std::string cert_file() const { return dir_ + "/cert.pem"; }
  void start();                // on the same port as before; returns once it accepts
  void kill();                 // SIGKILL, waited for
  void signal(int sig) const;  // SIGSTOP / SIGCONT: a Redis that hangs, then recovers

 private:
  std::string dir_;
  std::string password_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
  pid_t pid_ = -1;
};

// Runs `task` on `io` until it completes, and returns what it returned. Other work on `io` (the
// connections) stays for the next run.
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  std::optional<T> out;
  auto body = [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(task)); };
  std::exception_ptr error;
  boost::asio::co_spawn(io, body(), [&](std::exception_ptr e) {
    error = e;
    io.stop();
  });
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*out);
}

// A command's arguments (a braced list inside a coroutine trips GCC 12).
template <class... A>
std::vector<std::string> args(A&&... a) {
  return {std::string(std::forward<A>(a))...};
}

// Runs `io` for `d` (lets fire-and-forget commands go out and their replies come back).
void run_for(boost::asio::io_context& io, std::chrono::milliseconds d);

std::int64_t elapsed_ms(std::chrono::steady_clock::time_point since);

}  // namespace glmgate::test
