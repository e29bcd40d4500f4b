// RESP, Redis's wire format, through hiredis: its command formatter (redisFormatCommandArgv) and
// its reply reader (redisReader), the only parts of hiredis glmgate uses; the I/O is Asio's.
// RespReader: one per connection (a reply may arrive over several reads); not thread-safe;
// after an error it reads nothing more (the connection must go).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "backends/redis/redis_reply.hpp"

struct redisReader;

namespace glmgate {

// Appends the encoding of the command `args` to `out`.
void append_command(std::string& out, std::span<const std::string> args);

class RespReader {
 public:
  RespReader();
  // False when the bytes cannot be taken (error()).
  bool feed(const char* data, std::size_t n);
  // The next complete reply, or nothing: not all of it has arrived yet, or (error() not empty)
  // the bytes are not RESP.
  std::optional<RedisReply> next();
  const std::string& error() const { return error_; }

 private:
  struct Free {
    void operator()(redisReader* r) const;
  };
  std::unique_ptr<redisReader, Free> reader_;
  std::string error_;
};

}  // namespace glmgate
