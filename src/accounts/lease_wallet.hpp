// LeaseWallet: the Wallet of a server instance that shares its store with other instances
// (docs/ARCHITECTURE.md, "Money across instances"). Holds and settlements run in an AccountBook
// whose funds are this instance's leases (contracts/store/lease_store.hpp), so a hold the lease
// covers answers at once, as on one box. A hold it does not cover is `pending`: hold() grows the
// lease in the store (on the blocking pool, never on an I/O thread) by what the hold needs plus a
// slice, and when the store has not that much free, records a demand and tries again while the
// other instances give back what they do not hold, until `demand_wait`; then 402.
// Keeping leases: tick() (the caller's thread, every `renew_interval`) renews this instance's
// leases, gives back what it does not hold where another instance asks or where an account was
// idle for `idle_return` (counted from the
// round that saw its last hold), and drops locally a lease the store says expired. When the store
// cannot be reached for `ttl` less a margin, every lease is taken as lost: holds it covered still
// settle, new ones wait for a grow, which answers 503 (`unavailable`) while the store is away.
// Free calls: with a FreeCallCounter (share_free_calls()), a hold that may still be free by the
// book's count is `pending` and hold() takes the free call from the count all instances share
// (one round trip; the book counts alone while the counter cannot be reached); one that was not
// used goes back to it.
// Settling: the book's charge rows carry this instance's name as their origin, which is what
// shrinks its lease when the batching writer commits them.
// Threading: try_hold/settle/release from any thread without blocking; hold() on an I/O thread's
// coroutine; tick() and close() from one thread (start()'s, in a server). close() gives every lease
// back (a clean exit; after the writer's last commit).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "accounts/account_book.hpp"
#include "contracts/free_call_counter.hpp"
#include "contracts/store/lease_store.hpp"
#include "contracts/wallet.hpp"
#include "core/blocking_pool.hpp"

namespace glmgate {

struct LeaseOptions {
  std::int64_t ttl_ms = 30'000;          // a lease not renewed for this long is free again
  std::int64_t slice = 1'000'000'000;    // grown beyond a hold's need: 1 USD in nano-USD
  std::int64_t idle_return_ms = 60'000;  // an account without a hold for this long gives back
  std::chrono::milliseconds demand_wait{2'000};  // how long a hold waits for others' credit
  std::chrono::milliseconds demand_retry{100};   // between its tries meanwhile
};

class LeaseWallet final : public Wallet {
 public:
  // `instance` must be the book's origin: it names the leases and the charges that shrink them.
  LeaseWallet(AccountBook& book, LeaseStore& store, BlockingPool& pool, std::string instance,
              LeaseOptions options, std::function<std::int64_t()> now_ms);
  ~LeaseWallet();  // joins start()'s thread; gives nothing back (stop() does)

  HoldDecision try_hold(const KeyInfo& key, const std::string& model, NanoUsd amount) override;
  boost::asio::awaitable<HoldDecision> hold(const KeyInfo& key, const std::string& model,
                                            NanoUsd amount) override;
  Settlement settle(const KeyInfo& key, const std::string& model, const Reservation& reservation,
                    NanoUsd cost, const std::string& request_id) override;
  void release(const KeyInfo& key, const std::string& model,
               const Reservation& reservation) override;
  NanoUsd spent(const std::string& account_id) const override;

  // Before any hold; `counter` outlives this wallet.
  void share_free_calls(FreeCallCounter& counter) { free_calls_ = &counter; }

  // One round of renewing and giving back; false when the store could not be reached.
  bool tick();
  // Gives every lease back (best effort: on failure they expire by themselves).
  void close();
  // A thread of its own that calls tick() every `interval`, until stop(), which joins it and
  // then closes (call it after the writer's last commit).
  void start(std::chrono::milliseconds interval);
  void stop();

 private:
  struct Grow {
    bool reached = true;  // false: the store could not be reached
    NanoUsd added = 0;
    NanoUsd free = 0;  // the account's credit that no live lease held, after the call
  };
  Grow grow(const std::string& account_id, NanoUsd need);
  void demand(const std::string& account_id);
  void give_back(const std::string& account_id, NanoUsd keep);
  bool lease_valid() const;
  bool may_be_free(const KeyInfo& key, const std::string& model) const;
  void give_back_free(const KeyInfo& key, const std::string& model, const Reservation& r,
                      NanoUsd cost);

  AccountBook& book_;
  LeaseStore& store_;
  BlockingPool& pool_;
  const std::string instance_;
  const LeaseOptions options_;
  const std::function<std::int64_t()> now_ms_;
  FreeCallCounter* free_calls_ = nullptr;
  // When the leases were last known alive in the store: their local expiry.
  std::atomic<std::int64_t> renewed_at_;
  // The book counts an account's holds; tick() dates the last one to the round that saw the count
  // change, so a hold takes no lock of the wallet's.
  struct Leased {
    std::uint64_t holds_seen = 0;
    std::int64_t last_hold = 0;  // ms, as of the tick that saw it
    std::int64_t grown_at = 0;   // when its last grow ended (ms)
    int growing = 0;             // grows under way
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Leased> accounts_;
  std::mutex thread_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // every account this instance leased on
};

}  // namespace glmgate
