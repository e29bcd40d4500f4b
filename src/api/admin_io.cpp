// The admin API's requests and answers; see admin_io.hpp.
#include "api/admin_io.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <cmath>
#include <optional>

#include "accounts/service_error.hpp"
#include "surfaces/openai/openai_surface.hpp"

namespace glmgate::admin_io {

namespace json = boost::json;

HttpResponse error_response(const ApiError& e) {
  HttpResponse r;
  r.status = e.status;
  r.body = openai::error_body(e);
  return r;
}

HttpResponse json_response(int status, const json::value& body) {
  return HttpResponse{status, "application/json", {}, json::serialize(body)};
}

json::object list(json::array data) {
  return json::object{{"object", "list"}, {"data", std::move(data)}};
}

// Admin request bodies: a JSON object, or empty for none.
json::object body_object(const HttpRequest& request) {
  if (request.body.empty()) return {};
  boost::system::error_code ec;
  json::value v = json::parse(request.body, ec);
  if (ec || !v.is_object()) throw ServiceError(400, "the request body must be a JSON object");
  return std::move(v.get_object());
}

std::string string_field(const json::object& o, std::string_view name, bool required) {
  auto it = o.find(name);
  if (it == o.end() || it->value().is_null()) {
    if (required) throw ServiceError(400, "`" + std::string(name) + "` is required");
    return {};
  }
  if (!it->value().is_string())
    throw ServiceError(400, "`" + std::string(name) + "` must be a string");
  return std::string(it->value().get_string());
}

std::int64_t int_field(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end() || it->value().is_null()) return 0;
  if (it->value().is_int64() && it->value().get_int64() >= 0) return it->value().get_int64();
  throw ServiceError(400, "`" + std::string(name) + "` must be a non-negative integer");
}

// An amount in USD: an exact decimal string ("10.5"), or a JSON number.
NanoUsd amount_field(const json::object& o) {
  auto it = o.find("amount_usd");
  if (it == o.end()) throw ServiceError(400, "`amount_usd` is required");
  std::optional<NanoUsd> nano;
  const json::value& v = it->value();
  if (v.is_string())
    nano = parse_usd(v.get_string());
  else if (v.is_int64())
    nano = parse_usd(std::to_string(v.get_int64()));
  else if (v.is_double() && std::abs(v.get_double()) <= 1e9)
    nano = static_cast<NanoUsd>(std::llround(v.get_double() * 1e9));
  if (!nano) throw ServiceError(400, "`amount_usd` must be an amount in USD, e.g. \"10.50\"");
  return *nano;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The request's query parameters, percent-decoded, parsed once.
QueryParams query_params(const HttpRequest& request) {
  QueryParams out;
  if (auto url = boost::urls::parse_origin_form(request.target))
    for (const auto& p : url->params())
      out.emplace(p.key, p.value);
  return out;
}

std::string param(const QueryParams& params, std::string_view name) {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

}  // namespace glmgate::admin_io
