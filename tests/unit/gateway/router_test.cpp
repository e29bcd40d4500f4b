// The router's order of a model's deployments: weighted draws in proportion to the weights
// (weight 0 last), least busy first, fastest first token first; and pool keys passed over while
// the board has them set aside.
#include "gateway/router.hpp"

#include <gtest/gtest.h>

#include "limits/local_health_board.hpp"

namespace glmgate {
namespace {

Config three(const std::string& routing) {
  Config c;
  for (const char* name : {"p", "q", "r"}) {
    ProviderConfig p;
    p.name = name;
    c.providers.push_back(p);
  }
  ModelConfig m;
  m.id = "m";
  m.provider = "p";
  m.routing = routing;
  m.deployments = {{"p", "up-p", 3}, {"q", "up-q", 1}, {"r", "up-r", 0}};
  c.models = {m};
  return c;
}

TEST(Router, WeightedDrawsFollowTheWeightsAndWeightZeroComesLast) {
  Config config = three("weighted");
  Catalog catalog(config);
  const ModelConfig& m = *catalog.find("m");
  std::map<std::string, int> first;
  for (int i = 0; i < 4000; ++i) {
    auto order = order_deployments(catalog, m);
    ASSERT_EQ(order.size(), 3u);
    EXPECT_EQ(order[2]->model.provider, "r");
    ++first[order[0]->model.provider];
  }
  // 3:1, within a generous margin.
  EXPECT_GT(first["p"], 2700);
  EXPECT_LT(first["p"], 3300);
  EXPECT_EQ(first["p"] + first["q"], 4000);
}

TEST(Router, LeastBusyAndLowestLatencyOrderByTheirCounters) {
  Config busy = three("least_busy");
  Catalog c1(busy);
  auto d1 = c1.deployments(*c1.find("m"));
  d1[0]->in_flight = 5;
  d1[1]->in_flight = 2;
  d1[2]->in_flight = 9;
  auto order = order_deployments(c1, *c1.find("m"));
  EXPECT_EQ(order[0]->model.provider, "q");
  EXPECT_EQ(order[1]->model.provider, "p");
  EXPECT_EQ(order[0]->name, "m@q");

  Config fast = three("lowest_latency");
  Catalog c2(fast);
  auto d2 = c2.deployments(*c2.find("m"));
  d2[0]->first_token_us = 900;
  d2[1]->first_token_us = 300;
  d2[2]->first_token_us = 0;  // never measured: tried first, so that it gets measured
  order = order_deployments(c2, *c2.find("m"));
  EXPECT_EQ(order[0]->model.provider, "r");
  EXPECT_EQ(order[1]->model.provider, "q");
  EXPECT_EQ(order[2]->model.provider, "p");
}

TEST(Router, PoolKeysSetAsideArePassedOverAndNoneIsLeftWhenAllAre) {
  LocalHealthBoard board;
  std::string name;
  EXPECT_EQ(pick_key(board, "solo", 1, name), 0u);
  EXPECT_TRUE(name.empty()) << "a provider of one key has no key on the board";
  board.set_aside(key_name("pool", 0), std::chrono::seconds(60));
  for (int i = 0; i < 6; ++i) {
    auto k = pick_key(board, "pool", 3, name);
    ASSERT_TRUE(k);
    EXPECT_NE(*k, 0u);
    EXPECT_EQ(name, key_name("pool", *k));
  }
  board.set_aside(key_name("pool", 1), std::chrono::seconds(60));
  board.set_aside(key_name("pool", 2), std::chrono::seconds(60));
  EXPECT_FALSE(pick_key(board, "pool", 3, name));
}

TEST(LocalHealthBoard, OpensOnARatioSetsAsideAndReportsFigures) {
  std::int64_t now = 1'000'000;
  LocalHealthBoard board(BreakerOptions{10'000, 4, 0.5, 1'000, 4'000, 1}, [&] { return now; });
  board.record("d", CallOutcome{502, true, std::chrono::microseconds(100), {}});
  board.note_error("d", "Upstream d returned HTTP 502");
  EXPECT_TRUE(board.admit("d")) << "one error opens nothing";
  board.record(
      "d", CallOutcome{200, false, std::chrono::microseconds(300), std::chrono::microseconds(50)});
  board.record("d", CallOutcome{502, true, {}, {}});
  board.record("d", CallOutcome{502, true, {}, {}});
  EXPECT_EQ(board.state("d"), BreakerState::open);
  EXPECT_FALSE(board.admit("d"));
  now += 1'001;
  EXPECT_TRUE(board.admit("d")) << "a probe after the cooldown";
  EXPECT_FALSE(board.admit("d")) << "one probe at a time";
  board.record("d", CallOutcome{200, false, {}, {}});
  EXPECT_EQ(board.state("d"), BreakerState::closed);

  board.set_aside("k", std::chrono::milliseconds(500));
  EXPECT_FALSE(board.admit("k"));
  now += 501;
  EXPECT_TRUE(board.admit("k"));

  auto figures = board.figures();
  ASSERT_EQ(figures.size(), 2u);
  EXPECT_EQ(figures[0].name, "d");
  EXPECT_EQ(figures[0].last_error, "Upstream d returned HTTP 502");
  EXPECT_EQ(figures[0].p50_first_token_us, 50);
}

}  // namespace
}  // namespace glmgate
