// The TaskStore's claims (contracts/store/task_store.hpp), for every backend: instances claiming
// at once on separate connections never claim one task twice; a claim whose lease ran out is
// taken over (and says so), a live one never; renewing keeps a claim and never revives a dead
// one; a cancel asked for anywhere reaches the holder; ended tasks owing a webhook are claimed
// for delivery only; state writes keep the claim, and an ended task stays ended.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

using TaskClaimContract = StoreContractTest;
GLMGATE_STORE_CONTRACT(TaskClaimContract);

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kLease = 30'000;

std::vector<std::string> ids_of(const std::vector<ClaimedTask>& claimed) {
  std::vector<std::string> ids;
  for (const auto& c : claimed)
    ids.push_back(c.task.id);
  return ids;
}

class Tasks {
 public:
  explicit Tasks(TaskStore& store) : store_(store) {}
  TaskRecord add(const std::string& id, std::string_view status, std::int64_t created = 1000,
                 std::string webhook = "") {
    TaskRecord t = task_record(id, "acct_a", status);
    t.created_at = created;
    t.webhook = std::move(webhook);
    store_.insert_task(t);
    return t;
  }

 private:
  TaskStore& store_;
};

TEST_P(TaskClaimContract, ConcurrentClaimersNeverClaimOneTaskTwice) {
  constexpr int kTasks = 200;
  constexpr int kInstances = 6;
  Tasks tasks(*store_);
  for (int i = 0; i < kTasks; ++i)
    tasks.add("task_" + std::to_string(i), i % 3 ? task_status::kQueued : task_status::kInProgress,
              1000 + i);
  std::mutex mutex;
  std::vector<std::string> claimed;
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      auto store = open_another();
      ++ready;
      while (ready < kInstances)
        std::this_thread::yield();  // all claim at once
      for (;;) {
        auto got = store->claim_runs("srv_" + std::to_string(i), 2, kNow, kLease);
        if (got.empty()) break;
        std::lock_guard lock(mutex);
        for (auto& c : got)
          claimed.push_back(c.task.id);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  std::set<std::string> distinct(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kTasks));
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kTasks));
}

TEST_P(TaskClaimContract, ClaimsRunsOldestFirstUpToTheLimit) {
  Tasks tasks(*store_);
  tasks.add("task_new", task_status::kQueued, 3000);
  tasks.add("task_old", task_status::kInProgress, 1000);
  tasks.add("task_mid", task_status::kQueued, 2000);
  tasks.add("task_done", task_status::kCompleted, 500);
  tasks.add("task_hook", task_status::kFailed, 500, "pending");  // a delivery, not a run
  auto first = store_->claim_runs("srv_a", 2, kNow, kLease);
  EXPECT_EQ(ids_of(first), (std::vector<std::string>{"task_old", "task_mid"}));
  for (const auto& c : first) {
    EXPECT_FALSE(c.taken_over);
    EXPECT_FALSE(c.cancel_requested);
  }
  EXPECT_EQ(first[0].task.status, task_status::kInProgress);
  EXPECT_EQ(first[0].task.body, task_record("x", "acct_a", "queued").body);
  EXPECT_EQ(ids_of(store_->claim_runs("srv_b", 5, kNow, kLease)),
            (std::vector<std::string>{"task_new"}));
  EXPECT_TRUE(store_->claim_runs("srv_c", 5, kNow, kLease).empty());
  EXPECT_TRUE(store_->claim_runs("srv_c", 0, kNow, kLease).empty());
}

TEST_P(TaskClaimContract, AnExpiredClaimIsTakenOverAndALiveOneNever) {
  Tasks(*store_).add("task_1", task_status::kInProgress);
  ASSERT_EQ(store_->claim_runs("srv_a", 1, kNow, kLease).size(), 1u);
  auto other = open_another();
  EXPECT_TRUE(other->claim_runs("srv_b", 1, kNow + kLease - 1, kLease).empty());
  EXPECT_FALSE(other->claim_task("task_1", "srv_b", kNow + kLease - 1, kLease));
  auto taken = other->claim_runs("srv_b", 1, kNow + kLease, kLease);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_TRUE(taken[0].taken_over);
  // srv_a lost it: its heartbeat says so, and cannot win it back.
  auto renewal = store_->renew_claims("srv_a", {"task_1"}, kNow + kLease + 1, kLease);
  EXPECT_TRUE(renewal.held.empty());
  EXPECT_TRUE(store_->claim_runs("srv_a", 1, kNow + kLease + 1, kLease).empty());
}

