// Claims on tasks; see task_claims.hpp.
#include "tasks/task_claims.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_set>

#include "tasks/task_record.hpp"
#include "tasks/task_recovery.hpp"

namespace glmgate {

namespace {

ClaimedRun settle(Store& store, const ClaimSettings& settings, ClaimedTask claimed) {
  recover_claimed(claimed, store, store, settings.retention_ms);
  ClaimedRun run{std::move(claimed), std::nullopt};
  if (!is_ended(run.claim.task.status) && !run.claim.cancel_requested)
    run.key = store.find_key(run.claim.task.key_id);
  return run;
}

}  // namespace

ClaimRound claim_round(Store& store, const ClaimSettings& settings, const ClaimRequest& request) {
  ClaimRound round;
  try {
    round.renewal =
        store.renew_claims(settings.instance, request.held, request.now_ms, settings.lease_ms);
    // One this server held and took again (its claim ran out) it still runs: nothing to settle.
    std::unordered_set<std::string_view> own(request.held.begin(), request.held.end());
    for (auto& c :
         store.claim_runs(settings.instance, request.runs, request.now_ms, settings.lease_ms)) {
      if (own.contains(c.task.id))
        round.runs.push_back({std::move(c), std::nullopt});
      else
        round.runs.push_back(settle(store, settings, std::move(c)));
    }
    round.deliveries = store.claim_deliveries(settings.instance, request.deliveries, request.now_ms,
                                              settings.lease_ms);
  } catch (const std::exception& e) {
    spdlog::warn("tasks: the store did not answer this server's claims: {}", e.what());
  }
  return round;
}

std::optional<ClaimedRun> claim_to_cancel(Store& store, const ClaimSettings& settings,
                                          const std::string& id, std::int64_t now_ms) {
  store.request_cancel(id);
  auto claimed = store.claim_task(id, settings.instance, now_ms, settings.lease_ms);
  if (!claimed) return std::nullopt;
  return settle(store, settings, std::move(*claimed));
}

HeldClaims::HeldClaims(std::chrono::milliseconds lease) : usable_(lease - lease / 5) {}

void HeldClaims::hold(std::shared_ptr<LiveTask> task, Clock::time_point at) {
  std::string id = task->record.id;
  held_[std::move(id)] = Held{std::move(task), at};
}

std::shared_ptr<LiveTask> HeldClaims::find(const std::string& id) const {
  auto it = held_.find(id);
  return it == held_.end() ? nullptr : it->second.task;
}

std::vector<std::string> HeldClaims::ids() const {
  std::vector<std::string> out;
  out.reserve(held_.size());
  for (const auto& [id, held] : held_)
    out.push_back(id);
  return out;
}

std::vector<std::shared_ptr<LiveTask>> HeldClaims::renewed(const std::vector<std::string>& asked,
                                                           const ClaimRenewal& renewal,
                                                           Clock::time_point at) {
  std::unordered_set<std::string_view> kept(renewal.held.begin(), renewal.held.end());
  std::vector<std::shared_ptr<LiveTask>> lost;
  for (const auto& id : asked) {
    auto it = held_.find(id);
    if (it == held_.end()) continue;  // closed meanwhile
    if (kept.contains(id)) {
      it->second.renewed_at = std::max(it->second.renewed_at, at);
    } else if (it->second.renewed_at <= at) {  // not taken again since the round began
      lost.push_back(std::move(it->second.task));
      held_.erase(it);
    }
  }
  return lost;
}

std::vector<std::shared_ptr<LiveTask>> HeldClaims::expired(Clock::time_point now) {
  std::vector<std::shared_ptr<LiveTask>> out;
  for (auto it = held_.begin(); it != held_.end();) {
    if (now - it->second.renewed_at < usable_) {
      ++it;
      continue;
    }
    out.push_back(std::move(it->second.task));
    it = held_.erase(it);
  }
  return out;
}

}  // namespace glmgate
