// The TaskStore contract (contracts/store/task_store.hpp), for every backend: a task is kept as
// given and replaced by ID; the open ones are the queued, the running and the ended with a pending
// webhook, oldest first; the sweep deletes only ended tasks that expired and owe no webhook.
#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

using TaskStoreContract = StoreContractTest;
GLMGATE_STORE_CONTRACT(TaskStoreContract);

TEST_P(TaskStoreContract, KeepsAndReplacesATaskByItsId) {
  TaskStore& tasks = *store_;
  TaskRecord t = task_record("task_1", "acct_a", task_status::kQueued);
  t.callback_url = "https://example.com/hook";
  tasks.insert_task(t);
  auto found = tasks.find_task("task_1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->body, t.body);
  EXPECT_EQ(found->callback_url, t.callback_url);
  t.status = std::string(task_status::kCompleted);
  t.http_status = 200;
  t.result = R"({"ok":true})";
  t.output_id = "chatcmpl-1";
  t.webhook = "pending";
  t.updated_at = 2000;
  t.expires_at = 9000;
  tasks.insert_task(t);
  found = tasks.find_task("task_1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->status, "completed");
  EXPECT_EQ(found->http_status, 200);
  EXPECT_EQ(found->result, t.result);
  EXPECT_EQ(found->output_id, "chatcmpl-1");
  EXPECT_EQ(found->updated_at, 2000);
  EXPECT_EQ(found->expires_at, 9000);
  EXPECT_FALSE(tasks.find_task("task_none"));
}

TEST_P(TaskStoreContract, ListsOpenTasksAndSweepsOnlyEndedExpiredOnesThatOweNoWebhook) {
  TaskStore& tasks = *store_;
  auto add = [&](std::string id, std::string_view status, std::int64_t created, std::string webhook,
                 std::int64_t expires) {
    TaskRecord t = task_record(id, "acct_a", status);
    t.created_at = created;
    t.webhook = std::move(webhook);
    t.expires_at = expires;
    tasks.insert_task(t);
  };
  add("task_running", task_status::kInProgress, 3, "", 1);  // expired, but running
  add("task_queued", task_status::kQueued, 2, "", 0);
  add("task_notify", task_status::kFailed, 1, "pending", 1);  // expired, owes its webhook
  add("task_done", task_status::kCompleted, 4, "delivered", 1);
  add("task_kept", task_status::kCancelled, 5, "", 0);  // never expires
  auto open = tasks.open_tasks();
  ASSERT_EQ(open.size(), 3u);
  EXPECT_EQ(open[0].id, "task_notify");  // oldest first
  EXPECT_EQ(open[1].id, "task_queued");
  EXPECT_EQ(open[2].id, "task_running");
  EXPECT_EQ(tasks.sweep_tasks(0, 100), 0);
  EXPECT_EQ(tasks.sweep_tasks(10, 100), 1);
  EXPECT_EQ(tasks.sweep_tasks(10, 100), 0);
  EXPECT_FALSE(tasks.find_task("task_done"));
  for (const char* id : {"task_running", "task_queued", "task_notify", "task_kept"})
    EXPECT_TRUE(tasks.find_task(id)) << id;
}

}  // namespace
}  // namespace glmgate
