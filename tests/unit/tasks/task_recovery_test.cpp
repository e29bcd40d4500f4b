// Recovery after a crash, against a real SQLite store: a task whose run was never charged is
// queued again; one whose charge committed without its end is refunded (balance back to what it
// was, the ledger still summing to it) and failed; an ended task with a pending webhook is handed
// back for delivery; ended tasks are left alone. Also the outputs table and the expiry sweep.
#include <gtest/gtest.h>

#include <filesystem>

#include "accounts/account_service.hpp"
#include "core/random.hpp"
#include "store_fixture.hpp"
#include "tasks/task_record.hpp"
#include "tasks/task_recovery.hpp"

namespace glmgate {
namespace {

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

  NanoUsd balance() { return store_->find_account(account_)->balance; }
};

TEST_F(TaskStoreTest, RunsAgainATaskThatWasNeverCharged) {
  store_->insert_task(task("task_a", task_status::kInProgress));
  store_->insert_task(task("task_b", task_status::kQueued));
  auto resumed = recover_tasks(*store_, *store_, 0);
  ASSERT_EQ(resumed.size(), 2u);
  for (const auto& t : resumed) {
    EXPECT_EQ(t.status, task_status::kQueued);
    EXPECT_NE(t.body.find("secret input"), std::string::npos);  // kept: it runs again
  }
  EXPECT_EQ(store_->find_task("task_a")->status, task_status::kQueued);
  EXPECT_EQ(balance(), kFunds);
}

TEST_F(TaskStoreTest, RefundsAndFailsATaskChargedWithoutItsEnd) {
  TaskRecord t = task("task_c", task_status::kInProgress);
  t.callback_url = "https://example.com/hook";
  store_->insert_task(t);
  charge("task_c", 250'000);
  ASSERT_EQ(balance(), kFunds - 250'000);

  auto resumed = recover_tasks(*store_, *store_, 60'000);
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].status, task_status::kFailed);
  EXPECT_EQ(resumed[0].webhook, "pending");  // the callback still hears about it
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

  // A second recovery finds nothing more to do: the refund happens once.
  EXPECT_TRUE(recover_tasks(*store_, *store_, 60'000).size() == 1);  // still pending its webhook
  EXPECT_EQ(balance(), kFunds);
}

TEST_F(TaskStoreTest, LeavesEndedTasksAloneExceptPendingWebhooks) {
  TaskRecord done = task("task_d", task_status::kCompleted);
  store_->insert_task(done);
  TaskRecord notify = task("task_e", task_status::kCancelled);
  notify.callback_url = "https://example.com/hook";
  notify.webhook = "pending";
  store_->insert_task(notify);
  charge("task_d", 100);
  auto resumed = recover_tasks(*store_, *store_, 0);
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].id, "task_e");
  EXPECT_EQ(resumed[0].status, task_status::kCancelled);
  EXPECT_EQ(balance(), kFunds - 100);  // a finished task keeps its charge
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
