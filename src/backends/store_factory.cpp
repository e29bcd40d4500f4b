// The store factory; see store_factory.hpp.
#include "backends/store_factory.hpp"

#include "backends/sqlite/sqlite_backend.hpp"

namespace glmgate {

namespace {

struct Backend {
  std::string_view scheme;  // before the ':'
  std::unique_ptr<Store> (*open)(std::string_view rest, const StoreOptions& options);
};

// One line per backend; the next issue adds postgres and postgresql.
constexpr Backend kBackends[] = {
    {"sqlite",
     [](std::string_view path, const StoreOptions& options) -> std::unique_ptr<Store> {
       return open_sqlite_store(std::string(path), {options.migrate, options.serve});
     }},
};

}  // namespace

std::unique_ptr<Store> open_store(const std::string& url, const StoreOptions& options) {
  auto colon = url.find(':');
  std::string_view scheme =
      colon == std::string::npos ? std::string_view() : std::string_view(url).substr(0, colon);
  for (const auto& b : kBackends)
    if (b.scheme == scheme) return b.open(std::string_view(url).substr(colon + 1), options);
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

std::vector<std::string_view> store_schemes() {
  std::vector<std::string_view> out;
  for (const auto& b : kBackends)
    out.push_back(b.scheme);
  return out;
}

}  // namespace glmgate
