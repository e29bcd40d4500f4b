// Random identifiers and secrets; see random.hpp.
#include "core/random.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace glmgate {

namespace {
constexpr std::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
}

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) std::abort();
}

std::string base62_encode(std::span<const std::uint8_t> bytes) {
  // Repeated division of the big-endian number by 62; the output length is fixed for a given
  // input length (ceil(n * log(256) / log(62))) so every key has the same length.
  std::vector<std::uint8_t> num(bytes.begin(), bytes.end());
  const std::size_t width = (bytes.size() * 8 * 1000 + 5953) / 5954;  // log2(62) ~= 5.954
  std::string out(width, '0');
  for (std::size_t pos = width; pos-- > 0;) {
    unsigned remainder = 0;
    for (auto& digit : num) {
      unsigned acc = (remainder << 8) | digit;
      digit = static_cast<std::uint8_t>(acc / 62);
      remainder = acc % 62;
    }
    out[pos] = kAlphabet[remainder];
  }
  return out;
}

std::string random_id(std::string_view prefix, std::size_t chars) {
  std::vector<std::uint8_t> raw(chars);
  random_bytes(raw);
  std::string out(prefix);
  out.reserve(prefix.size() + chars);
  // 248 = 62 * 4: rejection keeps the characters uniform.
  std::size_t i = 0;
  while (out.size() < prefix.size() + chars) {
    if (i == raw.size()) {
      random_bytes(raw);
      i = 0;
    }
    std::uint8_t b = raw[i++];
    if (b < 248) out.push_back(kAlphabet[b % 62]);
  }
  return out;
}

namespace {

// RAND_bytes output not yet used, per thread. 4 KiB serves about 170 IDs of 24 characters per
// call into OpenSSL.
struct RandomBuffer {
  std::array<std::uint8_t, 4096> bytes;
  std::size_t next = 4096;

  std::uint8_t take() {
    if (next == bytes.size()) {
      random_bytes(bytes);
      next = 0;
    }
    return bytes[next++];
  }
};
thread_local RandomBuffer t_random;

}  // namespace

std::string fast_id(std::string_view prefix, std::size_t chars) {
  std::string out(prefix.size() + chars, '\0');
  prefix.copy(out.data(), prefix.size());
  RandomBuffer& random = t_random;
  for (char *c = out.data() + prefix.size(), *end = out.data() + out.size(); c != end;) {
    std::uint8_t b = random.take();
    if (b < 248) *c++ = kAlphabet[b % 62];  // 248 = 62 * 4: rejection keeps them uniform
  }
  return out;
}

std::string output_id(std::string_view prefix) {
  constexpr std::size_t kSecondChars = 6;  // 62^6 seconds: past the year 3700
  constexpr std::size_t kRandomChars = 18;
  thread_local std::int64_t second = -1;
  thread_local char encoded[kSecondChars];
  const std::int64_t now = std::time(nullptr);
  if (now != second) {
    second = now;
    std::int64_t n = now;
    for (std::size_t i = kSecondChars; i-- > 0; n /= 62)
      encoded[i] = kAlphabet[static_cast<std::size_t>(n % 62)];
  }
  std::string out = fast_id(prefix, kSecondChars + kRandomChars);
  std::copy(encoded, encoded + kSecondChars,
            out.begin() + static_cast<std::ptrdiff_t>(prefix.size()));
  return out;
}

std::optional<std::int64_t> output_id_second(std::string_view id) {
  constexpr std::size_t kSecondChars = 6, kRandomChars = 18;
  if (id.size() < kSecondChars + kRandomChars) return std::nullopt;
  std::int64_t second = 0;
  for (char c : id.substr(id.size() - kSecondChars - kRandomChars, kSecondChars)) {
    const auto digit = kAlphabet.find(c);
    if (digit == std::string_view::npos) return std::nullopt;
    second = second * 62 + static_cast<std::int64_t>(digit);
  }
  return second;
}

}  // namespace glmgate
