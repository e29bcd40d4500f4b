// CSRF checks; see csrf.hpp.
#include "console/csrf.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <boost/url/parse.hpp>

#include "core/base64.hpp"

namespace glmgate {

std::string csrf_token(std::string_view session_secret) {
  std::string input = std::string("glmgate-csrf") + '\0' + std::string(session_secret);
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  std::string b64 =
      base64_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  for (char& c : b64) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!b64.empty() && b64.back() == '=')
    b64.pop_back();
  return b64;
}

namespace {

// An origin as browsers send it: lower case, without the scheme's default port.
std::string normalized_origin(std::string origin) {
  for (char& c : origin)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  for (std::string_view suffix : {":80", ":443"}) {
    const bool https = origin.starts_with("https://");
    if ((suffix == ":443") == https && origin.ends_with(suffix))
      origin.resize(origin.size() - suffix.size());
  }
  return origin;
}

}  // namespace

std::string console_origin(std::string_view console_url, const HttpRequest& request) {
  if (!console_url.empty())
    if (auto url = boost::urls::parse_absolute_uri(console_url))
      return normalized_origin(std::string(url->scheme()) + "://" +
                               std::string(url->encoded_authority()));
  return normalized_origin("http://" + std::string(request.header("host")));
}

std::optional<std::string> csrf_problem(const HttpRequest& request, std::string_view origin,
                                        std::string_view session_secret) {
  const std::string_view sent_origin = request.header("origin");
  if (!sent_origin.empty() && normalized_origin(std::string(sent_origin)) != origin)
    return "the request came from another site (Origin " + std::string(sent_origin) + ")";
  const std::string_view site = request.header("sec-fetch-site");
  if (!site.empty() && site != "same-origin" && site != "none")
    return "the request came from another site (Sec-Fetch-Site " + std::string(site) + ")";
  const std::string_view type = request.header("content-type");
  if (!request.body.empty() && type.substr(0, type.find(';')) != "application/json")
    return std::string("the body must be application/json");
  if (!session_secret.empty()) {
    const std::string expected = csrf_token(session_secret);
    const std::string_view sent = request.header("x-csrf-token");
    if (sent.size() != expected.size() ||
        CRYPTO_memcmp(sent.data(), expected.data(), expected.size()) != 0)
      return std::string(
          "the x-csrf-token header is missing or wrong (GET /console/api/session "
          "gives it)");
  }
  return std::nullopt;
}

}  // namespace glmgate
