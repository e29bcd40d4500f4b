// new_trace_id, new_span_id; see spans.hpp.
#include "telemetry/spans.hpp"

#include <array>

#include "core/random.hpp"

namespace glmgate {

namespace {

std::string random_hex(std::size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::array<std::uint8_t, 16> raw{};
  std::string out;
  do {
    random_bytes(std::span<std::uint8_t>(raw.data(), bytes));
    out.clear();
    for (std::size_t i = 0; i < bytes; ++i) {
      out.push_back(kHex[raw[i] >> 4]);
      out.push_back(kHex[raw[i] & 15]);
    }
  } while (out.find_first_not_of('0') == std::string::npos);
  return out;
}

}  // namespace

std::string new_trace_id() {
  return random_hex(16);
}
std::string new_span_id() {
  return random_hex(8);
}

}  // namespace glmgate
