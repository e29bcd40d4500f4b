// RedisRateLimiter; see redis_rate_limiter.hpp.
#include "backends/redis/redis_rate_limiter.hpp"

#include <spdlog/spdlog.h>

#include <mutex>
#include <unordered_map>

#include "backends/redis/rate_limit_scripts.hpp"
#include "core/random.hpp"
#include "limits/request_shares.hpp"

namespace glmgate {

namespace {

constexpr std::int64_t kSecondNs = 1'000'000'000;

std::string state_key(const std::string& key_id) {
  return "glmgate:rl:{" + key_id + "}";
}

std::string slots_key(const std::string& key_id) {
  return "glmgate:rl:{" + key_id + "}:slots";
}

bool unlimited(const KeyLimits& limits) {
  return limits.rpm <= 0 && limits.tpm <= 0 && limits.max_concurrency <= 0;
}

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The admit script's answer as a verdict, or nothing when it is not one (a script error).
std::optional<LimitVerdict> verdict_of(const RedisReply& reply, const KeyLimits& limits) {
  if (reply.type != RedisReply::Type::array || reply.elements.size() != 7) return std::nullopt;
  for (const auto& e : reply.elements)
    if (e.type != RedisReply::Type::integer) return std::nullopt;
  auto at = [&](std::size_t i) { return reply.elements[i].integer; };
  if (at(0) < 0 || at(0) > 3) return std::nullopt;
  LimitVerdict v;
  v.refusal = static_cast<LimitVerdict::Refusal>(at(0));
  v.retry_ns = at(1);
  if (limits.rpm > 0)
    v.requests = GcraDecision{v.refusal != LimitVerdict::Refusal::requests, at(2), at(3), 0};
  if (limits.tpm > 0)
    v.tokens = GcraDecision{v.refusal != LimitVerdict::Refusal::tokens, at(4), at(5), 0};
  return v;
}

}  // namespace

// What the connections' callbacks (outage log, slot renewal) share with the limiter.
struct RedisRateLimiter::Shared {
  struct Shard {
    std::mutex mutex;
    // Key ID → the slots this instance holds for it: an ID in Redis, or "" for one counted in
    // the local limiter during an outage.
    std::unordered_map<std::string, std::vector<std::string>> keys;
  };
  static constexpr std::size_t kShards = 16;

  std::string instance = random_id("gw_", 12);  // slot IDs start with it
  std::string server;                           // the redacted URL
  std::chrono::milliseconds slot_ttl{};
  KeyLimiter::Clock clock;
  std::atomic<std::uint64_t> next_slot{0};
  std::atomic<int> connections_down{0};
  std::atomic<bool> script_error_logged{false};
  std::atomic<std::int64_t> last_renewal{0};
  std::array<Shard, kShards> shards;
  std::unique_ptr<RequestShares> shares;  // of busy keys' rpm

  Shard& shard(const std::string& key_id) {
    return shards[std::hash<std::string>{}(key_id) % kShards];
  }

  void push_time(std::vector<std::string>& cmd) const {
    if (!clock) {
      cmd.emplace_back();
      cmd.emplace_back();
      return;
    }
    const std::int64_t now = clock();
    cmd.push_back(std::to_string(now / kSecondNs));
    cmd.push_back(std::to_string(now % kSecondNs));
  }

  void on_state(bool up, const std::string& why) {
    if (!up) {
      if (connections_down.fetch_add(1) == 0)
        spdlog::warn(
            "Redis {} is unreachable ({}): rate limits are counted per instance until it answers "
            "again",
            server, why);
    } else if (connections_down.fetch_sub(1) == 1) {
      // A warning too: whoever saw the outage's warning sees its end.
      spdlog::warn("Redis {} answers again: rate limits are counted for all instances together",
                   server);
    }
  }

