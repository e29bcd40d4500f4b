// Dispatcher: a request read off a connection to its handler, and the answers the server gives
// itself: the uncommon parts of a request before its handler runs (CORS answers and
// preflights, HEAD served by the GET handler, compressed bodies inflated), 404 and 405 with
// Allow when no handler takes it, a 500 when the handler failed without answering, and the
// access line. Internal to http/; one per server, read-only once built and shared by its I/O
// threads.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "http/beast_exchange.hpp"
#include "http/cors.hpp"
#include "http/router.hpp"

namespace glmgate {

class Dispatcher {
 public:
  Dispatcher(const Router& router, const CorsPolicy& cors, std::int64_t max_body_bytes)
      : router_(router), cors_(cors), max_body_bytes_(max_body_bytes) {}

  boost::asio::awaitable<void> dispatch(BeastExchange& exchange) const;

  // The bytes of an answer given before the request is whole (413, 400, 431; the connection
  // closes after it), in the shape of the path's routes; `request`, when its head was read,
  // gets its CORS headers.
  std::string early_answer(const std::string& path, const ApiError& error,
                           const std::string& request_id, const HttpRequest* request) const;

 private:
  HttpResponse fallback_response(const HttpRequest& req, bool routed, bool path_matched) const;
  std::optional<HttpResponse> prepare(BeastExchange& exchange, const Handler*& handler,
                                      bool& path_matched) const;
  HttpResponse preflight(BeastExchange& exchange, std::string_view allow_origin) const;
  std::optional<ApiError> decode_body(HttpRequest& req) const;

  const Router& router_;
  const CorsPolicy& cors_;
  std::int64_t max_body_bytes_;
};

}  // namespace glmgate
