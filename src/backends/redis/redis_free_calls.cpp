// RedisFreeCalls; see redis_free_calls.hpp.
#include "backends/redis/redis_free_calls.hpp"

#include <spdlog/spdlog.h>

namespace glmgate {

namespace {

// KEYS: the count. ARGV: limit, the caller's known count. Returns 1 (taken) or 0 (none left).
const RedisScript& take_script() {
  static const RedisScript script(R"lua(
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local known = tonumber(ARGV[2])
if known > used then used = known end
if used >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], used)
  return 0
end
redis.call('SET', KEYS[1], used + 1)
return 1
)lua");
  return script;
}

std::string count_key(const std::string& account_id, const std::string& model) {
  return "glmgate:free:{" + account_id + "}:" + model;
}

}  // namespace

RedisFreeCalls::RedisFreeCalls(const RedisUrl& url, std::chrono::milliseconds deadline)
    : client_(url, [&] {
        RedisClient::Options o;
        o.deadline = deadline;
        o.scripts = {&take_script()};
        o.on_state = warn_once_per_outage(url, "free calls are counted per instance");
        return o;
      }()) {}

boost::asio::awaitable<std::optional<bool>> RedisFreeCalls::take(const std::string& account_id,
                                                                 const std::string& model,
                                                                 std::int64_t limit,
                                                                 std::int64_t used) {
  const RedisScript& script = take_script();
  std::vector<std::string> cmd = script.call(1, 3);
  cmd.push_back(count_key(account_id, model));
  cmd.push_back(std::to_string(limit));
  cmd.push_back(std::to_string(used));
  RedisReply reply = co_await client_.eval(script, std::move(cmd));
  if (reply.type != RedisReply::Type::integer) co_return std::nullopt;
  co_return reply.integer == 1;
}

void RedisFreeCalls::give_back(const std::string& account_id, const std::string& model) {
  client_.send({"DECR", count_key(account_id, model)});
}

}  // namespace glmgate
