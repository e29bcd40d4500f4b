// Router: method + path to a handler. Exact paths, and prefix routes for paths with an ID
// segment (e.g. /v1/models/{id}). Filled at start-up, then read-only and shared by all threads.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <vector>

#include "http/exchange.hpp"

namespace glmgate {

using Handler = std::function<boost::asio::awaitable<void>(Exchange&)>;
// Renders an error for requests that reach no handler (404, 405, 413...), in the shape of the
// surface that owns the path.
struct ApiError;
using ErrorRenderer = std::function<HttpResponse(const ApiError&)>;

class Router {
 public:
  void add(std::string method, std::string path, Handler handler);
  void add_prefix(std::string method, std::string prefix, Handler handler);
  // Error shape for paths under `prefix`; the longest matching prefix wins.
  void set_error_renderer(std::string prefix, ErrorRenderer renderer);

  // The handler, or null; sets `path_matched` when the path exists under another method.
  const Handler* find(const std::string& method, const std::string& path, bool& path_matched) const;
  // The methods `path` accepts, for Allow and preflights: "GET, HEAD, POST" (HEAD wherever GET
  // is, as the server answers it); empty for an unknown path. Not for the hot path.
  std::string allowed_methods(const std::string& path) const;
  HttpResponse render_error(const std::string& path, const ApiError& error) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    Handler handler;
    bool matches(const std::string& p) const;
  };
  std::vector<Route> routes_;
  std::vector<std::pair<std::string, ErrorRenderer>> renderers_;
};

}  // namespace glmgate
