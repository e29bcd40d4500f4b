// Content-Encoding of request bodies; see body_decoding.hpp.
#include "http/body_decoding.hpp"

#include <zlib.h>
#include <algorithm>
#include <vector>

#include "http/message.hpp"

namespace glmgate {

namespace {

enum class Coding { gzip, deflate };

struct Step {
  Coding coding;
  std::string_view name;  // as the client wrote it, for messages
};

constexpr std::size_t kMaxNameInMessage = 64;
constexpr std::size_t kFirstOutput = 16 * 1024;
// zlib counts in uInt: feed and drain a large body in pieces of at most this much.
constexpr std::size_t kMaxStep = std::size_t{1} << 30;

std::string quoted(std::string_view name) {
  if (name.size() > kMaxNameInMessage) name = name.substr(0, kMaxNameInMessage);
  std::string out(1, '"');
  out.append(name).push_back('"');
  return out;
}

ApiError unsupported(std::string_view name) {
  return {415,
          "invalid_request_error",
          "unsupported_content_encoding",
          "Content-Encoding " + quoted(name) +
              " is not supported: send the body uncompressed, or compressed with gzip or deflate.",
          {}};
}

ApiError corrupt(const Step& step, const std::string& what) {
  const char* kind = step.coding == Coding::gzip ? "gzip" : "deflate";
  return {400,
          "invalid_request_error",
          "invalid_content_encoding",
          std::string("The request body is not valid ") + kind + " data (Content-Encoding " +
              quoted(step.name) + "): " + what + ".",
          {}};
}

ApiError too_large(const Step& step, std::size_t max_bytes) {
  ApiError e = ApiError::body_too_large(max_bytes);
  e.message = "Request body is larger than the limit of " + std::to_string(max_bytes) +
              " bytes once decompressed (Content-Encoding " + quoted(step.name) + ").";
  return e;
}

// A zlib stream starts with CMF/FLG: method 8 and a header checksum (RFC 1950). Anything else
// sent as "deflate" is taken as raw deflate, which some clients send.
bool zlib_wrapped(std::string_view data) {
  if (data.size() < 2) return false;
  auto cmf = static_cast<unsigned char>(data[0]);
  auto flg = static_cast<unsigned char>(data[1]);
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

bool gzip_member_follows(std::string_view rest) {
  return rest.size() >= 2 && static_cast<unsigned char>(rest[0]) == 0x1f &&
         static_cast<unsigned char>(rest[1]) == 0x8b;
}

struct Inflater {
  z_stream zs{};
  bool ready = false;
  explicit Inflater(int window_bits) { ready = inflateInit2(&zs, window_bits) == Z_OK; }
  ~Inflater() {
    if (ready) inflateEnd(&zs);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
};

uInt piece(std::size_t n) {
  return static_cast<uInt>(std::min(n, kMaxStep));
}

// Inflates `body` into `out`, producing at most max_bytes (one byte more is the signal that the
// body is over the limit: inflating stops there).
std::optional<ApiError> inflate_into(const Step& step, std::string_view body, std::string& out,
                                     std::size_t max_bytes) {
  const bool gzip = step.coding == Coding::gzip;
  Inflater inf(gzip ? 16 + MAX_WBITS : (zlib_wrapped(body) ? MAX_WBITS : -MAX_WBITS));
  if (!inf.ready) return ApiError::internal("Could not start decompressing the request body");
  const std::size_t cap = max_bytes + 1;
  std::size_t in_pos = 0, produced = 0;
  out.clear();
  for (;;) {
    if (produced == out.size()) {
      if (out.size() >= cap) return too_large(step, max_bytes);
      out.resize(std::min(cap, std::max(out.size() * 2, std::min(cap, kFirstOutput))));
    }
    const uInt in_n = piece(body.size() - in_pos);
    const uInt out_n = piece(out.size() - produced);
    inf.zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data() + in_pos));
    inf.zs.avail_in = in_n;
    inf.zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    inf.zs.avail_out = out_n;
    const int rc = inflate(&inf.zs, Z_NO_FLUSH);
    in_pos += in_n - inf.zs.avail_in;
    produced += out_n - inf.zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (in_pos == body.size()) break;
      // Concatenated gzip members are one gzip body (RFC 1952 2.2).
      if (gzip && gzip_member_follows(body.substr(in_pos))) {
        inflateReset(&inf.zs);
        continue;
      }
      return corrupt(step, "unexpected bytes after the end of the compressed data");
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && produced == out.size()) continue;  // needs more room
    if (rc == Z_BUF_ERROR) return corrupt(step, "it is truncated");
    if (rc == Z_MEM_ERROR) return ApiError::internal("Out of memory decompressing the request");
    return corrupt(step, inf.zs.msg ? inf.zs.msg : "corrupt data");
  }
  if (produced > max_bytes) return too_large(step, max_bytes);
  out.resize(produced);
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> decode_content_encoding(std::string_view encoding, std::string& body,
                                                std::size_t max_bytes) {
  // Every coding is checked before any is undone: an unknown one anywhere is a 415 at once.
  std::vector<Step> steps;
  while (!encoding.empty()) {
    auto comma = encoding.find(',');
    std::string_view name = trim_ows(encoding.substr(0, comma));
    encoding = comma == std::string_view::npos ? std::string_view() : encoding.substr(comma + 1);
    if (name.empty() || iequals_ascii(name, "identity")) continue;
    if (iequals_ascii(name, "gzip") || iequals_ascii(name, "x-gzip"))
      steps.push_back({Coding::gzip, name});
    else if (iequals_ascii(name, "deflate"))
      steps.push_back({Coding::deflate, name});
    else
      return unsupported(name);
  }
  if (body.empty()) return std::nullopt;  // nothing was sent, so nothing was encoded
  std::string out;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if (auto error = inflate_into(*it, body, out, max_bytes)) return error;
    body.swap(out);
  }
  return std::nullopt;
}

}  // namespace glmgate
