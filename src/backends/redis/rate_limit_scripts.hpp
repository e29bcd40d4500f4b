// The Lua scripts of the Redis rate limiter, each one round trip that reads and writes a key's
// state atomically. They share a prelude (the clock and the arithmetic on times), so that a script
// for another shared limit (a provider's concurrency, free calls) is its body alone.
// Key layout, per API key ID: `glmgate:rl:{ID}` a hash of the GCRA states (rs/rn/ri: requests'
// TAT in seconds and nanoseconds and the interval it was built with; ts/tn/ti: the same for
// tokens), expiring when both TATs have passed; `glmgate:rl:{ID}:slots` a sorted set of the
// concurrency slots in use, each an ID scored by the time (Redis's clock, ms) it expires. The
// braces keep both in one cluster slot. Static, immutable.
#pragma once

#include "backends/redis/redis_script.hpp"

namespace glmgate::rate_scripts {

// KEYS: state, slots. ARGV: now_s, now_ns (both empty: Redis's TIME), request interval ns (0: no
// rpm), request burst, token interval ns (0: no tpm), token burst, max concurrency (0: none),
// slot ID, slot TTL ms, requests wanted (empty: 1). Checks as KeyLimiter does (tokens, requests,
// then a slot) and takes the request and the slot when all allow it; of the rpm, as many of the
// wanted requests as fit, at least one (an instance's share: limits/request_shares.hpp). Returns
// {refusal (0 none, 1 tokens, 2 requests, 3 concurrency), retry ns, requests remaining, requests
// reset ns, tokens remaining, tokens reset ns, requests taken (0 when refused)}.
const RedisScript& admit();
// KEYS: state. ARGV: now_s, now_ns, token interval ns, tokens. Debits the tokens a call used.
const RedisScript& add_tokens();
// KEYS: slots. ARGV: now_s, now_ns, slot TTL ms, slot IDs...: pushes the expiry of the slots this
// instance still holds (those released meanwhile are not added back).
const RedisScript& renew_slots();

}  // namespace glmgate::rate_scripts
