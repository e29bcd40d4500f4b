// glmgate API keys: "sk-glm-" + base62 of 32 random bytes. The secret is shown once; the store
// and the cache only ever hold its SHA-256. Pure functions, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "contracts/records.hpp"

namespace glmgate {

constexpr std::string_view kKeyPrefix = "sk-glm-";
constexpr std::size_t kKeyVisibleChars = 12;  // "sk-glm-" and five more characters

using KeyHash = std::array<std::uint8_t, 32>;

KeyHash sha256(std::string_view data);
std::string to_hex(const KeyHash& hash);

// The listing prefix of a secret, e.g. "sk-glm-4fQ2x".
std::string key_prefix(std::string_view secret);

struct GeneratedKey {
  std::string secret;  // show once, then forget
  KeyRecord record;    // what the store keeps
};

GeneratedKey generate_key(std::string name, bool admin);

}  // namespace glmgate
