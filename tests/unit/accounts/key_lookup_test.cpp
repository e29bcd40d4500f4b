// KeyLookup over a real store and StoreSync: a key made after the last refresh works on its
// first lookup, a revoked key stays refused, and a burst of unknown keys costs a few rounds of
// the store, not one read each.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "accounts/account_book.hpp"
#include "accounts/key_lookup.hpp"
#include "accounts/key_service.hpp"
#include "accounts/store_sync.hpp"
#include "store_fixture.hpp"

namespace glmgate {
namespace {

namespace asio = boost::asio;

class KeyLookupTest : public FundedStoreTest {
 protected:
  void SetUp() override {
    FundedStoreTest::SetUp();
    // A refresh interval no test outlasts: every round here is one a lookup asked for.
    sync_ = std::make_unique<StoreSync>(*store_, cache_, book_, pause_, "srv_test",
                                        std::chrono::hours(1));
    sync_->poll();
    sync_->start();
    lookup_ = std::make_unique<KeyLookup>(
        cache_, [this](std::function<void()> done) { sync_->after_next_round(std::move(done)); },
        std::chrono::milliseconds(300));
  }
  void TearDown() override {
    sync_->stop();
    FundedStoreTest::TearDown();
  }

  // Runs find_missed for every secret at once on a two-thread io_context.
  std::vector<std::shared_ptr<const KeyInfo>> look_up(const std::vector<std::string>& secrets) {
    asio::io_context io;
    std::vector<std::shared_ptr<const KeyInfo>> found(secrets.size());
    for (std::size_t i = 0; i < secrets.size(); ++i)
      asio::co_spawn(
          io,
          [this, &found, &secrets, i]() -> asio::awaitable<void> {
            found[i] = co_await lookup_->find_missed(secrets[i]);
          },
          asio::detached);
    std::thread other([&io] { io.run(); });
    io.run();
    other.join();
    return found;
  }

  std::string create_key() {
    KeyOptions o;
    o.account = account_;
    return KeyService(*store_, *store_).create(o).secret;
  }

  KeyCache cache_;
  AccountBook book_{0, "srv_test"};
  PauseSwitch pause_;
  std::unique_ptr<StoreSync> sync_;
  std::unique_ptr<KeyLookup> lookup_;
};

TEST_F(KeyLookupTest, AKeyMadeAfterTheLastRefreshWorksAtOnce) {
  std::string secret = create_key();  // as the CLI would, while the server runs
  EXPECT_FALSE(cache_.find(secret)) << "the cache has not seen it yet";
  auto found = look_up({secret});
  ASSERT_TRUE(found[0]);
  EXPECT_EQ(found[0]->account_id, account_);
  EXPECT_TRUE(cache_.find(secret)) << "and the cache has it from now on";
}

TEST_F(KeyLookupTest, ARevokedKeyStaysRefused) {
  std::string secret = create_key();
  ASSERT_TRUE(look_up({secret})[0]);
  auto keys = KeyService(*store_, *store_).list();
  for (const auto& k : keys)
    KeyService(*store_, *store_).revoke(k.id);
  EXPECT_FALSE(look_up({secret})[0]);
  EXPECT_FALSE(cache_.find(secret));
  EXPECT_FALSE(look_up({secret})[0]);
}

TEST_F(KeyLookupTest, ABurstOfUnknownKeysCostsAFewRounds) {
  std::vector<std::string> bad;
  for (int i = 0; i < 1000; ++i)
    bad.push_back("sk-glm-unknown-" + std::to_string(i));
  const auto before = sync_->rounds();
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& k : look_up(bad))
    EXPECT_FALSE(k);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  const auto rounds = sync_->rounds() - before;
  EXPECT_GE(rounds, 1u);
  // At most one round per 20 ms (StoreSync), each serving every miss that came meanwhile.
  EXPECT_LE(rounds, 2u + static_cast<std::uint64_t>(ms) / 20)
      << "misses that arrive together share a round of the store (" << ms << " ms)";
  EXPECT_LT(rounds, 100u);
  // The same bad keys again within the negative cache's time: no round at all.
  const auto again = sync_->rounds();
  for (const auto& k : look_up(bad))
    EXPECT_FALSE(k);
  EXPECT_EQ(sync_->rounds(), again);
  // Once it has passed, they are looked up again (a key may have been made with that secret).
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  look_up({bad[0]});
  EXPECT_EQ(sync_->rounds(), again + 1);
}

TEST_F(KeyLookupTest, RemembersAtMostItsBoundOfMisses) {
  KeyLookup small(
      cache_, [this](std::function<void()> done) { sync_->after_next_round(std::move(done)); },
      std::chrono::seconds(10), 2);
  auto run = [&](const std::string& secret) {
    asio::io_context io;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { co_await small.find_missed(secret); }, asio::detached);
    io.run();
  };
  run("sk-a");
  run("sk-b");
  run("sk-c");  // not remembered: the table is full of fresh misses
  auto before = sync_->rounds();
  run("sk-a");
  run("sk-b");
  EXPECT_EQ(sync_->rounds(), before);
  run("sk-c");
  EXPECT_EQ(sync_->rounds(), before + 1);
}

}  // namespace
}  // namespace glmgate
