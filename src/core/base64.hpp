// Standard base64 (with padding) through OpenSSL's EVP block coders. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace glmgate {

std::string base64_encode(std::string_view bytes);
// Nullopt for text that is not padded standard base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace glmgate
