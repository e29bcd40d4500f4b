// The pause and limit steps; see steps.hpp.
#include "gateway/steps.hpp"
#include "limits/tiers.hpp"

namespace glmgate::steps {

namespace {

// The key's rate (`slot` false) or one of its concurrency slots (`slot` true), as the limiter
// decided: recorded on the call when granted.
StepEnd admitted(Call& call, const Admission& admission, bool slot) {
  switch (admission.kind()) {
    case Admission::Kind::granted:
      if (slot)
        call.admission.limits.max_concurrency = call.admission.slots;  // settle() gives it back
      else
        call.admission.admitted = true;
      return StepEnd::next();
    case Admission::Kind::pending:
      return StepEnd::wait();
    default:
      return StepEnd::stop(admission.error());
  }
}

KeyLimits slot_limits(const Call& call) {
  return KeyLimits{0, 0, call.admission.slots};
}

}  // namespace

StepEnd pause(const Call& call) {
  if (call.parts.pause.paused.load(std::memory_order_relaxed))
    return StepEnd::stop(
        ApiError::unavailable("The API is paused by its operator. Try again later."));
  // A call that could not be recorded would be served free: none is served until there is room.
  if (call.parts.usage.full())
    return StepEnd::stop(ApiError::unavailable(
        "The gateway cannot record usage right now (its store has been unreachable for a long "
        "time). Try again later."));
  return StepEnd::next();
}

StepEnd limit(Call& call) {
  const KeyInfo& key = *call.key;
  NanoUsd spent = key.account_id.empty() ? 0 : call.parts.wallet.spent(key.account_id);
  auto& admission = call.admission;
  admission.limits = resolve_limits(key, spent, call.parts.catalog.config());
  admission.slots = std::exchange(admission.limits.max_concurrency, 0);
  if (call.task) {  // its rate was taken when it was queued; its tokens still count
    admission.admitted = true;
    return StepEnd::next();
  }
  return admitted(call, call.parts.limiter.try_admit(key, admission.limits, call.extra_headers),
                  false);
}

boost::asio::awaitable<StepEnd> limit_shared(Call& call) {
  Admission admission =
      co_await call.parts.limiter.admit(*call.key, call.admission.limits, call.extra_headers);
  co_return admitted(call, admission, false);
}

StepEnd take_slot(Call& call) {
  if (call.admission.slots <= 0 || call.task) return StepEnd::next();
  return admitted(
      call, call.parts.limiter.try_admit(*call.key, slot_limits(call), call.extra_headers), true);
}

boost::asio::awaitable<StepEnd> take_slot_shared(Call& call) {
  Admission admission =
      co_await call.parts.limiter.admit(*call.key, slot_limits(call), call.extra_headers);
  co_return admitted(call, admission, true);
}

}  // namespace glmgate::steps
