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

// The ID of a stored output: `prefix` + 24 characters, of which the first 11 encode a number that
// grows with time (milliseconds since 2025 and a per-process counter; fixed-width base62, so the
// IDs of one prefix sort by creation) and the other 13 are random. New rows then land at the end
// of the store's ID index instead of on a random page each, which keeps the writer's commits small.
std::string output_id(std::string_view prefix);

}  // namespace glmgate
