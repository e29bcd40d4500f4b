// The hold step; see steps.hpp.
#include <algorithm>

#include "gateway/pricing.hpp"
#include "gateway/steps.hpp"

namespace glmgate::steps {

namespace {

// The most the call can cost: at the dearest of the models its plan may end on (a fallback may
// cost more than the model asked for; the call is priced as the model that answers).
NanoUsd bound(Call& call) {
  std::int64_t max_tokens = call.request.body.at("max_tokens").to_number<std::int64_t>();
  call.request.prompt_estimate =
      estimate_tokens(call.exchange.request().body.size() + call.history_chars);
  NanoUsd most =
      reservation_bound(*call.model, call.request.prompt_estimate, max_tokens, call.choices);
  const ModelConfig* last = call.model;
  for (const auto& c : call.route.plan) {
    if (c.model == last) continue;
    last = c.model;
    most = std::max(
        most, reservation_bound(*c.model, call.request.prompt_estimate,
                                std::min(max_tokens, c.model->max_output_tokens), call.choices));
  }
  return most;
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
