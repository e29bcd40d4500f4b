// Redacting a store URL; see postgres_url.hpp.
#include "backends/postgres/postgres_url.hpp"

#include <utility>

namespace glmgate {

namespace {

constexpr std::string_view kHidden = "***";

// Where the passwords of `url` are: [begin, end) ranges, in order.
std::vector<std::pair<std::size_t, std::size_t>> secret_ranges(std::string_view url) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  const std::size_t start = url.find("://");
  const std::size_t query = url.find('?');
  if (start != std::string_view::npos && start < query) {
    // The user info ends at the last '@' before the query: a password with an unescaped '@' or
    // '/' is hidden whole rather than cut where libpq would cut it.
    const std::size_t from = start + 3;
    const std::size_t at = url.rfind('@', query);
    const std::size_t colon = url.find(':', from);
    if (at != std::string_view::npos && at >= from && colon < at) out.emplace_back(colon + 1, at);
  }
  // Every password=... parameter of the query; a parameter ends at '&'.
  for (std::size_t q = query; q != std::string_view::npos;) {
    const std::size_t name = q + 1;
    q = url.find('&', name);
    const std::size_t end = q == std::string_view::npos ? url.size() : q;
    if (url.substr(name, end - name).starts_with("password=")) out.emplace_back(name + 9, end);
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
        hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::string redact_postgres_url(std::string_view url) {
  std::string out(url);
  auto ranges = secret_ranges(url);
  for (auto it = ranges.rbegin(); it != ranges.rend(); ++it)
    out.replace(it->first, it->second - it->first, kHidden);
  return out;
}

std::vector<std::string> postgres_url_secrets(std::string_view url) {
  std::vector<std::string> out;
  for (const auto& [begin, end] : secret_ranges(url)) {
    if (begin == end) continue;
    std::string_view raw = url.substr(begin, end - begin);
    out.emplace_back(raw);
    std::string decoded = percent_decoded(raw);
    if (decoded != raw) out.push_back(std::move(decoded));
  }
  return out;
}

std::string scrub_postgres_secrets(std::string message, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets)
    for (std::size_t at = message.find(secret); at != std::string::npos;
         at = message.find(secret, at + kHidden.size()))
      message.replace(at, secret.size(), kHidden);
  return message;
}

}  // namespace glmgate
