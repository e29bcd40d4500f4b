// Random identifiers and secrets from OpenSSL's CSPRNG. Thread-safe: the only state is each
// thread's own buffer of random bytes for fast_id().
#pragma once

#include <cstdint>
#include <optional>
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

// The same shape for IDs that clients see (request IDs, chatcmpl-/msg_/resp_ output IDs, webhook
// IDs): every character from the CSPRNG, through a per-thread buffer of RAND_bytes output so that
// the hot path does not call into OpenSSL per ID. No counter and no clock: an ID tells nothing
// about when it was made or how many were made before it. Not for secrets (use random_id()),
// whose bytes should not sit in a buffer before they are used.
std::string fast_id(std::string_view prefix, std::size_t chars);

// The ID of a stored output: `prefix`, the second it was made (6 base62 characters, which sort
// as the numbers do), and 18 characters from fast_id() (about 107 bits). New IDs then land at the
// end of the store's output-ID index, as the usage rows' own sequence does: an ID random from its
// first character cost every insert a descent to a random leaf of that index (~800 instructions
// a request, and a page cache that must hold the whole index). The second tells a client no more
// than the answer's own `created` does; nothing counts the IDs made, within a second or across.
std::string output_id(std::string_view prefix);
// The unix second an output_id() was made in; nullopt for a string that is not one.
std::optional<std::int64_t> output_id_second(std::string_view id);

}  // namespace glmgate
