// API key generation and hashing; see api_key.hpp.
#include "accounts/api_key.hpp"

#include <openssl/sha.h>

#include <chrono>

#include "core/random.hpp"

namespace glmgate {

KeyHash sha256(std::string_view data) {
  KeyHash out;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

std::string to_hex(const KeyHash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(hash.size() * 2);
  for (auto b : hash) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::string key_prefix(std::string_view secret) {
  return std::string(secret.substr(0, kKeyVisibleChars));
}

GeneratedKey generate_key(std::string name, bool admin) {
  std::array<std::uint8_t, 32> raw;
  random_bytes(raw);
  GeneratedKey out;
  out.secret = std::string(kKeyPrefix) + base62_encode(raw);
  out.record.id = random_id("key_", 16);
  out.record.name = std::move(name);
  out.record.prefix = key_prefix(out.secret);
  out.record.hash = to_hex(sha256(out.secret));
  out.record.admin = admin;
  out.record.created_at = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  return out;
}

}  // namespace glmgate
