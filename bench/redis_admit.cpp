// How long admit() takes against a Redis (GCRA, tokens and a slot in one script), next to the
// in-process limiter's try_admit(): one request at a time, then many in flight on one connection.
//   scripts/with_redis.sh build/release/redis_admit_bench [requests]
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

#include "backends/redis/redis_rate_limiter.hpp"

namespace asio = boost::asio;
using namespace glmgate;
using Clock = std::chrono::steady_clock;

namespace {

double us(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

void report(const char* what, std::vector<double>& samples) {
  std::sort(samples.begin(), samples.end());
  double sum = 0;
  for (double s : samples)
    sum += s;
  std::printf("%-44s mean %7.1f us  p50 %7.1f us  p99 %7.1f us  (%zu)\n", what,
              sum / samples.size(), samples[samples.size() / 2], samples[samples.size() * 99 / 100],
              samples.size());
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("GLMGATE_TEST_REDIS_URL");
  auto parsed = parse_redis_url(env ? env : "");
  if (!parsed.url) {
    std::fprintf(stderr, "set GLMGATE_TEST_REDIS_URL (scripts/with_redis.sh)\n");
    return 2;
  }
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  asio::io_context io;
  RedisRateLimiter redis(*parsed.url, {});
  KeyLimiter local(10);
  const KeyInfo key{"key_bench_" + std::to_string(::getpid()), "b", "sk", "acct", false};
  const KeyLimits rate{100'000'000, 100'000'000, 0}, slot{0, 0, 1'000'000};

  std::vector<double> local_us, rate_us, slot_us, release_us;
  for (int i = 0; i < n; ++i) {
    Headers h;
    auto t0 = Clock::now();
    local.try_admit(key, rate, h);
    local_us.push_back(us(Clock::now() - t0));
  }
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < n; ++i) {
          Headers h;
          auto t0 = Clock::now();
          Admission a = co_await redis.admit(key, rate, h);
          rate_us.push_back(us(Clock::now() - t0));
          if (!a) std::fprintf(stderr, "refused or failed: %s\n", a.error().message.c_str());
          t0 = Clock::now();
          co_await redis.admit(key, slot, h);
          slot_us.push_back(us(Clock::now() - t0));
          t0 = Clock::now();
          redis.release(key, slot);
          redis.add_tokens(key, rate, 100);
          release_us.push_back(us(Clock::now() - t0));
        }
        io.stop();
      },
      asio::detached);
  io.run();
  report("KeyLimiter::try_admit (in process)", local_us);
  report("RedisRateLimiter::admit, rpm + tpm", rate_us);
  report("RedisRateLimiter::admit, concurrency slot", slot_us);
  report("release + add_tokens (fire-and-forget)", release_us);

  // 64 requests in flight on the one connection: pipelined.
  constexpr int kInFlight = 64;
  int done = 0;
  auto t0 = Clock::now();
  io.restart();
  for (int w = 0; w < kInFlight; ++w)
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < n / kInFlight; ++i) {
            Headers h;
            co_await redis.admit(key, rate, h);
          }
          if (++done == kInFlight) io.stop();
        },
        asio::detached);
  io.run();
  const double total = us(Clock::now() - t0);
  std::printf("pipelined, %d in flight: %.0f admits/s on one connection\n", kInFlight,
              (n / kInFlight) * kInFlight / (total / 1e6));
  return 0;
}
