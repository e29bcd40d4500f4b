// The claims a server holds on tasks (contracts/store/task_store.hpp) and one round of its
// heartbeat. A round, on the blocking pool, renews what the server holds, claims as many runs and
// webhook deliveries as it has room for, and settles what a server that stopped left behind
// (task_recovery); the runner applies its outcome on its own thread. A claim not renewed in time
// is given up on this host's clock a fifth of a lease before the store's lease runs out: a server
// cut off from the store stops its runs before another server can take them over.
// Threading: HeldClaims belongs to the runner's thread; claim_round() and claim_to_cancel() block
// (the blocking pool).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "contracts/store.hpp"
#include "tasks/live_task.hpp"

namespace glmgate {

struct ClaimRequest {
  std::vector<std::string> held;  // to renew
  std::size_t runs = 0;           // room for more runs
  std::size_t deliveries = 0;     // and webhook deliveries
  std::int64_t now_ms = 0;
};

struct ClaimedRun {
  ClaimedTask claim;             // settled: a charged run taken over has ended (failed)
  std::optional<KeyRecord> key;  // the key that queued it, as the store has it now
};

struct ClaimRound {
  std::optional<ClaimRenewal> renewal;  // none: the store was out of reach; nothing claimed
  std::vector<ClaimedRun> runs;
  std::vector<ClaimedTask> deliveries;
};

struct ClaimSettings {
  std::string instance;  // the name this server's claims carry
  std::int64_t lease_ms = 30'000;
  std::int64_t retention_ms = 0;  // for a task that recovery ends
};

// One round. A store failure ends it where it happened: claims it made but could not settle are
// left to run out and be taken again (by anyone; nothing of them ran here).
ClaimRound claim_round(Store& store, const ClaimSettings& settings, const ClaimRequest& request);
// Records a cancel of the task `id`, and claims it when no live claim holds it (nobody runs it),
// so that this server ends it now.
std::optional<ClaimedRun> claim_to_cancel(Store& store, const ClaimSettings& settings,
                                          const std::string& id, std::int64_t now_ms);

class HeldClaims {
 public:
  using Clock = std::chrono::steady_clock;
  explicit HeldClaims(std::chrono::milliseconds lease);

  // Holds the claim on `task`, taken or renewed at `at`.
  void hold(std::shared_ptr<LiveTask> task, Clock::time_point at);
  std::shared_ptr<LiveTask> find(const std::string& id) const;
  std::vector<std::string> ids() const;
  std::size_t size() const { return held_.size(); }
  // A round's renewal, asked for `asked` at `at`: what it renewed lives on; what it did not is
  // lost, removed and returned.
  std::vector<std::shared_ptr<LiveTask>> renewed(const std::vector<std::string>& asked,
                                                 const ClaimRenewal& renewal, Clock::time_point at);
  // Removes and returns the claims not renewed for a lease less its margin, as of `now`.
  std::vector<std::shared_ptr<LiveTask>> expired(Clock::time_point now);
  // The task closed (ended, webhook done): its claim needs nothing more.
  void release(const std::string& id) { held_.erase(id); }

 private:
  struct Held {
    std::shared_ptr<LiveTask> task;
    Clock::time_point renewed_at;
  };
  std::chrono::milliseconds usable_;
  std::unordered_map<std::string, Held> held_;
};

}  // namespace glmgate
