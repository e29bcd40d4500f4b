// The background submission (Responses' background: true); see steps.hpp. The task runs the
// request again later, as this key, without a new admission.
#include "gateway/steps.hpp"

namespace glmgate::steps {

boost::asio::awaitable<StepEnd> submit_background(Call& call) {
  if (!call.parts.background)
    co_return StepEnd::stop(
        ApiError::unsupported_parameter("Background runs are not available.", "background"));
  if (call.request.stream)
    co_return StepEnd::stop(ApiError::unsupported_parameter(
        "A background response cannot be streamed; poll GET /v1/responses/{id} instead.",
        "stream"));
  if (!call.request.store)
    co_return StepEnd::stop(ApiError::invalid_request(
        "A background response must be stored (store: true).", "store", "invalid_value"));
  const HttpRequest& request = call.exchange.request();
  HttpResponse r = co_await call.parts.background->submit_background(
      call.key, call.surface, request.path, request.body, call.request);
  call.record.status = r.status;
  call.settled.submitted = true;
  for (auto& h : call.extra_headers)
    r.headers.push_back(h);
  co_await call.exchange.respond(std::move(r));
  co_return StepEnd::answered();
}

}  // namespace glmgate::steps
