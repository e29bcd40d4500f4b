// The whole pipeline over fake contracts, an injected fake adapter and an exchange without a
// socket: what the client gets, what the wallet, limiter, health board and usage sink are asked,
// and that a refusal at any step charges nothing and never reaches the upstream.
#include <boost/json/parse.hpp>

#include "fakes.hpp"

namespace glmgate::testing {
namespace {

constexpr const char* kAsk = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
constexpr const char* kStream =
    R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})";

json::object body_of(const FakeExchange& ex) {
  return json::parse(ex.response()->body).as_object();
}

class PipelineTest : public ::testing::Test {
 protected:
  // Every refused request: its status to the client, one usage record of it, nothing charged,
  // and the upstream never called.
  void expect_refused(FakeExchange& ex, int status) {
    ASSERT_TRUE(ex.response());
    EXPECT_EQ(ex.response()->status, status);
    ASSERT_EQ(rig.usage.records.size(), 1u);
    EXPECT_EQ(rig.usage.records[0].status, status);
    EXPECT_EQ(rig.usage.records[0].cost, 0);
    EXPECT_FALSE(rig.usage.charges[0]);
    EXPECT_EQ(rig.wallet.settled, 0);
    EXPECT_EQ(rig.adapter().calls, 0);
  }

  PipelineRig rig;
};

TEST_F(PipelineTest, AnswersThroughTheInjectedAdapterAndSettlesBeforeTheAnswer) {
  FakeExchange ex(PipelineRig::chat(kAsk));
  int settled_when_answered = -1;
  ex.on_answer = [&] { settled_when_answered = rig.wallet.settled; };
  rig.generate(ex);
  ASSERT_TRUE(ex.response());
  EXPECT_EQ(ex.response()->status, 200);
  json::object answer = body_of(ex);
  EXPECT_EQ(answer.at("model").as_string(), "m");  // the public ID, not the upstream's
  EXPECT_TRUE(answer.at("id").as_string().starts_with("chatcmpl-"));
  EXPECT_EQ(settled_when_answered, 1);  // the client's next request sees the charge
  EXPECT_EQ(rig.adapter().calls, 1);
  EXPECT_EQ(rig.adapter().last_request.at("max_tokens").as_int64(), 50);
  EXPECT_EQ(find_header(ex.response()->headers, "x-ratelimit-limit-requests"), "60");

  ASSERT_EQ(rig.usage.records.size(), 1u);
  const UsageRecord& record = rig.usage.records[0];
  EXPECT_EQ(record.status, 200);
  EXPECT_EQ(record.model, "m");
  EXPECT_EQ(record.key_id, "key_t");
  EXPECT_EQ(record.usage.prompt_tokens, 10);
  EXPECT_EQ(record.cost, 10 * 1000 + 5 * 2000);
  EXPECT_EQ(rig.wallet.charged, record.cost);
  ASSERT_TRUE(rig.usage.charges[0]);
  EXPECT_EQ(rig.limiter.released, 1);
  EXPECT_EQ(rig.limiter.counted_tokens, 15);
  ASSERT_EQ(rig.health.outcomes.size(), 1u);
  EXPECT_EQ(rig.health.outcomes[0].first, "m@fake");  // the model's one deployment
  EXPECT_EQ(rig.health.outcomes[0].second.status, 200);
  EXPECT_FALSE(rig.health.outcomes[0].second.upstream_fault);
  ASSERT_EQ(rig.outputs.kept.size(), 1u);
  EXPECT_EQ(rig.outputs.kept[0].id, answer.at("id").as_string());
}

