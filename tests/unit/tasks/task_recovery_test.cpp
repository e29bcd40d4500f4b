// Taking over tasks from a server that died, against a real SQLite store: a task whose run was
// never charged is queued again; one whose charge committed without its end is refunded (balance
// back to what it was, the ledger still summing to it) and failed; an ended task with a pending
// webhook is claimed for delivery; ended tasks and tasks a live server holds are left alone; a
// cancel on a server that does not hold a task reaches it. Also the outputs table and the expiry
// sweep.
#include <gtest/gtest.h>

#include <filesystem>

#include "accounts/account_service.hpp"
#include "core/random.hpp"
#include "store_fixture.hpp"
#include "tasks/task_claims.hpp"
#include "tasks/task_record.hpp"
#include "tasks/task_recovery.hpp"

namespace glmgate {
namespace {

constexpr std::int64_t kThen = 1'800'000'000'000;
constexpr std::int64_t kLease = 30'000;
constexpr std::int64_t kAfter = kThen + kLease;  // the dead server's claims have run out

class TaskStoreTest : public FundedStoreTest {
 protected:
  TaskRecord task(std::string id, std::string_view status) {
    TaskRecord t;
    t.id = std::move(id);
    t.account_id = account_;
    t.key_id = "key_1";
    t.path = "/v1/chat/completions";
    t.body = R"({"model":"m","messages":[{"role":"user","content":"secret input"}]})";
    t.status = std::string(status);
    t.created_at = t.updated_at = 1000;
    return t;
  }
  // A task a server that then died was working on.
  void left_by_dead_server(const TaskRecord& t) {
    store_->insert_claimed_task(t, "srv_dead", kThen, kLease);
  }

  void charge(const std::string& task_id, NanoUsd amount) {
    WriteBatch batch;
    LedgerEntry c;
    c.account_id = account_;
    c.kind = std::string(ledger_kind::kCharge);
    c.amount = -amount;
    c.request_id = task_request_id(task_id);
    c.origin = "srv_dead";
    batch.charges.push_back(c);
    store_->commit(batch);
  }

  ClaimRound round(std::int64_t now, std::int64_t retention_ms = 0) {
    return claim_round(*store_, {"srv_new", kLease, retention_ms}, {{}, 10, 10, now});
  }

