// RedisScript; see redis_script.hpp.
#include "backends/redis/redis_script.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace glmgate {

RedisScript::RedisScript(std::string body) : body_(std::move(body)) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(body_.data(), body_.size(), digest, &size, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("SHA1 of a Redis script failed");
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < size; ++i) {
    sha1_ += kHex[digest[i] >> 4];
    sha1_ += kHex[digest[i] & 15];
  }
}

std::vector<std::string> RedisScript::call(std::size_t nkeys, std::size_t more) const {
  std::vector<std::string> cmd;
  cmd.reserve(3 + more);
  cmd.emplace_back("EVALSHA");
  cmd.push_back(sha1_);
  cmd.push_back(std::to_string(nkeys));
  return cmd;
}

}  // namespace glmgate
