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

bool Router::Route::matches(const std::string& p) const {
  return prefix ? (p.size() > path.size() && p.rfind(path, 0) == 0) : p == path;
}

const Handler* Router::find(const std::string& method, const std::string& path,
                            bool& path_matched) const {
  path_matched = false;
  // Exact routes first, so "/v1/models" is not taken by the prefix "/v1/models/".
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& r : routes_) {
      if (r.prefix != (pass == 1)) continue;
      if (!r.matches(path)) continue;
      if (r.method == method) return &r.handler;
      path_matched = true;
    }
  }
  return nullptr;
}

std::string Router::allowed_methods(const std::string& path) const {
  static constexpr std::string_view kOrder[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
  auto accepts = [&](std::string_view method) {
    for (const auto& r : routes_)
      if (r.matches(path) && (r.method == method || (method == "HEAD" && r.method == "GET")))
        return true;
    return false;
  };
  std::string out;
  for (auto method : kOrder)
    if (accepts(method)) out.append(out.empty() ? "" : ", ").append(method);
  return out;
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
