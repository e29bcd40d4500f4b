// The route step and the provider's slot; see steps.hpp.
#include "gateway/router.hpp"
#include "gateway/steps.hpp"

namespace glmgate::steps {

StepEnd route(Call& call) {
  plan_route(call);
  auto& route = call.route;
  bool any_closed = false;
  for (const auto& c : route.plan) {
    if (!call.parts.providers.find(c.deployment->model.provider))
      // the registry was built from another config: a wiring fault
      return StepEnd::stop(ApiError::unavailable("The provider of `" + c.model->id +
                                                 "` is not available on this gateway."));
    // A plan of one is always tried (attempts.cpp): its breaker is not asked here.
    any_closed = any_closed || route.plan.size() == 1 ||
                 call.parts.health.state(c.deployment->name) != BreakerState::open;
  }
  if (!any_closed)
    return StepEnd::stop(ApiError::unavailable(
        "Every deployment of the model `" + call.model->id +
            "` is failing upstream and is rested for a moment (the gateway's circuit breakers "
            "are open). Retry shortly.",
        "deployment_unavailable"));
  const auto& first = route.plan.front();
  route.answered = first.model;
  route.adapter = call.parts.providers.find(first.deployment->model.provider);
  route.gate = call.parts.catalog.gate(first.deployment->model.provider);
  return StepEnd::next();
}

StepEnd provider_slot(Call& call, bool granted) {
  if (granted) {
    call.route.gate_held = true;
    return StepEnd::next();
  }
  call.extra_headers.push_back({"retry-after", "1"});
  return StepEnd::stop(ApiError::rate_limited(
      "The provider of `" + call.model->id + "` is at its concurrency limit. Retry shortly.",
      "provider_concurrency_limit"));
}

}  // namespace glmgate::steps
