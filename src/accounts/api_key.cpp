// API key generation and hashing; see api_key.hpp.
#include "accounts/api_key.hpp"

#include <openssl/evp.h>

#include <cstdlib>

#include <chrono>

#include "core/random.hpp"

namespace glmgate {

KeyHash sha256(std::string_view data) {
  // OpenSSL 3's one-shot SHA256() looks the algorithm up in its provider tables on every call;
  // fetching it once and keeping a context per thread makes a key check several times cheaper.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context context;
  KeyHash out;
  unsigned int len = 0;
  if (!kSha256 || !context.ctx || EVP_DigestInit_ex2(context.ctx, kSha256, nullptr) != 1 ||
      EVP_DigestUpdate(context.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.ctx, out.data(), &len) != 1 || len != out.size())
    std::abort();  // no usable SHA-256 means no safe key check at all
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
