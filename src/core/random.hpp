// Random identifiers and secrets from OpenSSL's CSPRNG. Thread-safe; no state of its own.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace glmgate {

// Fills `out` with cryptographically strong random bytes; aborts if the CSPRNG fails, because
// continuing would hand out guessable keys.
void random_bytes(std::span<std::uint8_t> out);

// Base62 (0-9A-Za-z) of a big-endian byte string, without leading-zero loss for fixed widths.
std::string base62_encode(std::span<const std::uint8_t> bytes);

// `prefix` followed by `chars` random base62 characters from the CSPRNG, for ids that must not
// be guessable ("key_…").
std::string random_id(std::string_view prefix, std::size_t chars);

// The same shape from a per-thread generator seeded once from the CSPRNG: for request ids and
// other labels that are unique but not secret. No syscall, no lock.
std::string fast_id(std::string_view prefix, std::size_t chars);

}  // namespace glmgate
