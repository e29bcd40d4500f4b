// The hold step; see steps.hpp.
#include "gateway/pricing.hpp"
#include "gateway/steps.hpp"

namespace glmgate::steps {

namespace {

NanoUsd bound(Call& call) {
  std::int64_t max_tokens = call.request.body.at("max_tokens").to_number<std::int64_t>();
  call.request.prompt_estimate =
      estimate_tokens(call.exchange.request().body.size() + call.history_chars);
  return reservation_bound(*call.model, call.request.prompt_estimate, max_tokens, call.choices);
}

StepEnd held(Call& call, HoldDecision& decision) {
  switch (decision.kind()) {
    case HoldDecision::Kind::granted:
      call.hold.reservation = decision.value();
      call.hold.held = true;
      return StepEnd::next();
    case HoldDecision::Kind::pending:
      return StepEnd::wait();
    default:
      return StepEnd::stop(decision.error());
  }
}

}  // namespace

StepEnd hold(Call& call) {
  HoldDecision decision = call.parts.wallet.try_hold(*call.key, call.model->id, bound(call));
  return held(call, decision);
}

boost::asio::awaitable<StepEnd> hold_shared(Call& call) {
  NanoUsd amount = bound(call);
  HoldDecision decision = co_await call.parts.wallet.hold(*call.key, call.model->id, amount);
  co_return held(call, decision);
}

}  // namespace glmgate::steps
