// Standard Webhooks signing (https://www.standardwebhooks.com): the secret "whsec_" + base64 of
// random bytes; the signature "v1," + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")) with
// the base64-decoded key. Pure functions over OpenSSL; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base64.hpp"

namespace glmgate {

// A new secret: "whsec_" + base64 of 32 random bytes.
std::string new_webhook_secret();

// The webhook-signature header value; nullopt when `secret` is not a valid whsec_ secret.
std::optional<std::string> sign_webhook(std::string_view secret, std::string_view id,
                                        std::int64_t timestamp, std::string_view body);

}  // namespace glmgate
