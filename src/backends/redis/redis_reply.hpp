// RedisReply: one reply of Redis as a plain value (hiredis's reader builds it), or the reason a
// command got none. A plain value, moved to whoever awaited the command.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace glmgate {

struct RedisReply {
  enum class Type : unsigned char {
    failed,  // no reply: Redis unavailable, the deadline passed, the connection broke (`str` says)
    error,   // Redis answered with an error (`str`: "NOSCRIPT ...", "WRONGTYPE ...")
    status,  // +OK
    string,
    integer,
    nil,
    array,
  };
  Type type = Type::failed;
  std::string str;  // failed, error, status, string
  std::int64_t integer = 0;
  std::vector<RedisReply> elements;  // array

  static RedisReply failure(std::string why) { return {Type::failed, std::move(why), 0, {}}; }
  // Redis answered, and not with an error.
  bool ok() const { return type != Type::failed && type != Type::error; }
};

}  // namespace glmgate
