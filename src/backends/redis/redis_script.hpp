// RedisScript: a Lua script and its SHA1, which EVALSHA names it by. RedisClient::eval sends
// EVALSHA and falls back to EVAL (which loads it again) on NOSCRIPT; connections also SCRIPT LOAD
// the scripts they are given on every connect. Immutable, shared by all threads.
#pragma once

#include <string>
#include <vector>

namespace glmgate {

class RedisScript {
 public:
  explicit RedisScript(std::string body);

  const std::string& body() const { return body_; }
  const std::string& sha1() const { return sha1_; }

  // {"EVALSHA", sha1, nkeys}, with room for the keys and arguments the caller appends.
  std::vector<std::string> call(std::size_t nkeys, std::size_t more) const;

 private:
  std::string body_;
  std::string sha1_;  // lower-case hex, as Redis reports it
};

}  // namespace glmgate