TEST_F(PipelineTest, StreamsChunksAndChargesAtTheEnd) {
  FakeExchange ex(PipelineRig::chat(kStream));
  int settled_at_end = -1;
  ex.on_answer = [&] { settled_at_end = rig.wallet.settled; };
  rig.generate(ex);
  EXPECT_EQ(ex.stream_status, 200);
  EXPECT_NE(ex.streamed.find(R"("content":"Hel")"), std::string::npos);
  EXPECT_NE(ex.streamed.find(R"("model":"m")"), std::string::npos);
  EXPECT_NE(ex.streamed.find("data: [DONE]"), std::string::npos);
  EXPECT_TRUE(ex.ended);
  EXPECT_EQ(settled_at_end, 1);
  ASSERT_EQ(rig.usage.records.size(), 1u);
  EXPECT_EQ(rig.usage.records[0].status, 200);
  EXPECT_TRUE(rig.usage.records[0].stream);
  EXPECT_EQ(rig.usage.records[0].cost, 10 * 1000 + 5 * 2000);
  ASSERT_EQ(rig.outputs.kept.size(), 1u);
  EXPECT_EQ(rig.outputs.kept[0].status, "completed");
}

TEST_F(PipelineTest, AClientLeavingMidStreamPaysForWhatWasGenerated) {
  rig.adapter().script.chunks.pop_back();  // no usage: an estimate is charged
  FakeExchange ex(PipelineRig::chat(kStream));
  ex.leave_after_writes = 1;
  rig.generate(ex);
  EXPECT_GE(rig.adapter().aborted, 1);  // the upstream call is stopped
  ASSERT_EQ(rig.usage.records.size(), 1u);
  const UsageRecord& record = rig.usage.records[0];
  EXPECT_EQ(record.status, 499);
  EXPECT_TRUE(record.usage.estimated);
  // "Hel" reached the client, "lo" was generated but not delivered: 5 characters, 2 tokens.
  EXPECT_EQ(record.usage.completion_tokens, 2);
  EXPECT_GT(record.cost, 0);
  EXPECT_EQ(rig.wallet.settled, 1);
  EXPECT_FALSE(rig.health.outcomes.at(0).second.upstream_fault);
}

TEST_F(PipelineTest, AnUpstreamFailureReleasesTheHoldAndTellsTheHealthBoard) {
  rig.adapter().script.open_error = ApiError::upstream("The upstream is down.");
  FakeExchange ex(PipelineRig::chat(kAsk));
  rig.generate(ex);
  ASSERT_TRUE(ex.response());
  EXPECT_EQ(ex.response()->status, 502);
  EXPECT_EQ(rig.wallet.settled, 0);
  EXPECT_EQ(rig.wallet.released, 1);
  EXPECT_EQ(rig.usage.records.at(0).cost, 0);
  ASSERT_EQ(rig.health.outcomes.size(), 1u);
  EXPECT_EQ(rig.health.outcomes[0].second.status, 502);
  EXPECT_TRUE(rig.health.outcomes[0].second.upstream_fault);
}

TEST_F(PipelineTest, AnUnknownKeyIs401AndRecordsNothing) {
  FakeExchange ex(PipelineRig::chat(kAsk, "sk-glm-nope"));
  rig.generate(ex);
  ASSERT_TRUE(ex.response());
  EXPECT_EQ(ex.response()->status, 401);
  EXPECT_TRUE(rig.usage.records.empty());
  EXPECT_EQ(rig.limiter.asked, 0);
}

TEST_F(PipelineTest, PausedIs503BeforeTheLimiterIsAsked) {
  rig.pause.paused = true;
  FakeExchange ex(PipelineRig::chat(kAsk));
  rig.generate(ex);
  expect_refused(ex, 503);
  EXPECT_EQ(rig.limiter.asked, 0);
}

TEST_F(PipelineTest, OverTheLimitIs429WithItsHeadersAndHoldsNothing) {
  rig.limiter.script.answer = Admission::Kind::refused;
  FakeExchange ex(PipelineRig::chat(kAsk));
  rig.generate(ex);
  expect_refused(ex, 429);
  EXPECT_EQ(find_header(ex.response()->headers, "x-ratelimit-limit-requests"), "60");
  EXPECT_EQ(rig.wallet.asked, 0);
  EXPECT_EQ(rig.limiter.released, 0);
}

