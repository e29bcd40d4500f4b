// Random identifiers and secrets; see random.hpp.
#include "core/random.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
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

std::string fast_id(std::string_view prefix, std::size_t chars) {
  // xoshiro256**: fast and statistically solid; seeded per thread from RAND_bytes.
  thread_local std::uint64_t s[4] = {0, 0, 0, 0};
  if ((s[0] | s[1] | s[2] | s[3]) == 0)
    random_bytes({reinterpret_cast<std::uint8_t*>(s), sizeof s});
  auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  auto next = [&] {
    std::uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  };
  std::string out(prefix.size() + chars, '\0');
  prefix.copy(out.data(), prefix.size());
  char* next_char = out.data() + prefix.size();
  char* const end = out.data() + out.size();
  while (next_char != end) {
    std::uint64_t bits = next();
    for (int draws = 0; draws < 10 && next_char != end; ++draws, bits >>= 6)  // 10 draws of 6 bits
      if (unsigned v = bits & 63; v < 62) *next_char++ = kAlphabet[v];
  }
  return out;
}

namespace {
constexpr std::size_t kKeyChars = 11;  // 62^11 > 2^63, fixed width so IDs sort by key
constexpr std::size_t kOutputIdChars = 24;
constexpr std::int64_t kKeyEpochMs = 1735689600000;  // 2025-01-01: 2^43 ms from it reach 2300
constexpr int kCounterBits = 20;
}  // namespace

std::string output_id(std::string_view prefix) {
  static std::atomic<std::uint64_t> counter{0};
  std::int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count() -
                    kKeyEpochMs;
  std::uint64_t key =
      (static_cast<std::uint64_t>(std::max<std::int64_t>(ms, 0)) << kCounterBits) |
      (counter.fetch_add(1, std::memory_order_relaxed) & ((1u << kCounterBits) - 1));
  std::string out = fast_id(prefix, kOutputIdChars);
  for (std::size_t i = 0; i < kKeyChars; ++i) {
    out[prefix.size() + kKeyChars - 1 - i] = kAlphabet[key % 62];
    key /= 62;
  }
  return out;
}

}  // namespace glmgate
