// The pipeline's steps one at a time, on a Call over fake contracts: what each reads, fills in
// and answers, and that a contract's "refused", "unavailable" and "would wait" each lead where
// they should.
#include "gateway/steps.hpp"
#include "fakes.hpp"

namespace glmgate::testing {
namespace {

using Kind = StepEnd::Kind;

class StepsTest : public ::testing::Test {
 protected:
  // A call whose request is decoded and validated: ready for route and hold.
  std::unique_ptr<Call> validated(std::string body) {
    auto call = rig.call(exchange(std::move(body)));
    EXPECT_TRUE(steps::decode(*call).goes_on());
    EXPECT_TRUE(steps::validate(*call).goes_on());
    return call;
  }
  FakeExchange& exchange(std::string body) {
    exchanges.push_back(std::make_unique<FakeExchange>(PipelineRig::chat(std::move(body))));
    return *exchanges.back();
  }

  static constexpr const char* kAsk =
      R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
  PipelineRig rig;
  std::vector<std::unique_ptr<FakeExchange>> exchanges;
};

TEST_F(StepsTest, PauseStopsWith503OnlyWhilePaused) {
  auto call = rig.call(exchange(kAsk));
  EXPECT_TRUE(steps::pause(*call).goes_on());
  rig.pause.paused = true;
  StepEnd end = steps::pause(*call);
  ASSERT_EQ(end.kind, Kind::stop);
  EXPECT_EQ(end.error->status, 503);
}

TEST_F(StepsTest, LimitAdmitsAndKeepsTheLimiterHeaders) {
  auto call = rig.call(exchange(kAsk));
  EXPECT_TRUE(steps::limit(*call).goes_on());
  EXPECT_TRUE(call->admission.admitted);
  EXPECT_EQ(call->admission.limits.rpm, 60);  // the configured default
  ASSERT_EQ(call->extra_headers.size(), 1u);
  EXPECT_EQ(call->extra_headers[0].name, "x-ratelimit-limit-requests");
}

TEST_F(StepsTest, LimitTellsOverTheLimitApartFromUnreachable) {
  rig.limiter.script.answer = Admission::Kind::refused;
  auto over = rig.call(exchange(kAsk));
  StepEnd end = steps::limit(*over);
  ASSERT_EQ(end.kind, Kind::stop);
  EXPECT_EQ(end.error->status, 429);
  EXPECT_FALSE(over->admission.admitted);

  rig.limiter.script.answer = Admission::Kind::unavailable;
  auto down = rig.call(exchange(kAsk));
  end = steps::limit(*down);
  ASSERT_EQ(end.kind, Kind::stop);
  EXPECT_EQ(end.error->status, 503);
  EXPECT_FALSE(down->admission.admitted);
}

TEST_F(StepsTest, LimitWaitsOnlyWhenTheLimiterCannotAnswerAtOnce) {
  rig.limiter.script.answer = Admission::Kind::pending;
  auto call = rig.call(exchange(kAsk));
  EXPECT_EQ(steps::limit(*call).kind, Kind::wait);
  EXPECT_EQ(rig.limiter.awaited, 0);
  StepEnd end;
  run([&]() -> asio::awaitable<void> { end = co_await steps::limit_shared(*call); }());
  EXPECT_TRUE(end.goes_on());
  EXPECT_EQ(rig.limiter.awaited, 1);
  EXPECT_TRUE(call->admission.admitted);
}

TEST_F(StepsTest, ATaskIsNotAdmittedAgain) {
  auto call = rig.call(exchange(kAsk));
  TaskRun task;
  call->task = &task;
  EXPECT_TRUE(steps::limit(*call).goes_on());
  EXPECT_EQ(rig.limiter.asked, 0);
  EXPECT_TRUE(call->admission.admitted);  // its tokens still count
}

TEST_F(StepsTest, TakeSlotOnlyForACappedKey) {
  auto call = rig.call(exchange(kAsk));
  EXPECT_TRUE(steps::take_slot(*call).goes_on());
  EXPECT_EQ(rig.limiter.asked, 0);
  call->admission.slots = 2;
  EXPECT_TRUE(steps::take_slot(*call).goes_on());
  EXPECT_EQ(call->admission.limits.max_concurrency, 2);  // settle gives it back
  rig.limiter.script.answer = Admission::Kind::refused;
  call->admission.limits.max_concurrency = 0;
  EXPECT_EQ(steps::take_slot(*call).kind, Kind::stop);
  EXPECT_EQ(call->admission.limits.max_concurrency, 0);
}

TEST_F(StepsTest, DecodeRefusesABadBodyInTheSurfacesWords) {
  auto call = rig.call(exchange("{not json"));
  StepEnd end = steps::decode(*call);
  ASSERT_EQ(end.kind, Kind::stop);
  EXPECT_EQ(end.error->status, 400);
}

TEST_F(StepsTest, ValidateFindsTheModelAndCapsMaxTokens) {
  auto call =
      validated(R"({"model":"m","max_tokens":5000,"messages":[{"role":"user","content":"x"}]})");
  ASSERT_NE(call->model, nullptr);
  EXPECT_EQ(call->model->id, "m");
  EXPECT_EQ(call->record.provider, "fake");
  EXPECT_EQ(call->request.body.at("max_tokens").as_int64(), 100);
  auto defaulted = validated(kAsk);
  EXPECT_EQ(defaulted->request.body.at("max_tokens").as_int64(), 50);
}

TEST_F(StepsTest, ValidateRefusesUnknownModelsAndToolsTheModelLacks) {
  auto unknown =
      rig.call(exchange(R"({"model":"nope","messages":[{"role":"user","content":"x"}]})"));
  ASSERT_TRUE(steps::decode(*unknown).goes_on());
  StepEnd end = steps::validate(*unknown);
  ASSERT_EQ(end.kind, Kind::stop);
  EXPECT_EQ(end.error->code, "model_not_found");

  auto tools = rig.call(
      exchange(R"({"model":"plain","messages":[{"role":"user","content":"x"}],)"
               R"("tools":[{"type":"function","function":{"name":"f","parameters":{}}}]})"));
  ASSERT_TRUE(steps::decode(*tools).goes_on());
  end = steps::validate(*tools);
  ASSERT_EQ(end.kind, Kind::stop);
  EXPECT_EQ(end.error->code, "unsupported_parameter");
  EXPECT_EQ(end.error->param, "tools");
}

TEST_F(StepsTest, RouteTakesTheInjectedAdapterAndTriesAModelsOnlyDeploymentWhateverItsBreaker) {
  auto call = validated(kAsk);
  EXPECT_TRUE(steps::route(*call).goes_on());
  EXPECT_EQ(call->route.adapter, &rig.adapter());
  EXPECT_EQ(call->route.gate, nullptr);  // the provider has no cap
  ASSERT_EQ(call->route.plan.size(), 1u);
  EXPECT_EQ(call->route.plan[0].deployment->name, "m@fake");

  // An open breaker on the only deployment would turn the upstream's answers into 503s.
  rig.health.breaker = BreakerState::open;
  auto rested = validated(kAsk);
  EXPECT_TRUE(steps::route(*rested).goes_on());
}

TEST_F(StepsTest, RouteWithoutAnAdapterIs503NotACrash) {
  PipelineRig bare;
  bare.registry() = ProviderRegistry();
  FakeExchange ex(PipelineRig::chat(kAsk));
  auto call = bare.call(ex);
  ASSERT_TRUE(steps::decode(*call).goes_on());
  ASSERT_TRUE(steps::validate(*call).goes_on());
  StepEnd end = steps::route(*call);
  ASSERT_EQ(end.kind, Kind::stop);
  EXPECT_EQ(end.error->status, 503);
}

TEST_F(StepsTest, HoldReservesTheBoundAtTheModelsPrices) {
  auto call =
      validated(R"({"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_TRUE(steps::hold(*call).goes_on());
  EXPECT_TRUE(call->hold.held);
  // The prompt estimate (a third of the body's characters) at $1/M, 10 tokens at $2/M.
  std::int64_t prompt = estimate_tokens(call->exchange.request().body.size());
  EXPECT_EQ(call->request.prompt_estimate, prompt);
  EXPECT_EQ(rig.wallet.held_amount, prompt * 1000 + 10 * 2000);
  EXPECT_EQ(call->hold.reservation.amount, rig.wallet.held_amount);
}

TEST_F(StepsTest, HoldTellsInsufficientApartFromUnreachableAndWaitsOnlyWhenTold) {
  rig.wallet.script.answer = HoldDecision::Kind::refused;
  auto poor = validated(kAsk);
  StepEnd end = steps::hold(*poor);
  ASSERT_EQ(end.kind, Kind::stop);
  EXPECT_EQ(end.error->status, 402);
  EXPECT_FALSE(poor->hold.held);

  rig.wallet.script.answer = HoldDecision::Kind::unavailable;
  auto down = validated(kAsk);
  end = steps::hold(*down);
  ASSERT_EQ(end.kind, Kind::stop);
  EXPECT_EQ(end.error->status, 503);
  EXPECT_FALSE(down->hold.held);

  rig.wallet.script.answer = HoldDecision::Kind::pending;
  auto later = validated(kAsk);
  EXPECT_EQ(steps::hold(*later).kind, Kind::wait);
  run([&]() -> asio::awaitable<void> { end = co_await steps::hold_shared(*later); }());
  EXPECT_TRUE(end.goes_on());
  EXPECT_TRUE(later->hold.held);
  EXPECT_EQ(rig.wallet.awaited, 1);
}

TEST_F(StepsTest, ProviderSlotRefusedIs429WithRetryAfter) {
  auto call = validated(kAsk);
  StepEnd end = steps::provider_slot(*call, false);
  ASSERT_EQ(end.kind, Kind::stop);
  EXPECT_EQ(end.error->code, "provider_concurrency_limit");
  EXPECT_EQ(find_header(call->extra_headers, "retry-after"), "1");
  EXPECT_TRUE(steps::provider_slot(*call, true).goes_on());
  EXPECT_TRUE(call->route.gate_held);
}

TEST_F(StepsTest, SettleChargesWhatWasGeneratedOnceAndReleasesAFailure) {
  auto call = validated(kAsk);
  ASSERT_TRUE(steps::limit(*call).goes_on());
  ASSERT_TRUE(steps::hold(*call).goes_on());
  call->record.status = 200;
  call->upstream.usage = Usage{1000, 500, 0, 0, false};
  steps::settle(*call);
  steps::settle(*call);  // runs once
  EXPECT_EQ(rig.wallet.settled, 1);
  EXPECT_EQ(rig.wallet.charged, 1000 * 1000 + 500 * 2000);
  EXPECT_EQ(call->record.cost, rig.wallet.charged);
  ASSERT_TRUE(call->settled.charge);
  EXPECT_EQ(rig.limiter.released, 1);
  EXPECT_EQ(rig.limiter.counted_tokens, 1500);

  auto failed = validated(kAsk);
  ASSERT_TRUE(steps::hold(*failed).goes_on());
  failed->record.status = 502;
  steps::settle(*failed);
  EXPECT_EQ(rig.wallet.released, 1);
  EXPECT_EQ(rig.wallet.settled, 1);
  EXPECT_EQ(failed->record.cost, 0);
}

TEST_F(StepsTest, SettleChargesAClientThatLeftAnEstimate) {
  auto call = validated(kAsk);
  ASSERT_TRUE(steps::hold(*call).goes_on());
  call->upstream.opened = true;
  call->upstream.client_gone = true;
  call->upstream.generated_chars = 30;
  call->record.status = 499;
  steps::settle(*call);
  EXPECT_TRUE(call->record.usage.estimated);
  EXPECT_EQ(call->record.usage.completion_tokens, 10);
  EXPECT_EQ(call->record.usage.prompt_tokens, call->request.prompt_estimate);
  EXPECT_EQ(rig.wallet.settled, 1);
  EXPECT_GT(rig.wallet.charged, 0);
}

}  // namespace
}  // namespace glmgate::testing
