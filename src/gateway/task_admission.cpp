// The pipeline's admission of background tasks; see Pipeline::admit_queued in pipeline.hpp.
// Called from I/O threads (submit) and the task runner's thread (slots); the in-process limiter
// locks a shard for a few arithmetic operations and runs nothing else.
#include "gateway/pipeline.hpp"
#include "limits/tiers.hpp"

namespace glmgate {

namespace {
KeyLimits slot_only(const KeyInfo& key) {
  return KeyLimits{0, 0, key.max_concurrency};
}
}  // namespace

boost::asio::awaitable<std::optional<ApiError>> Pipeline::admit_queued(const KeyInfo& key,
                                                                       Headers& headers) const {
  NanoUsd spent = key.account_id.empty() ? 0 : parts_.wallet.spent(key.account_id);
  KeyLimits limits = resolve_limits(key, spent, parts_.catalog.config());
  limits.max_concurrency = 0;  // held while the task runs, not while it waits
  Admission admission = parts_.limiter.try_admit(key, limits, headers);
  if (admission.is_pending()) admission = co_await parts_.limiter.admit(key, limits, headers);
  if (admission) co_return std::nullopt;
  if (admission.is_pending())
    co_return ApiError::unavailable("The rate limiter did not answer. Try again later.");
  co_return admission.error();
}

Admission Pipeline::hold_slot(const KeyInfo& key) const {
  if (key.max_concurrency <= 0) return Admission::granted({});
  Headers ignored;
  return parts_.limiter.try_admit(key, slot_only(key), ignored);
}

boost::asio::awaitable<bool> Pipeline::hold_slot_shared(const KeyInfo& key) const {
  Headers ignored;
  co_return static_cast<bool>(co_await parts_.limiter.admit(key, slot_only(key), ignored));
}

void Pipeline::release_slot(const KeyInfo& key) const {
  parts_.limiter.release(key, slot_only(key));
}

}  // namespace glmgate
