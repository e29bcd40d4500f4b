// Webhook signing; see webhook_signature.hpp.
#include "tasks/webhook_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <vector>

#include "core/random.hpp"

namespace glmgate {

namespace {
constexpr std::string_view kSecretPrefix = "whsec_";
}

std::string new_webhook_secret() {
  std::array<std::uint8_t, 32> key{};
  random_bytes(key);
  return std::string(kSecretPrefix) +
         base64_encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

std::optional<std::string> sign_webhook(std::string_view secret, std::string_view id,
                                        std::int64_t timestamp, std::string_view body) {
  if (secret.rfind(kSecretPrefix, 0) != 0) return std::nullopt;
  auto key = base64_decode(secret.substr(kSecretPrefix.size()));
  if (!key || key->empty()) return std::nullopt;
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (!HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
            reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &mac_len))
    return std::nullopt;
  return "v1," + base64_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

}  // namespace glmgate
