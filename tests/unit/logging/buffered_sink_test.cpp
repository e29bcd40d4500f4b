// BufferedSink: every line logged from any thread comes out whole and in its thread's order; a
// line does not reach the descriptor on the logging thread but at the writer's interval, or at
// once for an error; a full buffer drops lines and says so.
#include "logging/buffered_sink.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <map>
#include <sstream>
#include <thread>

namespace glmgate {
namespace {

using namespace std::chrono_literals;

// A pipe whose read end the test drains.
class Pipe {
 public:
  Pipe() {
    EXPECT_EQ(::pipe(fds_), 0);
    ::fcntl(fds_[0], F_SETFL, O_NONBLOCK);
    ::fcntl(fds_[0], F_SETPIPE_SZ, 1 << 20);
  }
  ~Pipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int write_end() const { return fds_[1]; }
  // What has arrived, waiting up to `wait` for the first byte.
  std::string read(std::chrono::milliseconds wait = 0ms) {
    pollfd p{fds_[0], POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(wait.count()));
    std::string out;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fds_[0], buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fds_[2];
};

std::shared_ptr<spdlog::logger> logger_on(std::shared_ptr<BufferedSink> sink) {
  auto logger = std::make_shared<spdlog::logger>("test", std::move(sink));
  logger->set_pattern("%v");
  return logger;
}

TEST(BufferedSink, WritesEveryLineOfEveryThreadInItsOrder) {
  Pipe pipe;
  auto sink = std::make_shared<BufferedSink>(pipe.write_end(), 5ms);
  auto logger = logger_on(sink);
  constexpr int kThreads = 4, kLines = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i)
        logger->info("t{} {}", t, i);
    });
  std::string out;
  for (auto& th : threads)
    th.join();
  sink->flush();
  out += pipe.read();
  std::map<int, int> next;  // per thread, the line expected next
  std::istringstream lines(out);
  std::string line;
  int total = 0;
  while (std::getline(lines, line)) {
    int t = 0, i = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "t%d %d", &t, &i), 2) << line;
    EXPECT_EQ(i, next[t]) << "thread " << t;
    next[t] = i + 1;
    ++total;
  }
  EXPECT_EQ(total, kThreads * kLines);
  EXPECT_EQ(sink->dropped(), 0u);
}

TEST(BufferedSink, PutsTheLinesOfAllThreadsInTimeOrder) {
  Pipe pipe;
  auto sink = std::make_shared<BufferedSink>(pipe.write_end(), 60s);
  auto logger = logger_on(sink);
  auto on_new_thread = [&](const char* text) {
    std::thread([&] { logger->info(text); }).join();
    std::this_thread::sleep_for(2ms);
  };
  logger->info("1");
  std::this_thread::sleep_for(2ms);
  on_new_thread("2");
  logger->info("3");
  std::this_thread::sleep_for(2ms);
  on_new_thread("4");
  logger->info("5");
  sink->flush();
  EXPECT_EQ(pipe.read(), "1\n2\n3\n4\n5\n");
}

TEST(BufferedSink, KeepsInfoLinesForTheIntervalButWritesAnErrorAtOnce) {
  Pipe pipe;
  auto sink = std::make_shared<BufferedSink>(pipe.write_end(), 60s);
  auto logger = logger_on(sink);
  logger->info("quiet");
  EXPECT_EQ(pipe.read(200ms), "");  // nothing on the logging thread's account
  logger->error("loud");
  EXPECT_EQ(pipe.read(2000ms), "quiet\nloud\n");
}

TEST(BufferedSink, DropsLinesOverItsBufferAndSaysHowMany) {
  Pipe pipe;
  auto sink = std::make_shared<BufferedSink>(pipe.write_end(), 60s, 100);
  auto logger = logger_on(sink);
  for (int i = 0; i < 50; ++i)
    logger->info("line {:04}", i);  // 10 bytes each: 10 fit
  EXPECT_EQ(sink->dropped(), 40u);
  sink->flush();
  std::string out = pipe.read();
  EXPECT_EQ(out.find("line 0010"), std::string::npos);
  EXPECT_NE(out.find("line 0009"), std::string::npos);
  EXPECT_NE(out.find("40 log lines were dropped"), std::string::npos) << out;
}

TEST(BufferedSink, WritesWhatIsLeftWhenDestroyed) {
  Pipe pipe;
  {
    auto sink = std::make_shared<BufferedSink>(pipe.write_end(), 60s);
    logger_on(sink)->info("last words");
  }
  EXPECT_EQ(pipe.read(), "last words\n");
}

}  // namespace
}  // namespace glmgate
