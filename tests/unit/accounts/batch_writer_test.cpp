// The batching writer: a call's usage record and its charge always land in the same commit (a
// crash between two commits must never leave a charge without its record), everything queued is
// committed by stop(), and the writer idles at low CPU priority but is woken when overdue.
#include <gtest/gtest.h>

#include <sched.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <set>
#include <thread>

#include "accounts/batch_writer.hpp"
#include "store_fixture.hpp"

namespace glmgate {
namespace {

using BatchWriterTest = FundedStoreTest;

TEST_F(BatchWriterTest, CommitsAChargeInTheSameBatchAsItsUsageRecord) {
  BatchWriter writer(*store_, std::chrono::milliseconds(1));
  std::atomic<int> split{0};
  std::atomic<int> batches{0};
  writer.set_commit_listener([&](const WriteBatch& batch) {
    ++batches;
    std::set<std::string> recorded;
    for (const auto& call : batch.calls)
      recorded.insert(call.usage.request_id);
    for (const auto& call : batch.calls)
      if (call.charge && !recorded.count(call.charge->request_id)) ++split;
    for (const auto& c : batch.charges)
      if (!recorded.count(c.request_id)) ++split;
  });
  writer.start();
  constexpr int kThreads = 4;
  constexpr int kCalls = 3000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        UsageRecord u;
        u.request_id = "req_" + std::to_string(t) + "_" + std::to_string(i);
        u.account_id = account_;
        u.model = "m";
        u.status = 200;
        u.cost = 7;
        LedgerEntry charge;
        charge.account_id = account_;
        charge.kind = "charge";
        charge.amount = -7;
        charge.request_id = u.request_id;
        charge.origin = "srv_test";
        writer.record(std::move(u), std::move(charge));
      }
    });
  for (auto& t : threads)
    t.join();
  writer.stop();

  EXPECT_GT(batches.load(), 1);  // the writer committed while the threads were queueing
  EXPECT_EQ(split.load(), 0);
  EXPECT_EQ(store_->find_account(account_)->balance, kFunds - 7 * kThreads * kCalls);
  EXPECT_EQ(static_cast<int>(store_->ledger(account_).size()), 1 + kThreads * kCalls);
}

// A usage record names where its call's output waits; the name holds only within the queue the
// output went into, so a record arriving after that queue was committed names nothing.
TEST_F(BatchWriterTest, AUsageRecordNamesItsOutputOnlyInTheBatchThatHoldsIt) {
  BatchWriter writer(*store_, std::chrono::hours(1));  // commits only when flushed
  std::vector<WriteBatch> committed;
  writer.set_commit_listener([&](const WriteBatch& batch) { committed.push_back(batch); });
  auto call = [&](std::string n) {
    StoredOutput o;
    o.id = "chatcmpl-" + n;
    o.account_id = account_;
    UsageRecord u;
    u.request_id = "req_" + n;
    u.account_id = account_;
    u.output_id = o.id;
    return std::pair{u, o};
  };
  auto [u1, o1] = call("1");
  auto [u2, o2] = call("2");
  auto [u3, o3] = call("3");
  OutputSlot s2 = writer.keep(o2, std::nullopt);
  OutputSlot s1 = writer.keep(o1, std::nullopt);
  writer.record(u1, std::nullopt, s1);
  writer.record(u2, std::nullopt, s2);
  OutputSlot s3 = writer.keep(o3, std::nullopt);
  writer.flush();  // o3 is committed without its record
  writer.record(u3, std::nullopt, s3);
  writer.flush();

  ASSERT_EQ(committed.size(), 2u);
  const WriteBatch& first = committed[0];
  ASSERT_EQ(first.calls.size(), 2u);
  for (const auto& call : first.calls) {
    ASSERT_GE(call.output, 0) << call.usage.request_id;
    EXPECT_EQ(first.outputs[static_cast<std::size_t>(call.output)].id, call.usage.output_id);
  }
  ASSERT_EQ(committed[1].calls.size(), 1u);
  EXPECT_EQ(committed[1].calls[0].output, -1);
  EXPECT_TRUE(store_->find_output("chatcmpl-3"));
  EXPECT_TRUE(store_->find_output("chatcmpl-1"));
}

bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 400 && !done(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return done();
}