TEST_P(TaskClaimContract, RenewingKeepsAClaimButNeverRevivesADeadOne) {
  Tasks tasks(*store_);
  tasks.add("task_1", task_status::kInProgress);
  tasks.add("task_2", task_status::kQueued);
  ASSERT_EQ(store_->claim_runs("srv_a", 2, kNow, kLease).size(), 2u);
  auto renewal =
      store_->renew_claims("srv_a", {"task_1", "task_2", "task_none"}, kNow + 20'000, kLease);
  EXPECT_EQ(renewal.held, (std::vector<std::string>{"task_1", "task_2"}));
  EXPECT_TRUE(renewal.cancelled.empty());
  // Past the first lease, within the renewed one: still srv_a's.
  EXPECT_TRUE(store_->claim_runs("srv_b", 2, kNow + kLease + 1, kLease).empty());
  // Another instance's renewal holds nothing of srv_a's.
  EXPECT_TRUE(store_->renew_claims("srv_b", {"task_1"}, kNow + kLease, kLease).held.empty());
  // Renewed too late: dead, and free for anyone.
  const std::int64_t late = kNow + 20'000 + kLease;
  EXPECT_TRUE(store_->renew_claims("srv_a", {"task_1"}, late, kLease).held.empty());
  EXPECT_EQ(store_->claim_runs("srv_b", 2, late, kLease).size(), 2u);
}

TEST_P(TaskClaimContract, ACancelAskedForAnywhereReachesTheHolder) {
  Tasks tasks(*store_);
  tasks.add("task_run", task_status::kInProgress);
  tasks.add("task_wait", task_status::kQueued, 2000);
  tasks.add("task_done", task_status::kCompleted);
  ASSERT_EQ(store_->claim_runs("srv_a", 1, kNow, kLease).size(), 1u);
  auto other = open_another();
  EXPECT_TRUE(other->request_cancel("task_run"));
  EXPECT_TRUE(other->request_cancel("task_run"));  // idempotent
  EXPECT_TRUE(other->request_cancel("task_wait"));
  EXPECT_FALSE(other->request_cancel("task_done"));
  EXPECT_FALSE(other->request_cancel("task_none"));
  auto renewal = store_->renew_claims("srv_a", {"task_run"}, kNow + 1000, kLease);
  EXPECT_EQ(renewal.held, (std::vector<std::string>{"task_run"}));
  EXPECT_EQ(renewal.cancelled, (std::vector<std::string>{"task_run"}));
  // A task cancelled before anyone claimed it says so to its claimer.
  auto waiting = other->claim_runs("srv_b", 5, kNow, kLease);
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].task.id, "task_wait");
  EXPECT_TRUE(waiting[0].cancel_requested);
}

TEST_P(TaskClaimContract, ClaimsOneTaskByIdWhenNoLiveClaimHoldsIt) {
  Tasks tasks(*store_);
  tasks.add("task_q", task_status::kQueued);
  tasks.add("task_hook", task_status::kCancelled, 1000, "pending");
  tasks.add("task_done", task_status::kCompleted, 1000, "delivered");
  auto q = store_->claim_task("task_q", "srv_b", kNow, kLease);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->task.status, task_status::kQueued);
  EXPECT_FALSE(q->taken_over);
  EXPECT_FALSE(store_->claim_task("task_q", "srv_c", kNow, kLease));  // srv_b's now
  EXPECT_TRUE(store_->claim_task("task_hook", "srv_b", kNow, kLease));
  EXPECT_FALSE(store_->claim_task("task_done", "srv_b", kNow, kLease));
  EXPECT_FALSE(store_->claim_task("task_none", "srv_b", kNow, kLease));
}