  // Every third of the TTL, on whichever connection ticks first: the slots held here expire a
  // TTL later. EVAL, not EVALSHA: a renewal is rare, and must not be lost to a NOSCRIPT.
  void renew(RedisConnection& connection) {
    const std::int64_t now = steady_ns();
    const std::int64_t period = std::chrono::nanoseconds(slot_ttl).count() / 3;
    std::int64_t last = last_renewal.load();
    if (now - last < period * 9 / 10 || !last_renewal.compare_exchange_strong(last, now)) return;
    std::vector<std::vector<std::string>> cmds;
    for (Shard& s : shards) {
      std::lock_guard lock(s.mutex);
      for (const auto& [key_id, slots] : s.keys) {
        std::vector<std::string> cmd{"EVAL", rate_scripts::renew_slots().body(), "1",
                                     slots_key(key_id)};
        push_time(cmd);
        cmd.push_back(std::to_string(slot_ttl.count()));
        for (const auto& slot : slots)
          if (!slot.empty()) cmd.push_back(slot);
        if (cmd.size() > 7) cmds.push_back(std::move(cmd));
      }
    }
    for (const auto& cmd : cmds)
      connection.request(cmd, {});
  }
};

RedisRateLimiter::RedisRateLimiter(const RedisUrl& url, Options options)
    : options_(std::move(options)),
      shared_(std::make_shared<Shared>()),
      local_(options_.burst_seconds, options_.clock),
      client_(url, [&] {
        shared_->server = url.redacted();
        shared_->slot_ttl = options_.slot_ttl;
        shared_->clock = options_.clock;
        RequestShares::Options so;
        so.horizon_ns = std::chrono::nanoseconds(options_.share_horizon).count();
        shared_->shares = std::make_unique<RequestShares>(
            so, options_.clock ? options_.clock : RequestShares::Clock(steady_ns));
        RedisClient::Options o;
        o.deadline = options_.deadline;
        o.connect_timeout = options_.connect_timeout;
        o.scripts = {&rate_scripts::admit(), &rate_scripts::add_tokens()};
        o.on_state = [shared = shared_](bool up, const std::string& why) {
          shared->on_state(up, why);
        };
        o.tick_period = options_.slot_ttl / 3;
        o.on_tick = [shared = shared_](RedisConnection& c) { shared->renew(c); };
        return o;
      }()) {}

RedisRateLimiter::~RedisRateLimiter() = default;

bool RedisRateLimiter::shares_rpm(const KeyLimits& limits) const {
  return limits.rpm > 0 && limits.tpm <= 0 && limits.max_concurrency <= 0;
}

Admission RedisRateLimiter::try_admit(const KeyInfo& key, const KeyLimits& limits,
                                      Headers& headers) {
  if (unlimited(limits)) return Admission::granted({});
  if (!shares_rpm(limits)) return Admission::pending();
  auto take = shared_->shares->take(key.id, request_rate(limits.rpm, options_.burst_seconds));
  if (!take) return Admission::pending();
  if (take->refill > 0) refill(key, limits, take->refill);
  return answer(limits, take->verdict, headers);
}

std::vector<std::string> RedisRateLimiter::admit_command(const KeyInfo& key,
                                                         const KeyLimits& limits,
                                                         const std::string& slot,
                                                         std::int64_t wanted) const {
  std::vector<std::string> cmd = rate_scripts::admit().call(2, 12);
  cmd.push_back(state_key(key.id));
  cmd.push_back(slots_key(key.id));
  shared_->push_time(cmd);
  GcraRate requests =
      limits.rpm > 0 ? request_rate(limits.rpm, options_.burst_seconds) : GcraRate{0, 0};
  GcraRate tokens = limits.tpm > 0 ? token_rate(limits.tpm) : GcraRate{0, 0};
  cmd.push_back(std::to_string(requests.interval_ns));
  cmd.push_back(std::to_string(requests.burst));
  cmd.push_back(std::to_string(tokens.interval_ns));
  cmd.push_back(std::to_string(tokens.burst));
  cmd.push_back(std::to_string(std::max<std::int64_t>(0, limits.max_concurrency)));
  cmd.push_back(slot);
  cmd.push_back(std::to_string(options_.slot_ttl.count()));
  cmd.push_back(std::to_string(wanted));
  return cmd;
}

// A share asked for in the background; its requests serve this instance's next requests.
void RedisRateLimiter::refill(const KeyInfo& key, const KeyLimits& limits, std::int64_t wanted) {
  const GcraRate rate = request_rate(limits.rpm, options_.burst_seconds);
  auto on_reply = [shared = shared_, key_id = key.id, limits, rate](RedisReply reply) {
    std::optional<LimitVerdict> verdict = verdict_of(reply, limits);
    if (!verdict || verdict->refusal != LimitVerdict::Refusal::none)
      return shared->shares->refill_failed(key_id);
    shared->shares->granted(key_id, rate, reply.elements[6].integer, *verdict, true);
  };
  if (!client_.send_eval(rate_scripts::admit(), admit_command(key, limits, {}, wanted),
                         std::move(on_reply)))
    shared_->shares->refill_failed(key.id);
}

boost::asio::awaitable<Admission> RedisRateLimiter::admit(const KeyInfo& key,
                                                          const KeyLimits& limits,
                                                          Headers& headers) {
  if (unlimited(limits)) co_return Admission::granted({});
  const bool share = shares_rpm(limits);
  const GcraRate rate =
      limits.rpm > 0 ? request_rate(limits.rpm, options_.burst_seconds) : GcraRate{0, 0};
  const std::int64_t wanted = share ? shared_->shares->wanted(key.id, rate) : 1;
  std::string slot;
  if (limits.max_concurrency > 0)
    slot = shared_->instance + ":" + std::to_string(shared_->next_slot++);
  std::vector<std::string> cmd = admit_command(key, limits, slot, wanted);

  RedisReply reply = co_await client_.eval(rate_scripts::admit(), std::move(cmd));
  std::optional<LimitVerdict> verdict = verdict_of(reply, limits);
  if (!verdict) {
    // Unreachable or late (logged once per outage by the connection's state), or a script that
    // failed, which no outage explains: said once.
    if (reply.type != RedisReply::Type::failed && !shared_->script_error_logged.exchange(true))
      spdlog::error("the Redis rate-limit script failed ({}): counting in this process",
                    reply.type == RedisReply::Type::error ? reply.str : "unexpected reply");
    Admission local = local_.try_admit(key, limits, headers);
    if (local && limits.max_concurrency > 0) hold(key.id, {});
    co_return local;
  }
  if (verdict->refusal == LimitVerdict::Refusal::none) {
    if (limits.max_concurrency > 0) hold(key.id, std::move(slot));
    const std::int64_t taken = reply.elements[6].integer;
    if (share && taken > 1) {
      // This request's answer counts the rest of the share as its own instance's to spend.
      shared_->shares->granted(key.id, rate, taken - 1, *verdict, false);
      if (verdict->requests) verdict->requests->remaining += taken - 1;
    }
  }
  co_return answer(limits, *verdict, headers);
}

void RedisRateLimiter::hold(const std::string& key_id, std::string slot) {
  auto& s = shared_->shard(key_id);
  std::lock_guard lock(s.mutex);
  s.keys[key_id].push_back(std::move(slot));
}

void RedisRateLimiter::release(const KeyInfo& key, const KeyLimits& limits) {
  if (limits.max_concurrency <= 0) return;
  std::string slot;
  {
    auto& s = shared_->shard(key.id);
    std::lock_guard lock(s.mutex);
    auto it = s.keys.find(key.id);
    if (it == s.keys.end()) return;
    slot = std::move(it->second.back());
    it->second.pop_back();
    if (it->second.empty()) s.keys.erase(it);
  }
  if (slot.empty()) return local_.release(key, limits);
  // Not renewed from now on: lost with a connection, it expires within the TTL.
  client_.send({"ZREM", slots_key(key.id), std::move(slot)});
}

void RedisRateLimiter::add_tokens(const KeyInfo& key, const KeyLimits& limits,
                                  std::int64_t tokens) {
  if (limits.tpm <= 0 || tokens <= 0) return;
  const RedisScript& script = rate_scripts::add_tokens();
  std::vector<std::string> cmd = script.call(1, 5);
  cmd.push_back(state_key(key.id));
  shared_->push_time(cmd);
  cmd.push_back(std::to_string(token_rate(limits.tpm).interval_ns));
  cmd.push_back(std::to_string(tokens));
  if (!client_.send_eval(script, std::move(cmd))) local_.add_tokens(key, limits, tokens);
}

std::int64_t RedisRateLimiter::held_requests(const std::string& key_id) const {
  return shared_->shares->held(key_id);
}

std::size_t RedisRateLimiter::held_slots() const {
  std::size_t n = 0;
  for (auto& s : shared_->shards) {
    std::lock_guard lock(s.mutex);
    for (const auto& [key, slots] : s.keys)
      n += slots.size();
  }
  return n;
}

}  // namespace glmgate