// The writer commits at idle priority; other load can starve such a thread indefinitely, so a
// request that finds it overdue puts it back to normal priority for a commit. Where the process
// may not leave idle priority (no CAP_SYS_NICE), the writer never enters it.
TEST_F(BatchWriterTest, IdlesWhileItKeepsUpAndIsWokenWhenOverdue) {
  BatchWriter writer(*store_, std::chrono::milliseconds(10));
  std::mutex mutex;
  std::condition_variable cv;
  bool hold = false;
  bool held = false;
  writer.set_commit_listener([&](const WriteBatch&) {
    std::unique_lock lock(mutex);
    if (!hold) return;
    held = true;
    cv.notify_all();
    cv.wait(lock, [&] { return !hold; });
  });
  writer.start();
  ASSERT_TRUE(eventually([&] { return writer.thread_id() != 0; }));
  const pid_t tid = writer.thread_id();
  auto policy = [tid] { return sched_getscheduler(tid); };

  bool may_idle = false;
  std::thread([&may_idle] {
    sched_param p{};
    may_idle =
        sched_setscheduler(0, SCHED_IDLE, &p) == 0 && sched_setscheduler(0, SCHED_OTHER, &p) == 0;
  }).join();
  if (!may_idle) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(policy(), SCHED_OTHER);
    return;
  }
  ASSERT_TRUE(eventually([&] { return policy() == SCHED_IDLE; }));

  auto one_record = [&] {
    UsageRecord u;
    u.request_id = "req_x";
    u.account_id = account_;
    writer.record(std::move(u), std::nullopt);
  };
  {
    std::lock_guard lock(mutex);
    hold = true;
  }
  one_record();
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return held; }));
  }
  // The writer is stuck in its commit, as a starved one would be: a record now finds it late.
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_EQ(policy(), SCHED_IDLE);
  one_record();
  EXPECT_EQ(policy(), SCHED_OTHER);
  {
    std::lock_guard lock(mutex);
    hold = false;
  }
  cv.notify_all();
  EXPECT_TRUE(eventually([&] { return policy() == SCHED_IDLE; }));  // caught up: idle again
  writer.stop();
}

// A request thread's record() must never grow the queue: growing moves every row queued so far
// while the other request threads wait on the lock (milliseconds at a few seconds of rows).
TEST_F(BatchWriterTest, GivesTheQueueRoomForTwiceTheLastBatch) {
  BatchWriter writer(*store_, std::chrono::hours(1));  // commits only when flushed here
  auto record = [&](int n) {
    for (int i = 0; i < n; ++i) {
      UsageRecord u;
      u.request_id = "req_" + std::to_string(i);
      u.account_id = account_;
      writer.record(std::move(u), std::nullopt);
    }
  };
  record(3000);
  writer.flush();
  const std::size_t room = writer.usage_room();
  EXPECT_GE(room, 6000u);
  record(5900);  // nearly twice the batch taken at the flush: no growth
  EXPECT_EQ(writer.usage_room(), room);
  writer.flush();  // twice 5,900 now
  EXPECT_GE(writer.usage_room(), 11800u);
  writer.flush();  // an empty batch after a large one: the room shrinks back, but not below 256
  EXPECT_GE(writer.usage_room(), 256u);
  EXPECT_LT(writer.usage_room(), 6000u);
  writer.stop();
}

// A store that cannot be written for a while: nothing is lost, and once the unwritten calls reach
// the bound the writer says it is full (the pipeline then answers 503), until a commit succeeds.
class AwayStore final : public BatchStore {
 public:
  explicit AwayStore(BatchStore& inner) : inner_(inner) {}
  void commit(const WriteBatch& batch) override {
    if (away) throw StoreUnavailable("connection refused");
    inner_.commit(batch);
  }
  bool away = true;

 private:
  BatchStore& inner_;
};

TEST_F(BatchWriterTest, KeepsCallsWhileTheStoreIsAwayAndSaysWhenFull) {
  AwayStore store(*store_);
  BatchWriter writer(store, std::chrono::milliseconds(1000), 5);
  auto call = [this, &writer](int i) {
    UsageRecord u;
    u.request_id = "req_" + std::to_string(i);
    u.account_id = account_;
    u.model = "m";
    u.status = 200;
    u.cost = 7;
    LedgerEntry charge{0, account_, "charge", -7, 0, u.request_id, "m", "srv_test", 0};
    writer.record(std::move(u), std::move(charge));
  };
  for (int i = 0; i < 4; ++i)
    call(i);
  writer.flush();
  EXPECT_FALSE(writer.full());  // 4 of 5 wait
  call(4);
  writer.flush();
  EXPECT_TRUE(writer.full());  // 5: new calls wait for room
  call(5);                     // one already served is kept all the same
  store.away = false;
  writer.flush();
  EXPECT_FALSE(writer.full());
  EXPECT_EQ(store_->usage({.account_id = account_, .limit = 100}).size(), 6u);
  EXPECT_EQ(store_->find_account(account_)->balance, kFunds - 6 * 7);
}

}  // namespace
}  // namespace glmgate