TEST_F(PipelineTest, AnUnreachableLimiterIs503NotA500) {
  rig.limiter.script.answer = Admission::Kind::unavailable;
  FakeExchange ex(PipelineRig::chat(kAsk));
  rig.generate(ex);
  expect_refused(ex, 503);
  EXPECT_EQ(body_of(ex).at("error").at("code").as_string(), "service_unavailable");
  EXPECT_EQ(rig.wallet.asked, 0);
}

TEST_F(PipelineTest, AnUnreachableWalletIs503AndChargesNothing) {
  rig.wallet.script.answer = HoldDecision::Kind::unavailable;
  FakeExchange ex(PipelineRig::chat(kAsk));
  rig.generate(ex);
  expect_refused(ex, 503);
  EXPECT_EQ(rig.wallet.released, 0);   // nothing was held
  EXPECT_EQ(rig.limiter.released, 1);  // the admission is given back
}

TEST_F(PipelineTest, InsufficientCreditIs402) {
  rig.wallet.script.answer = HoldDecision::Kind::refused;
  FakeExchange ex(PipelineRig::chat(kAsk));
  rig.generate(ex);
  expect_refused(ex, 402);
  EXPECT_EQ(body_of(ex).at("error").at("code").as_string(), "insufficient_quota");
}

TEST_F(PipelineTest, AwaitsSharedBackendsOnlyWhenTheyCannotAnswerAtOnce) {
  FakeExchange now(PipelineRig::chat(kAsk));
  rig.generate(now);
  EXPECT_EQ(rig.limiter.awaited + rig.wallet.awaited, 0);

  rig.limiter.script.answer = Admission::Kind::pending;
  rig.wallet.script.answer = HoldDecision::Kind::pending;
  FakeExchange later(PipelineRig::chat(kAsk));
  rig.generate(later);
  EXPECT_EQ(later.response()->status, 200);
  EXPECT_EQ(rig.limiter.awaited, 1);
  EXPECT_EQ(rig.wallet.awaited, 1);
  EXPECT_EQ(rig.wallet.settled, 2);
}

TEST_F(PipelineTest, ASharedBackendThatTurnsUnreachableWhileAskedIs503) {
  rig.wallet.script.answer = HoldDecision::Kind::pending;
  rig.wallet.script.after_wait = HoldDecision::Kind::unavailable;
  FakeExchange ex(PipelineRig::chat(kAsk));
  rig.generate(ex);
  expect_refused(ex, 503);
  EXPECT_EQ(rig.wallet.awaited, 1);
}

TEST_F(PipelineTest, OpenBreakersOnEveryDeploymentAre503WithoutCallingTheUpstream) {
  rig.health.breaker = BreakerState::open;
  FakeExchange ex(
      PipelineRig::chat(R"({"model":"pair","messages":[{"role":"user","content":"x"}]})"));
  rig.generate(ex);
  expect_refused(ex, 503);
  EXPECT_EQ(body_of(ex).at("error").at("code"), "deployment_unavailable");
  EXPECT_EQ(rig.wallet.asked, 0);
  EXPECT_TRUE(rig.health.outcomes.empty());  // no upstream call to count
}

TEST_F(PipelineTest, AModelsOnlyDeploymentIsTriedWhateverItsBreakerSays) {
  rig.health.breaker = BreakerState::open;
  FakeExchange ex(PipelineRig::chat(kAsk));
  rig.generate(ex);
  ASSERT_TRUE(ex.response());
  EXPECT_EQ(ex.response()->status, 200);
  EXPECT_EQ(rig.adapter().calls, 1);
  EXPECT_EQ(find_header(ex.response()->headers, "x-glmgate-attempts"), "1");
  EXPECT_EQ(find_header(ex.response()->headers, "x-glmgate-deployment"), "fake");
}

