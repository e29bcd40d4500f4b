// Router; see router.hpp.
#include "http/router.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/api_error.hpp"

namespace glmgate {

void Router::add(std::string method, std::string path, Handler handler) {
  routes_.push_back({std::move(method), std::move(path), false, std::move(handler)});
}

void Router::add_prefix(std::string method, std::string prefix, Handler handler) {
  routes_.push_back({std::move(method), std::move(prefix), true, std::move(handler)});
}

void Router::set_error_renderer(std::string prefix, ErrorRenderer renderer) {
  renderers_.emplace_back(std::move(prefix), std::move(renderer));
}

const Handler* Router::find(const std::string& method, const std::string& path,
                            bool& path_matched) const {
  path_matched = false;
  // Exact routes first, so "/v1/models" is not taken by the prefix "/v1/models/".
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& r : routes_) {
      if (r.prefix != (pass == 1)) continue;
      bool match =
          r.prefix ? (path.size() > r.path.size() && path.rfind(r.path, 0) == 0) : path == r.path;
      if (!match) continue;
      if (r.method == method) return &r.handler;
      path_matched = true;
    }
  }
  return nullptr;
}

HttpResponse Router::render_error(const std::string& path, const ApiError& error) const {
  const ErrorRenderer* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& [prefix, renderer] : renderers_) {
    if (path.rfind(prefix, 0) == 0 && prefix.size() >= best_len) {
      best = &renderer;
      best_len = prefix.size();
    }
  }
  if (best) return (*best)(error);
  HttpResponse r;
  r.status = error.status;
  r.body = boost::json::serialize(boost::json::value{
      {"error", {{"message", error.message}, {"type", error.type}, {"code", error.code}}}});
  return r;
}

}  // namespace glmgate
