// RedisRateLimiter; see redis_rate_limiter.hpp.
#include "backends/redis/redis_rate_limiter.hpp"

#include <spdlog/spdlog.h>

#include <mutex>
#include <unordered_map>

#include "backends/redis/rate_limit_scripts.hpp"
#include "core/random.hpp"

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
  if (reply.type != RedisReply::Type::array || reply.elements.size() != 6) return std::nullopt;
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

Admission RedisRateLimiter::try_admit(const KeyInfo&, const KeyLimits& limits, Headers&) {
  if (unlimited(limits)) return Admission::granted({});
  return Admission::pending();
}

boost::asio::awaitable<Admission> RedisRateLimiter::admit(const KeyInfo& key,
                                                          const KeyLimits& limits,
                                                          Headers& headers) {
  if (unlimited(limits)) co_return Admission::granted({});
  const RedisScript& script = rate_scripts::admit();
  std::vector<std::string> cmd = script.call(2, 11);
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
  std::string slot;
  if (limits.max_concurrency > 0)
    slot = shared_->instance + ":" + std::to_string(shared_->next_slot++);
  cmd.push_back(slot);
  cmd.push_back(std::to_string(options_.slot_ttl.count()));

  RedisReply reply = co_await client_.eval(script, std::move(cmd));
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
  if (verdict->refusal == LimitVerdict::Refusal::none && limits.max_concurrency > 0)
    hold(key.id, std::move(slot));
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
