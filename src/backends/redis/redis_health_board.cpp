// RedisHealthBoard; see redis_health_board.hpp.
#include "backends/redis/redis_health_board.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/clock.hpp"

namespace glmgate {

namespace asio = boost::asio;

namespace {

// A window is counted in ten buckets, as the local breaker's: each trade reads ten hashes a name.
constexpr std::int64_t kBuckets = 10;
constexpr std::size_t kFieldsPerName = 6;  // name, calls, faults, open until, closed, error
constexpr std::int64_t kErrorTtlMs = 3'600'000;

// ARGV: now (unix ms), window ms, bucket ms, error ttl ms, then per name the kFieldsPerName
// fields. Returns per name {calls, faults, open until (0: not open), last error ("" none)}.
const RedisScript& trade_script() {
  static const RedisScript script(R"lua(
local now, window, bucket, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local cur = math.floor(now / bucket)
local span = math.max(1, math.ceil(window / bucket))
local out = {}
for i = 5, #ARGV, 6 do
  local base = 'glmgate:breaker:{' .. ARGV[i] .. '}'
  local calls, faults, opened = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  if ARGV[i + 4] == '1' then
    for b = cur - span, cur do redis.call('DEL', base .. ':' .. b) end
    redis.call('DEL', base .. ':open')
  end
  if calls > 0 then
    local k = base .. ':' .. cur
    redis.call('HINCRBY', k, 'c', calls)
    if faults > 0 then redis.call('HINCRBY', k, 'f', faults) end
    redis.call('PEXPIRE', k, window + 2 * bucket)
  end
  if opened > now then
    local was = tonumber(redis.call('GET', base .. ':open') or '0')
    if opened > was then redis.call('SET', base .. ':open', opened, 'PX', opened - now) end
  end
  if ARGV[i + 5] ~= '' then redis.call('SET', base .. ':error', ARGV[i + 5], 'PX', ttl) end
  local c, f = 0, 0
  for b = cur - span + 1, cur do
    local v = redis.call('HMGET', base .. ':' .. b, 'c', 'f')
    c = c + (tonumber(v[1]) or 0)
    f = f + (tonumber(v[2]) or 0)
  end
  out[#out + 1] = c
  out[#out + 1] = f
  out[#out + 1] = tonumber(redis.call('GET', base .. ':open') or '0')
  out[#out + 1] = redis.call('GET', base .. ':error') or ''
end
return out
)lua");
  return script;
}

}  // namespace

RedisHealthBoard::RedisHealthBoard(const RedisUrl& url, Options options)
    : options_(std::move(options)), local_(options_.breaker, options_.clock), client_(url, [&] {
        RedisClient::Options o;
        o.deadline = options_.deadline;
        o.scripts = {&trade_script()};
        o.on_state = warn_once_per_outage(url, "breakers count this instance's calls only");
        return o;
      }()) {}

RedisHealthBoard::~RedisHealthBoard() {
  stopping_ = true;
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void RedisHealthBoard::start() {
  asio::co_spawn(io_, run(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

BreakerState RedisHealthBoard::state(std::string_view name) const {
  return local_.state(name);
}

bool RedisHealthBoard::admit(std::string_view name) {
  return local_.admit(name);
}

void RedisHealthBoard::record(std::string_view name, const CallOutcome& outcome) {
  const BreakerState before = local_.state(name);
  local_.record(name, outcome);
  const BreakerState after = local_.state(name);
  std::lock_guard lock(mutex_);
  auto it = deltas_.find(name);
  if (it == deltas_.end()) it = deltas_.emplace(std::string(name), Delta{}).first;
  Delta& d = it->second;
  ++d.calls;
  if (outcome.upstream_fault) ++d.faults;
  if (after == BreakerState::open && before != BreakerState::open) publish_open_locked(name);
  if (before == BreakerState::half_open && after == BreakerState::closed) {
    d.closed = true;
    d.open_until_ms = 0;
  }
}

void RedisHealthBoard::note_error(std::string_view name, const std::string& message) {
  local_.note_error(name, message);
  std::lock_guard lock(mutex_);
  deltas_[std::string(name)].error = message.substr(0, 500);
}

void RedisHealthBoard::set_aside(std::string_view name, std::chrono::milliseconds wait) {
  local_.set_aside(name, wait);
  std::lock_guard lock(mutex_);
  publish_open_locked(name);
}

void RedisHealthBoard::restore(std::string_view name) {
  local_.restore(name);
  std::lock_guard lock(mutex_);
  Delta& d = deltas_[std::string(name)];
  d.closed = true;
  d.open_until_ms = 0;
}

void RedisHealthBoard::publish_open_locked(std::string_view name) {
  const HealthFigures f = local_.figures(name);
  if (f.state == BreakerState::closed || f.retry_at_ms == 0) return;
  Delta& d = deltas_[std::string(name)];
  d.open_until_ms = std::max(d.open_until_ms, f.retry_at_ms);
  d.closed = false;
}

void RedisHealthBoard::watch(const std::vector<std::string>& names) {
  std::lock_guard lock(mutex_);
  for (const auto& name : names)
    deltas_.try_emplace(name);
}

std::vector<HealthFigures> RedisHealthBoard::figures() const {
  std::vector<HealthFigures> out = local_.figures();
  std::lock_guard lock(mutex_);
  for (HealthFigures& f : out) {
    auto it = shared_.find(f.name);
    if (it == shared_.end()) continue;
    // The gateway's window, which this instance's calls are part of once traded.
    f.calls = std::max(f.calls, it->second.calls);
    f.faults = std::max(f.faults, it->second.faults);
    if (f.last_error.empty()) f.last_error = it->second.error;
  }
  return out;
}

std::vector<std::string> RedisHealthBoard::take_trade(std::vector<std::string>& names) {
  std::lock_guard lock(mutex_);
  names.clear();
  if (deltas_.empty()) return {};
  const RedisScript& script = trade_script();
  std::vector<std::string> cmd = script.call(0, 4 + kFieldsPerName * deltas_.size());
  cmd.push_back(std::to_string(unix_ms_now()));
  cmd.push_back(std::to_string(options_.breaker.window_ms));
  cmd.push_back(std::to_string(std::max<std::int64_t>(1, options_.breaker.window_ms / kBuckets)));
  cmd.push_back(std::to_string(kErrorTtlMs));
  for (auto& [name, d] : deltas_) {
    names.push_back(name);
    cmd.push_back(name);
    cmd.push_back(std::to_string(d.calls));
    cmd.push_back(std::to_string(d.faults));
    cmd.push_back(std::to_string(d.open_until_ms));
    cmd.push_back(d.closed ? "1" : "0");
    cmd.push_back(std::move(d.error));
    d = Delta{};  // the name stays followed
  }
  return cmd;
}

void RedisHealthBoard::apply(const std::vector<std::string>& names, const RedisReply& reply) {
  if (reply.type != RedisReply::Type::array || reply.elements.size() != 4 * names.size()) return;
  const std::int64_t now = unix_ms_now();
  const BreakerOptions& b = options_.breaker;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const RedisReply* r = &reply.elements[4 * i];
    const std::int64_t calls = r[0].integer, faults = r[1].integer, open_until = r[2].integer;
    const std::string& name = names[i];
    {
      std::lock_guard lock(mutex_);
      shared_[name] = Shared{calls, faults, r[3].str};
    }
    if (local_.state(name) != BreakerState::closed) continue;
    if (open_until > now) {
      // Another instance opened it: rested here until then, and probed here after.
      local_.set_aside(name, std::chrono::milliseconds(open_until - now));
    } else if (calls >= b.min_calls && calls > 0 &&
               static_cast<double>(faults) >= b.error_ratio * static_cast<double>(calls)) {
      // The gateway's calls pass the ratio though this instance's alone may not: open it here,
      // and for the others.
      local_.set_aside(name, std::chrono::milliseconds(b.cooldown_ms));
      std::lock_guard lock(mutex_);
      publish_open_locked(name);
    }
  }
}

bool RedisHealthBoard::trade_now() {
  asio::io_context io;
  bool answered = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::vector<std::string> names;
        std::vector<std::string> cmd = take_trade(names);
        if (cmd.empty()) co_return;
        RedisReply reply = co_await client_.eval(trade_script(), std::move(cmd));
        answered = reply.ok();
        apply(names, reply);
      },
      // The connection made on `io` would keep it running: stopped once the trade is done.
      [&io](std::exception_ptr) { io.stop(); });
  io.run();
  return answered;
}

asio::awaitable<void> RedisHealthBoard::run() {
  asio::steady_timer timer(io_);
  std::vector<std::string> names;
  while (!stopping_) {
    std::vector<std::string> cmd = take_trade(names);
    if (!cmd.empty()) {
      RedisReply reply = co_await client_.eval(trade_script(), std::move(cmd));
      apply(names, reply);
    }
    timer.expires_after(options_.period);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace glmgate
