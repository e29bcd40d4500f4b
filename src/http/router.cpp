// Router; see router.hpp.
#include "http/router.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/api_error.hpp"

namespace glmgate {

void Router::add(std::string method, std::string pattern, Handler handler, ErrorRenderer errors) {
  Route route{std::move(method), PathPattern(std::move(pattern)), std::move(handler),
              std::move(errors)};
  (route.pattern.literal() ? literal_ : patterns_).push_back(std::move(route));
}

void Router::set_error_renderer(std::string prefix, ErrorRenderer renderer) {
  renderers_.emplace_back(std::move(prefix), std::move(renderer));
}

const Handler* Router::find(const std::string& method, const std::string& path, bool& path_matched,
                            PathParams* params) const {
  path_matched = false;
  for (const auto& r : literal_) {
    if (r.pattern.text() != path) continue;
    if (r.method == method) return &r.handler;
    path_matched = true;
  }
  for (const auto& r : patterns_) {
    if (r.method != method) {
      path_matched = path_matched || r.pattern.match(path, nullptr);
      continue;
    }
    if (r.pattern.match(path, params)) return &r.handler;
  }
  return nullptr;
}

std::string Router::allowed_methods(const std::string& path) const {
  static constexpr std::string_view kOrder[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
  auto accepts = [&](std::string_view method) {
    for (const auto* routes : {&literal_, &patterns_})
      for (const auto& r : *routes)
        if ((r.method == method || (method == "HEAD" && r.method == "GET")) &&
            r.pattern.match(path, nullptr))
          return true;
    return false;
  };
  std::string out;
  for (auto method : kOrder)
    if (accepts(method)) out.append(out.empty() ? "" : ", ").append(method);
  return out;
}

HttpResponse Router::render_error(const std::string& path, const ApiError& error) const {
  for (const auto* routes : {&literal_, &patterns_})
    for (const auto& r : *routes)
      if (r.errors && r.pattern.match(path, nullptr)) return r.errors(error);
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
