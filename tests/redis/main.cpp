// The Redis tests' main: they need the Redis of scripts/with_redis.sh, and a run in which no test
// ran (a filter that matches nothing, a missing variable) fails rather than passing empty.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  const char* url = std::getenv("GLMGATE_TEST_REDIS_URL");
  if (!url || !*url) {
    std::fprintf(stderr, "GLMGATE_TEST_REDIS_URL is not set: run under scripts/with_redis.sh\n");
    return 1;
  }
  int status = RUN_ALL_TESTS();
  if (testing::UnitTest::GetInstance()->test_to_run_count() == 0) {
    std::fprintf(stderr, "no test ran: the filter matched none\n");
    return 1;
  }
  return status;
}
