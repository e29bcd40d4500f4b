// SharedProviderGate over the in-process KeyLimiter (the Redis limiter shares its slots the same
// way, tests/redis): the cap holds, a caller over it waits its deadline and is refused, and one
// that waits gets the slot another gives back meanwhile.
#include "limits/shared_provider_gate.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "limits/key_limiter.hpp"

namespace glmgate {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

bool acquire(ProviderGate& gate, milliseconds wait) {
  asio::io_context io;
  auto f = asio::co_spawn(io, gate.acquire(wait), asio::use_future);
  io.run();
  return f.get();
}

TEST(SharedProviderGate, HoldsTheCapAndRefusesAfterTheWait) {
  KeyLimiter limiter(10);
  SharedProviderGate gate(limiter, "zai", 2);
  EXPECT_TRUE(acquire(gate, milliseconds(0)));
  EXPECT_TRUE(acquire(gate, milliseconds(0)));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(acquire(gate, milliseconds(60)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(60));
  gate.release();
  EXPECT_TRUE(acquire(gate, milliseconds(0)));
}

TEST(SharedProviderGate, AWaiterGetsASlotGivenBackDuringItsWait) {
  KeyLimiter limiter(10);
  SharedProviderGate gate(limiter, "zai", 1);
  ASSERT_TRUE(acquire(gate, milliseconds(0)));
  asio::io_context io;
  auto waiting = asio::co_spawn(io, gate.acquire(milliseconds(2000)), asio::use_future);
  asio::steady_timer later(io, milliseconds(30));
  later.async_wait([&](boost::system::error_code) { gate.release(); });
  io.run();
  EXPECT_TRUE(waiting.get());
}

TEST(SharedProviderGate, ProvidersAndKeysCountApart) {
  KeyLimiter limiter(10);
  SharedProviderGate zai(limiter, "zai", 1);
  SharedProviderGate kimi(limiter, "kimi", 1);
  EXPECT_TRUE(acquire(zai, milliseconds(0)));
  EXPECT_TRUE(acquire(kimi, milliseconds(0)));
  EXPECT_FALSE(acquire(zai, milliseconds(0)));
}

}  // namespace
}  // namespace glmgate