TEST_P(TaskClaimContract, EndedTasksOwingAWebhookAreClaimedForDeliveryOnce) {
  Tasks tasks(*store_);
  tasks.add("task_hook", task_status::kCompleted, 1000, "pending");
  tasks.add("task_sent", task_status::kCompleted, 1000, "delivered");
  tasks.add("task_running", task_status::kInProgress, 1000, "pending");  // its webhook comes later
  auto first = store_->claim_deliveries("srv_a", 5, kNow, kLease);
  EXPECT_EQ(ids_of(first), (std::vector<std::string>{"task_hook"}));
  EXPECT_TRUE(open_another()->claim_deliveries("srv_b", 5, kNow + 1, kLease).empty());
  // Its sender died mid-send: another sends it after the lease.
  auto again = open_another()->claim_deliveries("srv_b", 5, kNow + kLease, kLease);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].taken_over);
}

TEST_P(TaskClaimContract, AnEndedRunKeepsItsClaimForItsWebhook) {
  TaskRecord t = Tasks(*store_).add("task_1", task_status::kQueued, 1000, "pending");
  ASSERT_EQ(store_->claim_runs("srv_a", 1, kNow, kLease).size(), 1u);
  t.status = std::string(task_status::kCompleted);
  WriteBatch batch;
  batch.tasks.push_back(t);
  store_->commit(batch);  // its end, the webhook still to send
  EXPECT_TRUE(store_->claim_deliveries("srv_b", 1, kNow + 1, kLease).empty());
  EXPECT_EQ(store_->renew_claims("srv_a", {"task_1"}, kNow + 1, kLease).held.size(), 1u);
}

TEST_P(TaskClaimContract, ATaskInsertedClaimedIsItsServersUntilTheLeaseRunsOut) {
  TaskRecord t = task_record("task_1", "acct_a", task_status::kQueued);
  store_->insert_claimed_task(t, "srv_a", kNow, kLease);
  EXPECT_EQ(store_->find_task("task_1")->body, t.body);
  EXPECT_THROW(store_->insert_claimed_task(t, "srv_b", kNow, kLease), std::exception);
  EXPECT_TRUE(store_->claim_runs("srv_b", 1, kNow + kLease - 1, kLease).empty());
  EXPECT_EQ(store_->renew_claims("srv_a", {"task_1"}, kNow + 1, kLease).held.size(), 1u);
  auto taken = store_->claim_runs("srv_b", 1, kNow + 1 + kLease, kLease);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_TRUE(taken[0].taken_over);
}

TEST_P(TaskClaimContract, DroppedClaimsAreFreeAtOnce) {
  Tasks tasks(*store_);
  tasks.add("task_1", task_status::kInProgress);
  tasks.add("task_2", task_status::kQueued);
  tasks.add("task_3", task_status::kQueued);
  ASSERT_EQ(store_->claim_runs("srv_a", 2, kNow, kLease).size(), 2u);
  ASSERT_EQ(store_->claim_runs("srv_b", 1, kNow, kLease).size(), 1u);
  store_->drop_claims("srv_a");
  auto taken = store_->claim_runs("srv_c", 5, kNow + 1, kLease);
  EXPECT_EQ(ids_of(taken), (std::vector<std::string>{"task_1", "task_2"}));
  for (const auto& c : taken)
    EXPECT_TRUE(c.taken_over);
  EXPECT_TRUE(store_->renew_claims("srv_a", {"task_1"}, kNow + 1, kLease).held.empty());
}

TEST_P(TaskClaimContract, StateWritesKeepTheClaimAndAnEndedTaskStaysEnded) {
  TaskRecord t = Tasks(*store_).add("task_1", task_status::kQueued);
  ASSERT_EQ(store_->claim_runs("srv_a", 1, kNow, kLease).size(), 1u);
  t.status = std::string(task_status::kInProgress);
  store_->insert_task(t);
  EXPECT_TRUE(store_->claim_runs("srv_b", 1, kNow + 1, kLease).empty());  // still srv_a's
  TaskRecord ended = t;
  ended.status = std::string(task_status::kCompleted);
  ended.result = R"({"ok":true})";
  WriteBatch batch;
  batch.tasks.push_back(ended);
  store_->commit(batch);
  // A late write of a run that lost its claim does not bring it back.
  store_->insert_task(t);
  WriteBatch stale;
  stale.tasks.push_back(t);
  store_->commit(stale);
  auto found = store_->find_task("task_1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->status, task_status::kCompleted);
  EXPECT_EQ(found->result, ended.result);
  EXPECT_TRUE(store_->claim_runs("srv_b", 1, kNow + kLease, kLease).empty());
}

}  // namespace
}  // namespace glmgate
