// The store factory; see store_factory.hpp.
#include "backends/store_factory.hpp"

#include "backends/postgres/postgres_backend.hpp"
#include "backends/sqlite/sqlite_backend.hpp"

namespace glmgate {

namespace {

struct Backend {
  std::string_view scheme;  // before the ':'
  // `url` whole, `rest` after the scheme's ':'.
  std::unique_ptr<Store> (*open)(const std::string& url, std::string_view rest,
                                 const StoreOptions& options);
};

std::unique_ptr<Store> open_postgres(const std::string& url, std::string_view,
                                     const StoreOptions& options) {
  return open_postgres_store(url, {options.migrate});  // libpq reads either scheme
}

// One line per backend.
constexpr Backend kBackends[] = {
    {"sqlite",
     [](const std::string&, std::string_view path,
        const StoreOptions& options) -> std::unique_ptr<Store> {
       return open_sqlite_store(std::string(path), {options.migrate, options.serve});
     }},
    {"postgres", open_postgres},
    {"postgresql", open_postgres},
};

}  // namespace

std::unique_ptr<Store> open_store(const std::string& url, const StoreOptions& options) {
  auto colon = url.find(':');
  std::string_view scheme =
      colon == std::string::npos ? std::string_view() : std::string_view(url).substr(0, colon);
  for (const auto& b : kBackends)
    if (b.scheme == scheme) return b.open(url, std::string_view(url).substr(colon + 1), options);
  // Only the scheme: the rest of a URL may hold a password.
  throw std::runtime_error("config key store: " +
                           (scheme.empty()
                                ? std::string("no scheme (expected SCHEME:..., e.g. sqlite:PATH)")
                                : "unknown scheme \"" + std::string(scheme) + "\"") +
                           "; the schemes known are: " + [] {
                             std::string known;
                             for (auto scheme : store_schemes())
                               known += (known.empty() ? "" : ", ") + std::string(scheme);
                             return known;
                           }());
}

std::string shown_store_url(const std::string& url) {
  return url.starts_with("sqlite:") ? url : shown_postgres_url(url);
}

std::vector<std::string_view> store_schemes() {
  std::vector<std::string_view> out;
  for (const auto& b : kBackends)
    out.push_back(b.scheme);
  return out;
}

}  // namespace glmgate