TEST_F(PipelineTest, AFailedDeploymentIsRetriedOnTheNextBeforeTheFirstByteAndChargedOnce) {
  ApiError down = ApiError::upstream("Upstream fake returned HTTP 500: down");
  down.from_upstream = true;
  down.upstream_status = 500;
  rig.adapter().script.open_errors = {down};  // the first attempt fails, the second answers
  FakeExchange ex(
      PipelineRig::chat(R"({"model":"pair","messages":[{"role":"user","content":"x"}]})"));
  rig.generate(ex);
  ASSERT_TRUE(ex.response());
  EXPECT_EQ(ex.response()->status, 200);
  EXPECT_EQ(rig.adapter().calls, 2);
  EXPECT_EQ(find_header(ex.response()->headers, "x-glmgate-attempts"), "2");
  EXPECT_EQ(rig.wallet.settled, 1);
  ASSERT_EQ(rig.usage.records.size(), 1u);
  EXPECT_EQ(rig.usage.records[0].attempts, 2);
  EXPECT_EQ(rig.usage.records[0].served_model, "pair");
  ASSERT_EQ(rig.health.outcomes.size(), 2u);  // each attempt told once
  EXPECT_TRUE(rig.health.outcomes[0].second.upstream_fault);
  EXPECT_FALSE(rig.health.outcomes[1].second.upstream_fault);
  EXPECT_NE(rig.health.outcomes[0].first, rig.health.outcomes[1].first);
}

TEST_F(PipelineTest, EachFallbackGetsTheRequestWithItsOwnOutputCap) {
  ApiError down = ApiError::upstream("Upstream fake returned HTTP 503: busy");
  down.from_upstream = true;
  down.upstream_status = 503;
  rig.adapter().script.open_errors = {down, down};  // chain and small fail, m answers
  FakeExchange ex(PipelineRig::chat(
      R"({"model":"chain","max_tokens":80,"messages":[{"role":"user","content":"x"}]})"));
  rig.generate(ex);
  ASSERT_TRUE(ex.response());
  EXPECT_EQ(ex.response()->status, 200);
  EXPECT_EQ(find_header(ex.response()->headers, "x-glmgate-attempts"), "3");
  // The same request each time, lowered to small's cap for small only.
  EXPECT_EQ(rig.adapter().max_tokens_sent, (std::vector<std::int64_t>{80, 20, 80}));
  EXPECT_EQ(rig.adapter().last_request.at("messages").as_array().size(), 1u);
  EXPECT_EQ(body_of(ex).at("model").as_string(), "m");
}

TEST_F(PipelineTest, AnInvalidRequestIs400InTheSurfacesShape) {
  FakeExchange ex(PipelineRig::chat(R"({"model":"m","messages":"hi"})"));
  rig.generate(ex);
  expect_refused(ex, 400);
  EXPECT_TRUE(body_of(ex).at("error").at("message").is_string());
  EXPECT_EQ(rig.limiter.released, 1);
}

TEST_F(PipelineTest, ATaskRunsWithoutANewAdmissionAndHandsItsOutputBack) {
  FakeExchange ex(PipelineRig::chat(kAsk));
  TaskRun task;
  task.output_id = "chatcmpl-task";
  rig.run_task(ex, task);
  ASSERT_TRUE(ex.response());
  EXPECT_EQ(ex.response()->status, 200);
  EXPECT_EQ(rig.limiter.asked, 0);
  ASSERT_TRUE(task.output);
  EXPECT_EQ(task.output->id, "chatcmpl-task");
  EXPECT_EQ(task.output->status, "completed");
  EXPECT_TRUE(rig.outputs.kept.empty());      // the runner commits it with the task's end
  EXPECT_EQ(rig.limiter.counted_tokens, 15);  // its tokens count against the key
  EXPECT_EQ(rig.usage.records.at(0).cost, 10 * 1000 + 5 * 2000);
}

}  // namespace
}  // namespace glmgate::testing
