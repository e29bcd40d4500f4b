// The route step and the provider's slot; see steps.hpp.
#include "gateway/steps.hpp"

namespace glmgate::steps {

StepEnd route(Call& call) {
  const ModelConfig& model = *call.model;
  // Each model is its own one deployment until routing brings several (health_board.hpp).
  if (call.parts.health.state(model.id) == BreakerState::open)
    return StepEnd::stop(ApiError::unavailable(
        "The model `" + model.id +
            "` is failing upstream and is rested for a moment. Retry shortly.",
        "deployment_unavailable"));
  call.route.adapter = call.parts.providers.find(model.provider);
  if (!call.route.adapter)  // the registry was built from another config: a wiring fault
    return StepEnd::stop(ApiError::unavailable("The provider of `" + model.id +
                                               "` is not available on this gateway."));
  call.route.gate = call.parts.catalog.gate(model.provider);
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
