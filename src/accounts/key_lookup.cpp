// KeyLookup; see key_lookup.hpp.
#include "accounts/key_lookup.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace glmgate {

namespace asio = boost::asio;

KeyLookup::KeyLookup(const KeyCache& cache, Refresh refresh, std::chrono::milliseconds negative_ttl,
                     std::size_t max_negative)
    : cache_(cache),
      refresh_(std::move(refresh)),
      negative_ttl_(negative_ttl),
      max_negative_(max_negative) {}

bool KeyLookup::recently_missed(const KeyHash& hash) {
  std::lock_guard lock(mutex_);
  auto it = misses_.find(hash);
  if (it == misses_.end()) return false;
  if (it->second > Clock::now()) return true;
  misses_.erase(it);
  return false;
}

void KeyLookup::remember_miss(const KeyHash& hash) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  if (misses_.size() >= max_negative_)
    std::erase_if(misses_, [now](const auto& m) { return m.second <= now; });
  // Full of fresh misses (a flood of distinct bad keys): this one is not remembered, and the
  // rounds it may cost are still shared with every other miss at the time.
  if (misses_.size() < max_negative_) misses_[hash] = now + negative_ttl_;
}

// Resumes on the awaiting coroutine's executor once refresh_ reports a round.
asio::awaitable<void> KeyLookup::refreshed() {
  auto initiate = [this](auto handler) {
    using Handler = decltype(handler);
    struct Waiter {
      Handler handler;
      asio::executor_work_guard<asio::associated_executor_t<Handler>> work;
    };
    auto executor = asio::get_associated_executor(handler);
    auto waiter =
        std::make_shared<Waiter>(Waiter{std::move(handler), asio::make_work_guard(executor)});
    refresh_([waiter] {
      auto ex = waiter->work.get_executor();
      asio::post(ex, [waiter] { std::move(waiter->handler)(); });
    });
  };
  return asio::async_initiate<const asio::use_awaitable_t<>, void()>(initiate, asio::use_awaitable);
}

asio::awaitable<std::shared_ptr<const KeyInfo>> KeyLookup::find_missed(std::string secret) {
  if (secret.size() > 256) co_return nullptr;  // as KeyCache::find: never a key
  const KeyHash hash = sha256(secret);
  if (recently_missed(hash)) co_return nullptr;
  co_await refreshed();
  auto key = cache_.find(secret);
  if (!key) remember_miss(hash);
  co_return key;
}

}  // namespace glmgate
