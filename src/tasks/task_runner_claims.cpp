// TaskRunner's claims; see task_runner.hpp and task_claims.hpp. Every poll (a sixth of a lease,
// at most half a second) and whenever a run ends, one round: renew, claim what there is room for,
// and apply the outcome here on the runner's thread. Rounds never overlap: a poke during one
// runs another right after it.
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <algorithm>
#include <unordered_set>

#include "accounts/key_cache.hpp"
#include "core/clock.hpp"
#include "tasks/task_exchange.hpp"
#include "tasks/task_record.hpp"
#include "tasks/task_runner.hpp"

namespace glmgate {

namespace asio = boost::asio;

namespace {

// Webhooks one server sends at once (its runs' and those it took over).
constexpr std::size_t kMaxDeliveries = 64;

std::chrono::milliseconds poll_interval(std::int64_t lease_ms) {
  return std::chrono::milliseconds(std::clamp<std::int64_t>(lease_ms / 6, 50, 500));
}

}  // namespace

ClaimSettings TaskRunner::claim_settings() const {
  return {parts_.instance, parts_.lease_ms, parts_.retention_ms};
}

void TaskRunner::publish_room() {
  free_slots_.store(static_cast<std::int64_t>(queue_.room()));
}

void TaskRunner::poll() {
  // Even while a round waits for the store: claims it could not renew in time are given up.
  for (auto& live : claims_.expired(HeldClaims::Clock::now()))
    give_up(live);
  poke();
  poll_timer_.expires_after(poll_interval(parts_.lease_ms));
  poll_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) poll();
  });
}

void TaskRunner::poke() {
  if (claiming_) {
    claim_again_ = true;
    return;
  }
  claiming_ = true;
  asio::co_spawn(io_, claim_rounds(), asio::detached);
}

asio::awaitable<void> TaskRunner::claim_rounds() {
  do {
    claim_again_ = false;
    ClaimRequest request{claims_.ids(), queue_.room(),
                         kMaxDeliveries - std::min(deliveries_, kMaxDeliveries), unix_ms_now()};
    const auto at = HeldClaims::Clock::now();
    ClaimRound round;
    try {
      // The store outlives the runner: a round still on the pool when the runner stops is safe.
      auto work = [&store = parts_.store, request, settings = claim_settings()] {
        return claim_round(store, settings, request);
      };
      round = co_await parts_.pool.run(std::move(work));
    } catch (const std::exception& e) {
      spdlog::warn("tasks: a claim round failed: {}", e.what());
    }
    if (round.renewal) {
      // A claim of this server's that ran out and that it took again is still its own.
      for (const auto& run : round.runs)
        round.renewal->held.push_back(run.claim.task.id);
      for (const auto& d : round.deliveries)
        round.renewal->held.push_back(d.task.id);
      for (auto& live : claims_.renewed(request.held, *round.renewal, at))
        give_up(live);
      for (const auto& id : round.renewal->cancelled)
        if (auto live = claims_.find(id)) carry_out(live, mark_cancel(*live));
    }
    for (auto& run : round.runs)
      adopt(std::move(run), at);
    for (auto& d : round.deliveries)
      deliver_claimed(std::move(d), at);
    publish_room();
  } while (claim_again_);
  claiming_ = false;
}

std::shared_ptr<LiveTask> TaskRunner::live_of(ClaimedRun& claimed) {
  auto live = std::make_shared<Live>();
  live->surface = parts_.surface_for(claimed.claim.task.path);
  if (claimed.key && !claimed.key->revoked) live->key = key_info(*claimed.key);
  live->record = std::move(claimed.claim.task);
  if (is_ended(live->record.status)) {
    live->ended = true;
  } else {
    std::lock_guard lock(mutex_);
    live_[live->record.id] = live;
  }
  return live;
}

void TaskRunner::adopt(ClaimedRun claimed, HeldClaims::Clock::time_point at) {
  if (auto held = claims_.find(claimed.claim.task.id)) {
    claims_.hold(std::move(held), at);  // its own already
    return;
  }
  auto live = live_of(claimed);
  std::optional<CancelMark> cancel;
  if (claimed.claim.cancel_requested) cancel = mark_cancel(*live);
  act_on(std::move(live), at, cancel);
}

void TaskRunner::act_on(std::shared_ptr<Live> live, HeldClaims::Clock::time_point at,
                        const std::optional<CancelMark>& cancel) {
  if (cancel && !cancel->ended) {
    claims_.hold(live, at);
    carry_out(std::move(live), *cancel);
  } else if (is_ended(live->record.status)) {  // recovery refunded and failed it
    if (live->record.webhook != "pending") return;
    claims_.hold(live, at);
    asio::co_spawn(io_, notify(live, live->record), asio::detached);
  } else {
    claims_.hold(live, at);
    queue_.push(std::move(live));
  }
}

void TaskRunner::deliver_claimed(ClaimedTask claimed, HeldClaims::Clock::time_point at) {
  if (auto held = claims_.find(claimed.task.id)) {
    claims_.hold(std::move(held), at);
    return;
  }
  auto live = std::make_shared<Live>();
  live->record = std::move(claimed.task);
  live->ended = true;
  claims_.hold(live, at);
  spdlog::info("task {}: its webhook is sent again, its sender having stopped", live->record.id);
  asio::co_spawn(io_, notify(live, live->record), asio::detached);
}

// The claim is gone (not renewed in time): another server may run the task or send its webhook
// now, so this one stops and writes nothing more of it.
void TaskRunner::give_up(const std::shared_ptr<Live>& live) {
  live->lost = true;
  {
    std::lock_guard lock(mutex_);
    live->ended = true;  // a waiting one leaves the queue
    if (auto it = live_.find(live->record.id); it != live_.end() && it->second == live)
      live_.erase(it);
  }
  if (live->run) live->run->cancelled = true;
  if (live->exchange) live->exchange->cancel();
  spdlog::warn(
      "task {}: this server could not renew its claim in time; it leaves the task to "
      "the server that takes it",
      live->record.id);
}

}  // namespace glmgate
