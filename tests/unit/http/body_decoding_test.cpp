// Content-Encoding of request bodies: every coding glmgate undoes, the limit on the inflated
// size, and the errors for codings it cannot undo and for broken data.
#include <gtest/gtest.h>
#include <zlib.h>

#include "http/body_decoding.hpp"

namespace glmgate {
namespace {

// window_bits: 15 + 16 gzip, 15 zlib, -15 raw deflate.
std::string compress(std::string_view data, int window_bits) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}
std::string gzip(std::string_view d) {
  return compress(d, 15 + 16);
}

const std::string kJson = R"({"model":"m","messages":[{"role":"user","content":"hello"}]})";

TEST(BodyDecoding, UndoesGzipDeflateAndIdentity) {
  struct Case {
    const char* encoding;
    std::string body;
  };
  for (const auto& c :
       {Case{"gzip", gzip(kJson)}, Case{"x-gzip", gzip(kJson)}, Case{"GZip", gzip(kJson)},
        Case{"deflate", compress(kJson, 15)}, Case{"deflate", compress(kJson, -15)},
        Case{"identity", kJson}, Case{" gzip ,identity", gzip(kJson)},
        Case{"deflate, gzip", gzip(compress(kJson, 15))}}) {
    std::string body = c.body;
    auto error = decode_content_encoding(c.encoding, body, 1 << 20);
    EXPECT_FALSE(error) << c.encoding << ": " << error->message;
    EXPECT_EQ(body, kJson) << c.encoding;
  }
}

TEST(BodyDecoding, ReadsConcatenatedGzipMembersAsOneBody) {
  std::string body = gzip(kJson.substr(0, 10)) + gzip(kJson.substr(10));
  EXPECT_FALSE(decode_content_encoding("gzip", body, 1 << 20));
  EXPECT_EQ(body, kJson);
}

TEST(BodyDecoding, RefusesCodingsItCannotUndoWith415NamingThem) {
  for (const char* encoding : {"br", "zstd", "compress", "gzip, br", "x-custom"}) {
    std::string body = gzip(kJson);
    auto error = decode_content_encoding(encoding, body, 1 << 20);
    ASSERT_TRUE(error) << encoding;
    EXPECT_EQ(error->status, 415);
    EXPECT_EQ(error->code, "unsupported_content_encoding");
    std::string named = std::string(encoding).substr(std::string(encoding).rfind(' ') + 1);
    EXPECT_NE(error->message.find("\"" + named + "\""), std::string::npos) << error->message;
  }
}

TEST(BodyDecoding, Answers400ForCorruptTruncatedOrTrailingData) {
  std::string good = gzip(kJson);
  std::string corrupt = good;
  for (std::size_t i = 12; i < 24; ++i)
    corrupt[i] = 'A';
  for (const auto& [what, body_in, encoding] :
       {std::tuple<const char*, std::string, const char*>{"corrupt", corrupt, "gzip"},
        {"truncated", good.substr(0, good.size() - 6), "gzip"},
        {"not gzip", kJson, "gzip"},
        {"trailing bytes", good + "xx", "gzip"},
        {"truncated deflate", compress(kJson, 15).substr(0, 10), "deflate"}}) {
    std::string body = body_in;
    auto error = decode_content_encoding(encoding, body, 1 << 20);
    ASSERT_TRUE(error) << what;
    EXPECT_EQ(error->status, 400) << what;
    EXPECT_EQ(error->code, "invalid_content_encoding") << what;
    EXPECT_NE(error->message.find(std::string("Content-Encoding \"") + encoding + "\""),
              std::string::npos)
        << error->message;
  }
}

TEST(BodyDecoding, StopsAtTheLimitSoAZipBombNeverInflates) {
  const std::size_t limit = 64 * 1024;
  std::string exact(limit, 'x');
  std::string body = gzip(exact);
  EXPECT_FALSE(decode_content_encoding("gzip", body, limit));
  EXPECT_EQ(body.size(), limit);

  body = gzip(std::string(limit + 1, 'x'));
  auto error = decode_content_encoding("gzip", body, limit);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 413);
  EXPECT_EQ(error->code, "request_too_large");

  // 64 MB of spaces in ~64 KB: refused, without ever holding more than the limit.
  std::string bomb = gzip(gzip(std::string(64 << 20, ' ')));
  ASSERT_LT(bomb.size(), 4096u);
  error = decode_content_encoding("gzip, gzip", bomb, limit);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 413);
  EXPECT_LE(bomb.capacity(), 2 * limit + 4096);
}

TEST(BodyDecoding, LeavesAnEmptyBodyEmpty) {
  std::string body;
  EXPECT_FALSE(decode_content_encoding("gzip", body, 1024));
  EXPECT_TRUE(body.empty());
}

}  // namespace
}  // namespace glmgate
