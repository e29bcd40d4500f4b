// Reasoning tokens; see reasoning_token.hpp. Base64 through OpenSSL's EVP block coders.
#include "surfaces/responses/reasoning_token.hpp"

#include <openssl/evp.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "surfaces/json_checks.hpp"

namespace glmgate::responses {

namespace json = boost::json;

namespace {

constexpr std::int64_t kVersion = 1;
constexpr std::size_t kMaxToken = 64 * 1024 * 1024;

}  // namespace

std::string seal_reasoning(std::string_view text) {
  std::string plain =
      json::serialize(json::object{{"glmgate", kVersion}, {"reasoning_content", text}});
  std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(plain.data()),
                          static_cast<int>(plain.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> open_reasoning(std::string_view token) {
  if (token.empty() || token.size() % 4 != 0 || token.size() > kMaxToken) return std::nullopt;
  std::string plain(token.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(plain.data()),
                          reinterpret_cast<const unsigned char*>(token.data()),
                          static_cast<int>(token.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes; JSON ends at its closing brace anyway.
  std::size_t size = static_cast<std::size_t>(n);
  while (size > 0 && plain[size - 1] == '\0')
    --size;
  plain.resize(size);
  boost::system::error_code ec;
  json::value v = json::parse(plain, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  auto version = o.find("glmgate");
  auto text = o.find("reasoning_content");
  if (version == o.end() || !is_json_integer(version->value()) ||
      json_integer(version->value()) != kVersion || text == o.end() || !text->value().is_string())
    return std::nullopt;
  return std::string(text->value().get_string());
}

}  // namespace glmgate::responses
