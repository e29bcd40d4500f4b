// Request and output IDs: their shape (prefix, length, base62), uniqueness, and the time order of
// output IDs that keeps the store's ID index append-only.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>

#include "core/random.hpp"

namespace glmgate {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

TEST(FastId, HasThePrefixAndLengthAndOnlyBase62Characters) {
  std::set<char> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string id = fast_id("req_", 24);
    ASSERT_EQ(id.size(), 28u);
    ASSERT_EQ(id.substr(0, 4), "req_");
    for (char c : id.substr(4)) {
      ASSERT_NE(kBase62.find(c), std::string_view::npos) << id;
      seen.insert(c);
    }
  }
  EXPECT_EQ(seen.size(), kBase62.size()) << "every base62 character turns up in 48,000 draws";
}

TEST(FastId, DoesNotRepeatWithinOrAcrossThreads) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i)
    ASSERT_TRUE(ids.insert(fast_id("x", 24)).second);
  std::string other;
  std::thread([&other] { other = fast_id("x", 24); }).join();
  EXPECT_FALSE(ids.count(other)) << "a new thread seeds its own generator";
}

TEST(OutputId, SortsByCreation) {
  std::string previous = output_id("chatcmpl-");
  for (int i = 0; i < 1000; ++i) {
    std::string id = output_id("chatcmpl-");
    ASSERT_EQ(id.size(), previous.size());
    ASSERT_LT(previous.substr(0, 20), id.substr(0, 20)) << "time and counter part";
    previous = id;
  }
}

}  // namespace
}  // namespace glmgate
