// TaskQueue: first in, first out within the concurrency; a task whose key is at its cap waits
// while other keys' tasks pass it, and is tried again; a cancelled task is dropped; the room it
// has for tasks claimed from the store.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <set>

#include "tasks/task_queue.hpp"

namespace glmgate {
namespace {

class TaskQueueTest : public ::testing::Test {
 protected:
  std::shared_ptr<LiveTask> task(std::string id, std::string key) {
    auto t = std::make_shared<LiveTask>();
    t->record.id = std::move(id);
    t->record.key_id = std::move(key);
    return t;
  }
  TaskQueue queue(std::size_t concurrency) {
    return TaskQueue(io, concurrency,
                     {[](const LiveTask& t) { return t.ended; },
                      [this](LiveTask& t) { return !capped.contains(t.record.key_id); },
                      [this](std::shared_ptr<LiveTask> t) { started.push_back(t->record.id); }});
  }

  boost::asio::io_context io;
  std::set<std::string> capped;
  std::vector<std::string> started;
};

TEST_F(TaskQueueTest, StartsInOrderWithinTheConcurrency) {
  TaskQueue q = queue(2);
  q.push(task("a", "k"));
  q.push(task("b", "k"));
  q.push(task("c", "k"));
  EXPECT_EQ(started, (std::vector<std::string>{"a", "b"}));
  q.finished();
  EXPECT_EQ(started, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(TaskQueueTest, AKeyAtItsCapWaitsWhileOthersPassAndIsTriedAgain) {
  TaskQueue q = queue(4);
  capped.insert("busy");
  q.push(task("a", "busy"));
  q.push(task("b", "free"));
  EXPECT_EQ(started, (std::vector<std::string>{"b"}));
  capped.clear();
  io.run_for(std::chrono::milliseconds(200));  // the retry timer
  EXPECT_EQ(started, (std::vector<std::string>{"b", "a"}));
}

TEST_F(TaskQueueTest, DropsATaskCancelledWhileItWaited) {
  TaskQueue q = queue(1);
  q.push(task("a", "k"));
  auto b = task("b", "k");
  q.push(b);
  q.push(task("c", "k"));
  b->ended = true;
  q.finished();
  EXPECT_EQ(started, (std::vector<std::string>{"a", "c"}));
}

// What a server claims from the store: free places to run, and while every waiting task's key is
// at its cap, as many again to wait, so that other keys' tasks can pass them.
TEST_F(TaskQueueTest, WantsAsManyMoreAsItCanRunOrLetWait) {
  TaskQueue q = queue(3);
  EXPECT_EQ(q.room(), 3u);
  q.push(task("a", "k"));
  EXPECT_EQ(q.room(), 2u);
  capped.insert("busy");
  q.push(task("b", "busy"));
  q.push(task("c", "busy"));
  EXPECT_EQ(q.room(), 1u);  // one runs, two wait: room for one more of another key
  q.push(task("d", "busy"));
  EXPECT_EQ(q.room(), 0u);
  q.push(task("e", "free"));
  EXPECT_EQ(started, (std::vector<std::string>{"a", "e"}));
  EXPECT_EQ(q.room(), 0u);
}

}  // namespace
}  // namespace glmgate
