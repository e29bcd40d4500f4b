// The rate limiter's Lua scripts; see rate_limit_scripts.hpp.
#include "backends/redis/rate_limit_scripts.hpp"

namespace glmgate::rate_scripts {

namespace {

// Redis's Lua numbers are doubles: epoch nanoseconds do not fit one exactly, so a time is kept as
// whole seconds and nanoseconds, and the arithmetic is on nanoseconds from now (exact below 2^53,
// about 104 days). The clock is Redis's, one for every instance, unless the caller passes one
// (tests, to compare with the in-process limiter on the same clock).
constexpr const char* kPrelude = R"lua(
local now_s, now_ns
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now_s, now_ns = tonumber(t[1]), tonumber(t[2]) * 1000
else
  now_s, now_ns = tonumber(ARGV[1]), tonumber(ARGV[2])
end
local now_ms = now_s * 1000 + math.floor(now_ns / 1e6)
-- nanoseconds from now to a stored time (0 when none is stored)
local function ahead(s, n)
  if not s then return 0 end
  return (tonumber(s) - now_s) * 1e9 + (tonumber(n) - now_ns)
end
-- the stored form of the time `a` nanoseconds from now
local function stamp(a)
  local t = now_ns + a
  local s = math.floor(t / 1e9)
  return now_s + s, t - s * 1e9
end
-- integer division, floored, exact for operands below 2^53
local function div(a, b)
  local q = math.floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end
-- the state's time to live: until both TATs have passed, and a second
local function expire(key, a, b)
  redis.call('PEXPIRE', key, math.floor(math.max(a, b, 0) / 1e6) + 1000)
end
)lua";

// A changed limit (a new tier, a new --rpm) keeps the share of the bucket in use, not the time,
// as KeyLimiter's rescale() does (here in floating point: off by at most a few nanoseconds).
constexpr const char* kAdmit = R"lua(
local function rescale(a, old, new)
  if old and old ~= 0 and old ~= new and a > 0 then return math.floor(a * new / old) end
  return a
end
local r_int, r_burst = tonumber(ARGV[3]), tonumber(ARGV[4])
local t_int, t_burst = tonumber(ARGV[5]), tonumber(ARGV[6])
local max_slots = tonumber(ARGV[7])
-- requests wanted at once (an instance's share, see RequestShares): as many as fit, at least one
local want = tonumber(ARGV[10]) or 1
local taken = 1
local st = redis.call('HMGET', KEYS[1], 'rs', 'rn', 'ri', 'ts', 'tn', 'ti')
local refusal, retry = 0, 0
local r_rem, r_reset, t_rem, t_reset = 0, 0, 0, 0

-- tokens per minute: admitted while the bucket is not overdrawn (gcra_peek)
local t_tat = ahead(st[4], st[5])
if t_int > 0 then
  t_tat = rescale(t_tat, tonumber(st[6]), t_int)
  local cap = t_burst * t_int
  local a = math.max(t_tat, 0)
  t_rem, t_reset = math.max(0, div(cap - a, t_int)), a
  if a >= cap then refusal, retry = 1, a - cap + t_int end
end

-- requests per minute: one request taken (gcra_take)
local r_tat = ahead(st[1], st[2])
local r_next = r_tat
if r_int > 0 then
  r_tat = rescale(r_tat, tonumber(st[3]), r_int)
  local cap = r_burst * r_int
  local base = math.max(r_tat, 0)
  local fit = div(cap - base, r_int)
  if fit < 1 then
    r_rem, r_reset = math.max(0, fit), base
    if refusal == 0 then refusal, retry = 2, base + r_int - cap end
  else
    taken = math.min(want, fit)
    r_next = base + taken * r_int
    r_rem, r_reset = fit - taken, r_next
  end
end

-- a concurrency slot, when the rates allow the request; expired slots (an instance that died
-- holding them) are dropped first
if refusal == 0 and max_slots > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now_ms)
  if redis.call('ZCARD', KEYS[2]) >= max_slots then
    refusal = 3
  else
    local ttl = tonumber(ARGV[9])
    redis.call('ZADD', KEYS[2], now_ms + ttl, ARGV[8])
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
end

if r_int > 0 or t_int > 0 then
  local fields = {}
  if r_int > 0 then
    if refusal == 0 then r_tat = r_next end
    local s, n = stamp(r_tat)
    fields[#fields + 1] = 'rs'; fields[#fields + 1] = s
    fields[#fields + 1] = 'rn'; fields[#fields + 1] = n
    fields[#fields + 1] = 'ri'; fields[#fields + 1] = r_int
  end
  if t_int > 0 then
    local s, n = stamp(t_tat)
    fields[#fields + 1] = 'ts'; fields[#fields + 1] = s
    fields[#fields + 1] = 'tn'; fields[#fields + 1] = n
    fields[#fields + 1] = 'ti'; fields[#fields + 1] = t_int
  end
  redis.call('HSET', KEYS[1], unpack(fields))
  expire(KEYS[1], r_tat, t_tat)
end
if refusal ~= 0 then taken = 0 end
return {refusal, retry, r_rem, r_reset, t_rem, t_reset, taken}
)lua";

// gcra_debit: the tokens may overdraw the bucket, which later requests wait out.
constexpr const char* kAddTokens = R"lua(
local st = redis.call('HMGET', KEYS[1], 'rs', 'rn', 'ts', 'tn')
local t_tat = math.max(ahead(st[3], st[4]), 0) + tonumber(ARGV[4]) * tonumber(ARGV[3])
local s, n = stamp(t_tat)
redis.call('HSET', KEYS[1], 'ts', s, 'tn', n)
expire(KEYS[1], ahead(st[1], st[2]), t_tat)
return 1
)lua";

constexpr const char* kRenewSlots = R"lua(
local ttl = tonumber(ARGV[3])
for i = 4, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now_ms + ttl, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
)lua";

}  // namespace

const RedisScript& admit() {
  static const RedisScript script(std::string(kPrelude) + kAdmit);
  return script;
}

const RedisScript& add_tokens() {
  static const RedisScript script(std::string(kPrelude) + kAddTokens);
  return script;
}

const RedisScript& renew_slots() {
  static const RedisScript script(std::string(kPrelude) + kRenewSlots);
  return script;
}

}  // namespace glmgate::rate_scripts