  NanoUsd balance() { return store_->find_account(account_)->balance; }
};

TEST_F(TaskStoreTest, RunsAgainATaskThatWasNeverCharged) {
  left_by_dead_server(task("task_a", task_status::kInProgress));
  left_by_dead_server(task("task_b", task_status::kQueued));
  EXPECT_TRUE(round(kAfter - 1).runs.empty());  // its server might still be alive
  auto resumed = round(kAfter).runs;
  ASSERT_EQ(resumed.size(), 2u);
  for (const auto& r : resumed) {
    EXPECT_TRUE(r.claim.taken_over);
    EXPECT_EQ(r.claim.task.status, task_status::kQueued);
    EXPECT_NE(r.claim.task.body.find("secret input"), std::string::npos);  // kept: it runs again
  }
  EXPECT_EQ(store_->find_task("task_a")->status, task_status::kQueued);
  EXPECT_EQ(balance(), kFunds);
}

TEST_F(TaskStoreTest, RefundsAndFailsATaskChargedWithoutItsEnd) {
  TaskRecord t = task("task_c", task_status::kInProgress);
  t.callback_url = "https://example.com/hook";
  left_by_dead_server(t);
  charge("task_c", 250'000);
  ASSERT_EQ(balance(), kFunds - 250'000);

  auto resumed = round(kAfter, 60'000).runs;
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].claim.task.status, task_status::kFailed);
  EXPECT_EQ(resumed[0].claim.task.webhook, "pending");  // the callback still hears about it
  auto stored = store_->find_task("task_c");
  EXPECT_EQ(stored->status, task_status::kFailed);
  EXPECT_EQ(stored->http_status, 500);
  EXPECT_NE(stored->result.find("task_interrupted"), std::string::npos);
  EXPECT_EQ(stored->body.find("secret input"), std::string::npos);  // the input is gone
  EXPECT_GT(stored->expires_at, 0);
  EXPECT_EQ(balance(), kFunds);
  NanoUsd sum = 0;
  for (const auto& e : store_->ledger(account_))
    sum += e.amount;
  EXPECT_EQ(sum, balance());

  // That server dies too before the webhook: the next finds nothing more to refund, only the
  // webhook to send.
  auto again = round(kAfter + kLease, 60'000);
  EXPECT_TRUE(again.runs.empty());
  ASSERT_EQ(again.deliveries.size(), 1u);
  EXPECT_EQ(again.deliveries[0].task.id, "task_c");
  EXPECT_EQ(balance(), kFunds);
}

// `store copy` keeps no claims: a run in progress in the copy may have been charged.
TEST_F(TaskStoreTest, LooksUpTheChargesOfARunInProgressThatNoClaimHeld) {
  store_->insert_task(task("task_copied", task_status::kInProgress));
  charge("task_copied", 300);
  store_->insert_task(task("task_new", task_status::kQueued));
  auto resumed = round(kThen).runs;
  ASSERT_EQ(resumed.size(), 2u);
  EXPECT_EQ(resumed[0].claim.task.id, "task_copied");
  EXPECT_FALSE(resumed[0].claim.taken_over);
  EXPECT_EQ(resumed[0].claim.task.status, task_status::kFailed);
  EXPECT_EQ(resumed[1].claim.task.status, task_status::kQueued);
  EXPECT_EQ(balance(), kFunds);
}

TEST_F(TaskStoreTest, LeavesEndedTasksAloneExceptPendingWebhooks) {
  TaskRecord done = task("task_d", task_status::kCompleted);
  left_by_dead_server(done);
  TaskRecord notify = task("task_e", task_status::kCancelled);
  notify.callback_url = "https://example.com/hook";
  notify.webhook = "pending";
  left_by_dead_server(notify);
  charge("task_d", 100);
  auto resumed = round(kAfter);
  EXPECT_TRUE(resumed.runs.empty());
  ASSERT_EQ(resumed.deliveries.size(), 1u);
  EXPECT_EQ(resumed.deliveries[0].task.id, "task_e");
  EXPECT_EQ(resumed.deliveries[0].task.status, task_status::kCancelled);
  EXPECT_EQ(balance(), kFunds - 100);  // a finished task keeps its charge
}

TEST_F(TaskStoreTest, ARoundRenewsWhatItHoldsAndLearnsOfCancels) {
  store_->insert_claimed_task(task("task_f", task_status::kInProgress), "srv_new", kThen, kLease);
  store_->insert_claimed_task(task("task_g", task_status::kQueued), "srv_new", kThen, kLease);
  ASSERT_FALSE(claim_to_cancel(*store_, {"srv_other", kLease, 0}, "task_f", kThen + 1));
  ClaimRound r = claim_round(*store_, {"srv_new", kLease, 0},
                             {{"task_f", "task_g"}, 0, 0, kThen + kLease - 1});
  ASSERT_TRUE(r.renewal);
  EXPECT_EQ(r.renewal->held.size(), 2u);
  EXPECT_EQ(r.renewal->cancelled, (std::vector<std::string>{"task_f"}));
  // Renewed: nobody may take them where the first lease would have run out.
  EXPECT_TRUE(round(kAfter).runs.empty());
}

TEST_F(TaskStoreTest, ACancelOnAServerThatDoesNotHoldATaskClaimsItWhenNobodyDoes) {
  store_->insert_task(task("task_h", task_status::kQueued));
  auto claimed = claim_to_cancel(*store_, {"srv_b", kLease, 0}, "task_h", kThen);
  ASSERT_TRUE(claimed);
  EXPECT_TRUE(claimed->claim.cancel_requested);
  EXPECT_FALSE(claimed->key);  // it will not run: no key to read
  EXPECT_TRUE(round(kThen + 1).runs.empty());
}

TEST(OutputId, HasThePrefixAndIsUnique) {
  std::string a = output_id("chatcmpl-");
  std::string b = output_id("chatcmpl-");
  ASSERT_EQ(a.size(), 9u + 24u);
  ASSERT_EQ(a.rfind("chatcmpl-", 0), 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(output_id("").size(), 24u);
}

TEST_F(TaskStoreTest, OutputsRoundTripAndExpire) {
  StoredOutput o;
  o.id = output_id("chatcmpl-");
  o.account_id = account_;
  o.key_id = "key_1";
  o.surface = "openai";
  o.model = "glm-5";
  o.status = "completed";
  o.body = R"({"id":"chatcmpl-1"})";
  o.usage.prompt_tokens = 3;
  o.usage.completion_tokens = 5;
  o.cost = 42;
  o.created_at = 1000;
  o.expires_at = 5000;
  StoredOutput keep = o;
  keep.id = output_id("chatcmpl-");
  keep.expires_at = 0;  // never
  WriteBatch batch;
  batch.outputs = {o, keep};
  TaskRecord ended = task("task_f", task_status::kCompleted);
  ended.expires_at = 5000;
  batch.tasks = {ended};
  store_->commit(batch);

  auto found = store_->find_output(o.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->body, o.body);
  EXPECT_EQ(found->usage.completion_tokens, 5);
  EXPECT_EQ(found->cost, 42);
  EXPECT_FALSE(store_->delete_output(o.id, "acct_other"));  // not its owner
  EXPECT_TRUE(store_->find_output(o.id));
  EXPECT_FALSE(store_->find_output("chatcmpl-1"));

  EXPECT_EQ(store_->sweep_outputs(4999, 100) + store_->sweep_tasks(4999, 100), 0);
  EXPECT_EQ(store_->sweep_outputs(5001, 100) + store_->sweep_tasks(5001, 100),
            2);  // the output and the ended task
  EXPECT_FALSE(store_->find_output(o.id));
  EXPECT_FALSE(store_->find_task("task_f"));
  EXPECT_TRUE(store_->find_output(keep.id));
  EXPECT_TRUE(store_->delete_output(keep.id, account_));
  EXPECT_FALSE(store_->find_output(keep.id));
}

}  // namespace
}  // namespace glmgate
