// The admin API's requests and answers (api/admin_routes.cpp): JSON bodies and their fields, query
// parameters, amounts in USD, and answers in the OpenAI error shape. A refused input throws
// ServiceError(400), which the admin routes answer as such. Pure functions; any thread.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/api_error.hpp"
#include "core/money.hpp"
#include "http/message.hpp"

namespace glmgate::admin_io {

HttpResponse error_response(const ApiError& e);
HttpResponse json_response(int status, const boost::json::value& body);
// {"object": "list", "data": [...]}
boost::json::object list(boost::json::array data);
// The request body as a JSON object; empty for none.
boost::json::object body_object(const HttpRequest& request);
std::string string_field(const boost::json::object& o, std::string_view name,
                         bool required = false);
// A non-negative integer field; 0 when absent.
std::int64_t int_field(const boost::json::object& o, std::string_view name);
// `amount_usd`: an exact decimal string ("10.5") or a JSON number.
NanoUsd amount_field(const boost::json::object& o);
std::int64_t now_ms();

using QueryParams = std::map<std::string, std::string, std::less<>>;
// The request's query parameters, percent-decoded.
QueryParams query_params(const HttpRequest& request);
// One of them, or empty.
std::string param(const QueryParams& params, std::string_view name);

}  // namespace glmgate::admin_io
