// Router: method and path to a handler. A route's path is a PathPattern (path_pattern.hpp):
// literal, or with {parameters} that the handler reads from its request (HttpRequest::param).
// Literal routes are tried first, then the others in the order they were added, so a route
// added before a wider one wins over it (`{model}:countTokens` before `{model}:{method}`).
// HEAD is served by a GET route (the server leaves the body off); a path that exists under
// other methods gets 405 with Allow. Filled at start-up, then read-only and shared by all
// threads.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <vector>

#include "http/exchange.hpp"
#include "http/path_pattern.hpp"

namespace glmgate {

using Handler = std::function<boost::asio::awaitable<void>(Exchange&)>;
// Renders an error for requests that reach no handler (404, 405, 413...), in the shape of the
// surface that owns the path.
struct ApiError;
using ErrorRenderer = std::function<HttpResponse(const ApiError&)>;

class Router {
 public:
  // `errors`, when given, is the shape of errors on paths this route matches, whatever their
  // method (a 413 before the request is read); it wins over set_error_renderer's prefixes.
  void add(std::string method, std::string pattern, Handler handler, ErrorRenderer errors = {});
  // Error shape for paths under `prefix`; the longest matching prefix wins.
  void set_error_renderer(std::string prefix, ErrorRenderer renderer);

  // The handler, or null; sets `path_matched` when the path exists under another method.
  // `params`, when given, receives the matched route's path parameters.
  const Handler* find(const std::string& method, const std::string& path, bool& path_matched,
                      PathParams* params = nullptr) const;
  // The methods `path` accepts, for Allow and preflights: "GET, HEAD, POST" (HEAD wherever GET
  // is, as the server answers it); empty for an unknown path. Not for the hot path.
  std::string allowed_methods(const std::string& path) const;
  HttpResponse render_error(const std::string& path, const ApiError& error) const;

 private:
  struct Route {
    std::string method;
    PathPattern pattern;
    Handler handler;
    ErrorRenderer errors;
  };
  std::vector<Route> literal_;  // tried first, by plain comparison
  std::vector<Route> patterns_;
  std::vector<std::pair<std::string, ErrorRenderer>> renderers_;
};

}  // namespace glmgate
