// Request and output IDs: their shape (prefix, length, base62), uniqueness, and that nothing in
// them counts: consecutive IDs share no characters beyond chance (an output ID's second aside).
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <set>
#include <string>
#include <thread>
#include <vector>

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
  EXPECT_FALSE(ids.count(other)) << "a new thread draws its own bytes";
}

// The old IDs began with milliseconds and a global counter: consecutive ones shared their first
// characters and always sorted in order, which told a client how many calls others made between
// two of its own. Now they begin with the second (which the answer's `created` shows anyway) and
// the rest is random: IDs of one second neither share their next characters nor sort in order.
TEST(OutputId, CarriesTheSecondButNoCounter) {
  constexpr int kIds = 2000;
  const std::int64_t before = std::time(nullptr);
  std::vector<std::string> ids;
  for (int i = 0; i < kIds; ++i)
    ids.push_back(output_id("chatcmpl-"));
  const std::int64_t after = std::time(nullptr);
  auto second_of = [](const std::string& id) {
    std::int64_t n = 0;
    for (char c : id.substr(9, 6))
      n = n * 62 + static_cast<std::int64_t>(kBase62.find(c));
    return n;
  };
  int same_first = 0, same_three = 0, ascending = 0, pairs = 0;
  for (int i = 0; i < kIds; ++i) {
    ASSERT_EQ(ids[i].size(), 9u + 24u);
    for (char c : ids[i].substr(9))
      ASSERT_NE(kBase62.find(c), std::string_view::npos) << ids[i];
    const std::int64_t second = second_of(ids[i]);
    ASSERT_GE(second, before);
    ASSERT_LE(second, after);
    if (i == 0 || second_of(ids[i - 1]) != second) continue;
    const std::string a = ids[i - 1].substr(15), b = ids[i].substr(15);
    ++pairs;
    same_first += a[0] == b[0];
    same_three += a.substr(0, 3) == b.substr(0, 3);
    ascending += a < b;
  }
  // By chance: 1 in 62 pairs share the first random character, 1 in 238,328 the first three, and
  // half are in ascending order.
  ASSERT_GT(pairs, kIds / 2);
  EXPECT_LT(same_first, pairs / 20);
  EXPECT_LE(same_three, 2);
  EXPECT_GT(ascending, pairs * 4 / 10);
  EXPECT_LT(ascending, pairs * 6 / 10);
}

TEST(OutputId, SortsByTheSecondItWasMadeIn) {
  EXPECT_LT(std::string("000001"), std::string("00000A"));  // base62 digits sort as ASCII does
  std::string a = output_id("resp_");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  std::string b = output_id("resp_");
  EXPECT_LT(a.substr(0, 11), b.substr(0, 11));
}

TEST(OutputId, TellsTheSecondItWasMadeIn) {
  const std::int64_t before = std::time(nullptr);
  for (const char* prefix : {"resp_", "chatcmpl-", "msg_", ""}) {
    auto second = output_id_second(output_id(prefix));
    ASSERT_TRUE(second) << prefix;
    EXPECT_GE(*second, before);
    EXPECT_LE(*second, std::time(nullptr));
  }
  EXPECT_FALSE(output_id_second("resp_short"));
  EXPECT_FALSE(output_id_second("resp_!!!!!!abcdefghijklmnopqr"));  // not base62
}

TEST(FastId, DrawsEachPositionUniformly) {
  // Every position takes every character: no position is fixed or drawn from a smaller set.
  std::vector<std::set<char>> seen(24);
  for (int i = 0; i < 4000; ++i) {
    std::string id = fast_id("", 24);
    for (std::size_t p = 0; p < id.size(); ++p)
      seen[p].insert(id[p]);
  }
  for (const auto& s : seen)
    EXPECT_EQ(s.size(), kBase62.size());
}

}  // namespace
}  // namespace glmgate
