// The pipeline's order of steps; see pipeline.hpp. The steps themselves are in steps.hpp.
#include "gateway/pipeline.hpp"

#include "core/random.hpp"
#include "gateway/steps.hpp"

namespace glmgate {

namespace asio = boost::asio;

namespace {

// A shared backend's awaitable form answered `wait` again, which its contract rules out: 503
// rather than a loop or a hang.
StepEnd waited(StepEnd end) {
  if (!end.waits()) return end;
  return StepEnd::stop(ApiError::unavailable("A shared limit or credit store did not answer."));
}

}  // namespace

asio::awaitable<void> Pipeline::generate(const Surface& surface, Exchange& exchange) const {
  Call call(parts_, surface, exchange);
  call.record.request_id = exchange.request_id();
  call.record.surface = std::string(surface.name());

  bool known = co_await identify(call);
  if (!known) co_return;
  call.output_id = output_id(surface.id_prefix());
  co_await guarded(call);
}

// The key, or the refusal answered: a coroutine of its own so that the result (an ApiError when
// refused) is not kept in generate()'s frame for the whole answer.
asio::awaitable<bool> Pipeline::identify(Call& call) const {
  auto key = authenticate(call.surface, call.exchange.request());
  if (!key) key = co_await authenticate_missed(call.surface, call.exchange.request(), key.error());
  if (!key) {
    co_await steps::send_error(call, key.error());
    co_return false;
  }
  call.key = key.value();
  co_return true;
}

asio::awaitable<void> Pipeline::run_task(const Surface& surface, Exchange& exchange,
                                         std::shared_ptr<const KeyInfo> key, TaskRun& task) const {
  Call call(parts_, surface, exchange);
  call.record.request_id = exchange.request_id();
  call.record.surface = std::string(surface.name());
  call.key = std::move(key);
  call.task = &task;
  call.output_id = task.output_id;
  co_await guarded(call);
}

// Runs the steps and records the request whatever happens.
asio::awaitable<void> Pipeline::guarded(Call& call) const {
  call.record.key_id = call.key->id;
  call.record.account_id = call.key->account_id;
  try {
    co_await run(call);
  } catch (...) {
    steps::finish(call);
    throw;
  }
  steps::finish(call);
}

asio::awaitable<void> Pipeline::run(Call& call) const {
  StepEnd end = co_await prepare(call);
  if (end.kind == StepEnd::Kind::stop) co_await steps::send_error(call, *end.error);
  if (!end.goes_on()) co_return;
  if (call.request.stream) {
    const auto ping = parts_.catalog.config().stream_ping_interval_ms;
    co_await steps::dispatch_stream(call, std::chrono::milliseconds(ping));
  } else {
    co_await steps::dispatch_unary(call);
  }
}

// The steps before dispatch, up to the first that stops the request. Its own coroutine so that
// its locals are freed before a long stream starts (a coroutine frame keeps all of them). Every
// `co_await` here is on a path that must wait: the limiter's or the wallet's shared backend, stored
// items or a conversation, a provider's concurrency queue.
asio::awaitable<StepEnd> Pipeline::prepare(Call& call) const {
  using namespace steps;
  StepEnd end = pause(call);
  if (!end.goes_on()) co_return end;
  end = limit(call);
  if (end.waits()) end = waited(co_await limit_shared(call));
  if (!end.goes_on()) co_return end;

  end = decode(call);
  if (end.goes_on() && !call.request.item_references.empty())
    end = co_await resolve_references(call);
  if (end.goes_on()) end = validate(call);
  if (!end.goes_on()) co_return end;
  if (call.request.background && !call.task) co_return co_await submit_background(call);
  end = take_slot(call);
  if (end.waits()) end = waited(co_await take_slot_shared(call));
  if (!end.goes_on()) co_return end;
  plan_output(call);
  if (!call.request.previous_response_id.empty()) {
    end = co_await continue_conversation(call);
    if (!end.goes_on()) co_return end;
  }

  end = route(call);
  if (!end.goes_on()) co_return end;
  end = hold(call);
  if (end.waits()) end = waited(co_await hold_shared(call));
  if (!end.goes_on() || !call.route.gate) co_return end;
  const ProviderConfig* provider =
      parts_.catalog.config().find_provider(call.route.plan.front().deployment->model.provider);
  bool granted =
      co_await call.route.gate->acquire(std::chrono::milliseconds(provider->queue_timeout_ms));
  co_return provider_slot(call, granted);
}

}  // namespace glmgate
