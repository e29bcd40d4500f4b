// The access log: a request's line, formatted by hand, reads as spdlog's default pattern prints
// it, goes through the installed sink's buffer, and is left out below the info level.
#include "logging/access_log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <regex>

#include "logging/buffered_sink.hpp"

namespace glmgate {
namespace {

using namespace std::chrono_literals;

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  return out;
}

class AccessLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::pipe(fds_), 0);
    ::fcntl(fds_[0], F_SETFL, O_NONBLOCK);
    sink_ = std::make_shared<BufferedSink>(fds_[1], 60s);
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("glmgate", sink_));
    install_access_log(sink_.get());
  }
  void TearDown() override {
    install_access_log(nullptr);
    spdlog::set_default_logger(previous_);
    sink_.reset();
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int fds_[2];
  std::shared_ptr<BufferedSink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(AccessLogTest, WritesOneLineInSpdlogsShape) {
  spdlog::set_level(spdlog::level::info);
  log_access({"req_abc", "POST", "/v1/chat/completions", 200, 5678us});
  spdlog::info("req_def GET /healthz 200 0.1ms");  // what spdlog itself prints, for comparison
  sink_->flush();
  std::string out = read_all(fds_[0]);
  const std::regex line(R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[glmgate\] \[info\] (.*)\n)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, line)) << out;
  EXPECT_EQ(m[1], "req_abc POST /v1/chat/completions 200 5.6ms");
  std::string rest = m.suffix();
  ASSERT_TRUE(std::regex_match(rest, m, line)) << rest;
  EXPECT_EQ(m[1], "req_def GET /healthz 200 0.1ms");
}

TEST_F(AccessLogTest, IsLeftOutBelowInfo) {
  spdlog::set_level(spdlog::level::warn);
  log_access({"req_abc", "POST", "/v1/chat/completions", 200, 10us});
  sink_->flush();
  EXPECT_EQ(read_all(fds_[0]), "");
  spdlog::set_level(spdlog::level::info);
}

}  // namespace
}  // namespace glmgate
