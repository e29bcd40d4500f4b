// LeaseWallet; see lease_wallet.hpp.
#include "accounts/lease_wallet.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <vector>

#include "contracts/store/store_error.hpp"

namespace glmgate {

namespace {

HoldDecision store_away() {
  return HoldDecision::unavailable(
      "The gateway cannot reach its store to extend this account's credit; try again shortly.");
}

bool short_of_credit(const HoldDecision& d) {
  return d.kind() == HoldDecision::Kind::refused && d.error().code == "insufficient_quota";
}

// The blocking pool's work items, as named function objects (see core/blocking_pool.hpp).
struct GrowCall {
  std::function<void()> fn;
  void operator()() const { fn(); }
};

}  // namespace

LeaseWallet::LeaseWallet(AccountBook& book, LeaseStore& store, BlockingPool& pool,
                         std::string instance, LeaseOptions options,
                         std::function<std::int64_t()> now_ms)
    : book_(book),
      store_(store),
      pool_(pool),
      instance_(std::move(instance)),
      options_(options),
      now_ms_(std::move(now_ms)),
      renewed_at_(now_ms_()) {}

LeaseWallet::~LeaseWallet() {
  {
    std::lock_guard lock(thread_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool LeaseWallet::lease_valid() const {
  // A margin of a sixth of the ttl: the store's clock and ours may differ by that much.
  return now_ms_() - renewed_at_.load(std::memory_order_relaxed) <
         options_.ttl_ms - options_.ttl_ms / 6;
}

bool LeaseWallet::may_be_free(const KeyInfo& key, const std::string& model) const {
  std::int64_t used = 0;
  return free_calls_ && book_.may_be_free(key.account_id, model, used);
}

HoldDecision LeaseWallet::try_hold(const KeyInfo& key, const std::string& model, NanoUsd amount) {
  if (key.account_id.empty()) return book_.try_hold(key, model, amount);
  if (may_be_free(key, model)) return HoldDecision::pending();  // the shared count decides
  // Leases not renewed in time may be another instance's by now (tick() also empties them).
  if (!lease_valid()) return HoldDecision::pending();
  HoldDecision d = book_.try_hold(key, model, amount);
  if (short_of_credit(d)) return HoldDecision::pending();
  return d;
}

boost::asio::awaitable<HoldDecision> LeaseWallet::hold(const KeyInfo& key, const std::string& model,
                                                       NanoUsd amount) {
  std::int64_t used = 0;
  if (free_calls_ && book_.may_be_free(key.account_id, model, used)) {
    std::optional<bool> taken =
        co_await free_calls_->take(key.account_id, model, book_.free_calls_per_model(), used);
    if (taken && *taken) co_return book_.hold_free(key, model);
    // None left for the gateway: paid from now on. Out of reach: the book counts alone below.
    if (taken) book_.free_calls_gone(key.account_id, model);
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.demand_wait;
  bool demanded = false;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  std::optional<NanoUsd> store_free;  // as the last grow found it
  for (;;) {
    if (!lease_valid()) co_return store_away();
    NanoUsd need = amount - book_.available(key.account_id);
    Grow grown;
    if (need > 0) {
      GrowCall call{[&] { grown = grow(key.account_id, need); }};
      co_await pool_.run(call);
      store_free = grown.free;
    }
    if (!grown.reached) co_return store_away();
    HoldDecision d = book_.try_hold(key, model, amount);
    if (!short_of_credit(d)) co_return d;
    if (std::chrono::steady_clock::now() >= deadline) {
      // The book's 402 counts this instance's lease alone; the account can also hold the credit
      // no lease holds (what a hold above it could not lease all or nothing).
      if (!store_free) co_return d;
      co_return HoldDecision::refused(
          insufficient_quota_error(book_.available(key.account_id) + *store_free, amount));
    }
    if (!demanded) {
      // Other instances hold the credit: ask them for what they do not use.
      GrowCall call{[&] { demand(key.account_id); }};
      co_await pool_.run(call);
      demanded = true;
    }
    timer.expires_after(options_.demand_retry);
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
}

LeaseWallet::Grow LeaseWallet::grow(const std::string& account_id, NanoUsd need) {
  {
    std::lock_guard lock(mutex_);
    ++accounts_[account_id].growing;
  }
  Grow out;
  try {
    LeaseGrant g = store_.grow_lease(account_id, instance_, need, need + options_.slice, now_ms_(),
                                     options_.ttl_ms);
    if (g.added > 0) book_.credit(account_id, g.added);
    out.added = g.added;
    out.free = g.available;
  } catch (const StoreConflict&) {
    // No such account: the hold is refused as short of credit.
  } catch (const std::exception& e) {
    spdlog::warn("credit lease: the store could not be reached: {}", e.what());
    out.reached = false;
  }
  std::lock_guard lock(mutex_);
  Leased& state = accounts_[account_id];
  --state.growing;
  state.grown_at = now_ms_();
  return out;
}

void LeaseWallet::demand(const std::string& account_id) {
  try {
    store_.demand_credit(account_id, instance_, now_ms_());
  } catch (const std::exception& e) {
    spdlog::warn("credit lease: could not ask other instances for credit: {}", e.what());
  }
}

void LeaseWallet::give_back(const std::string& account_id, NanoUsd keep) {
  NanoUsd spare = book_.take_unheld(account_id, keep);
  if (spare <= 0) return;
  try {
    store_.shrink_lease(account_id, instance_, spare);
  } catch (const std::exception&) {
    book_.credit(account_id, spare);  // still ours: try again next round
  }
}

void LeaseWallet::give_back_free(const KeyInfo& key, const std::string& model, const Reservation& r,
                                 NanoUsd cost) {
  if (r.free && r.shared && cost <= 0 && free_calls_) free_calls_->give_back(key.account_id, model);
}

Settlement LeaseWallet::settle(const KeyInfo& key, const std::string& model,
                               const Reservation& reservation, NanoUsd cost,
                               const std::string& request_id) {
  give_back_free(key, model, reservation, cost);
  return book_.settle(key, model, reservation, cost, request_id);
}

void LeaseWallet::release(const KeyInfo& key, const std::string& model,
                          const Reservation& reservation) {
  give_back_free(key, model, reservation, 0);
  book_.release(key, model, reservation);
}

NanoUsd LeaseWallet::spent(const std::string& account_id) const {
  return book_.spent(account_id);
}

bool LeaseWallet::tick() {
  const std::int64_t now = now_ms_();
  const bool was_valid = lease_valid();
  LeaseRenewal renewal;
  try {
    // Leases lost to an outage may still be in the store: they are dropped, not spent.
    if (!was_valid) store_.drop_leases(instance_);
    renewal = store_.renew_leases(instance_, now, options_.ttl_ms);
  } catch (const std::exception& e) {
    if (!lease_valid()) {
      if (was_valid)
        spdlog::warn("credit leases lost: the store was unreachable for {} ms: {}",
                     now - renewed_at_.load(), e.what());
      std::lock_guard lock(mutex_);
      for (const auto& [id, state] : accounts_)
        book_.take_unheld(id, 0);
    }
    return false;
  }
  if (!was_valid) {
    std::lock_guard lock(mutex_);
    for (const auto& [id, state] : accounts_)
      book_.take_unheld(id, 0);
  }
  renewed_at_.store(now, std::memory_order_relaxed);
  std::sort(renewal.live.begin(), renewal.live.end());
  std::sort(renewal.demanded.begin(), renewal.demanded.end());
  std::vector<std::string> lost, idle, low;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, state] : accounts_) {
      if (std::uint64_t holds = book_.hold_count(id); holds != state.holds_seen) {
        state.holds_seen = holds;
        state.last_hold = now;
      }
      bool live = std::binary_search(renewal.live.begin(), renewal.live.end(), id);
      // A grow under way or ended after this round began may not be in the renewal yet.
      if (!live && state.growing == 0 && state.grown_at < now) lost.push_back(id);
      // A grow is for a hold about to be taken: it counts as one.
      else if (now - std::max(state.last_hold, state.grown_at) >= options_.idle_return_ms)
        idle.push_back(id);
      else if (now - state.last_hold < 5'000 && book_.available(id) < options_.slice / 2)
        low.push_back(id);
    }
  }
  for (const auto& id : lost)
    book_.take_unheld(id, 0);  // expired in the store: no longer ours to spend
  for (const auto& id : idle)
    give_back(id, 0);
  for (const auto& id : renewal.demanded)
    give_back(id, 0);
  for (const auto& id : low)  // busy: grown ahead of need, so holds rarely wait; not what
    if (!std::binary_search(renewal.demanded.begin(), renewal.demanded.end(), id))  // others want
      grow(id, 1);
  return true;
}

void LeaseWallet::close() {
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, state] : accounts_)
      book_.take_unheld(id, 0);
  }
  try {
    store_.drop_leases(instance_);
  } catch (const std::exception& e) {
    spdlog::warn("credit leases not given back (they expire by themselves): {}", e.what());
  }
}

void LeaseWallet::start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    pthread_setname_np(pthread_self(), "glmgate-lease");
    std::unique_lock lock(thread_mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      tick();
      lock.lock();
    }
  });
}

void LeaseWallet::stop() {
  {
    std::lock_guard lock(thread_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  close();
}

}  // namespace glmgate
