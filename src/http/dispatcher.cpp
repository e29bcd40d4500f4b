// Dispatcher; see dispatcher.hpp. The common request (origin-form, HTTP/1.1, no Expect, Origin or
// Content-Encoding, not HEAD or OPTIONS) takes none of the detours: RequestParser flags the rest
// while parsing, and prepare() handles them.
#include "http/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include "core/api_error.hpp"
#include "http/body_decoding.hpp"
#include "http/wire.hpp"
#include "logging/access_log.hpp"

namespace glmgate {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using Special = RequestParser::Special;

namespace {

void log_request(const BeastExchange& exchange) {
  if (!spdlog::should_log(spdlog::level::info)) return;  // spares the clock read
  const auto& req = exchange.request();
  log_access({exchange.request_id(), req.method, req.path, exchange.status(),
              std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                                    exchange.received_at())});
}

void log_crash(const BeastExchange& exchange, const std::exception& e) {
  spdlog::error("request {}: handler failed: {}", exchange.request_id(), e.what());
}

}  // namespace

std::string Dispatcher::early_answer(const std::string& path, const ApiError& error,
                                     const std::string& request_id,
                                     const HttpRequest* request) const {
  HttpResponse r = router_.render_error(path, error);
  r.headers.push_back({"x-request-id", request_id});
  if (request && cors_.enabled())
    if (auto origin = cors_.allow_origin(request->header("origin")); !origin.empty())
      CorsPolicy::mark_answer(r.headers, origin);
  return wire::response(r.status, r.content_type, r.headers, r.body, false);
}

// Plain functions, not coroutine code: their temporaries stay off the request's frame.
HttpResponse Dispatcher::fallback_response(const HttpRequest& req, bool routed,
                                           bool path_matched) const {
  if (routed) return router_.render_error(req.path, ApiError::internal("Internal error"));
  ApiError err = path_matched ? ApiError{405,
                                         "invalid_request_error",
                                         "method_not_allowed",
                                         "Method " + req.method + " is not allowed on " + req.path,
                                         {}}
                              : ApiError::not_found("Unknown path: " + req.method + " " + req.path,
                                                    "unknown_url");
  HttpResponse r = router_.render_error(req.path, err);
  if (path_matched) r.headers.push_back({"allow", router_.allowed_methods(req.path)});
  return r;
}

// The uncommon parts of a request (RequestParser::Special), before its handler runs: CORS,
// preflights, HEAD (served by the GET handler), compressed bodies. Finds the handler, and
// gives the answer instead when it is decided here.
std::optional<HttpResponse> Dispatcher::prepare(BeastExchange& exchange, const Handler*& handler,
                                                bool& path_matched) const {
  HttpRequest& req = exchange.mutable_request();
  const unsigned special = exchange.special();
  std::string_view allow_origin;
  if (special & Special::kOrigin) {
    allow_origin = cors_.allow_origin(req.header("origin"));
    if ((special & Special::kOptions) && !req.header("access-control-request-method").empty())
      return preflight(exchange, allow_origin);
    exchange.set_cors(allow_origin);
  }
  const bool head = special & Special::kHead;
  if (head) exchange.set_head_only();
  static const std::string kGet = "GET";
  handler = router_.find(head ? kGet : req.method, req.path, path_matched, &req.params);
  if (handler && (special & Special::kContentEncoding)) {
    if (auto error = decode_body(req)) return router_.render_error(req.path, *error);
  }
  // Handlers branch on the method; to them a HEAD is the GET it stands for (dispatch puts
  // HEAD back for the log once the handler is done).
  if (head && handler) req.method = kGet;
  return std::nullopt;
}

// A CORS preflight: 204 with what the path allows for an allowed origin (no key needed: a
// browser never sends one with a preflight); 403 without CORS headers for any other.
HttpResponse Dispatcher::preflight(BeastExchange& exchange, std::string_view allow_origin) const {
  const HttpRequest& req = exchange.request();
  if (allow_origin.empty()) {
    std::string origin(req.header("origin").substr(0, 200));
    std::string why = "Origin \"" + origin + "\" may not call this server from a browser: ";
    why += cors_.enabled() ? "it is not in cors_origins." : "cors_origins is empty.";
    return router_.render_error(
        req.path, ApiError{403, "permission_error", "cors_origin_not_allowed", why, {}});
  }
  std::string methods = router_.allowed_methods(req.path);
  if (methods.empty()) {
    exchange.set_cors(allow_origin);
    return router_.render_error(req.path,
                                ApiError::not_found("Unknown path: " + req.path, "unknown_url"));
  }
  HttpResponse r;
  r.status = 204;
  CorsPolicy::mark_preflight(r.headers, allow_origin, methods,
                             req.header("access-control-request-headers"));
  return r;
}

// Inflates a Content-Encoding body in place; handlers then see a plain body and no
// Content-Encoding (and a Content-Length that matches).
std::optional<ApiError> Dispatcher::decode_body(HttpRequest& req) const {
  std::string encoding;
  for (const auto& h : req.headers)
    if (h.name == "content-encoding") encoding.append(encoding.empty() ? "" : ", ").append(h.value);
  const auto max = static_cast<std::size_t>(max_body_bytes_);
  if (auto error = decode_content_encoding(encoding, req.body, max)) return error;
  std::erase_if(req.headers, [](const Header& h) { return h.name == "content-encoding"; });
  for (auto& h : req.headers)
    if (h.name == "content-length") h.value = std::to_string(req.body.size());
  return std::nullopt;
}

asio::awaitable<void> Dispatcher::dispatch(BeastExchange& exchange) const {
  const auto& req = exchange.request();
  bool path_matched = false;
  const Handler* handler = nullptr;
  if (exchange.special()) {
    if (auto answer = prepare(exchange, handler, path_matched)) {
      co_await exchange.respond(std::move(*answer));
      log_request(exchange);
      co_return;
    }
  } else {
    handler = router_.find(req.method, req.path, path_matched, &exchange.mutable_request().params);
  }
  bool crashed = false;
  if (handler) {
    try {
      co_await (*handler)(exchange);
    } catch (const std::exception& e) {
      log_crash(exchange, e);
      crashed = true;
    }
  }
  if (!handler || crashed || !exchange.responded()) {
    HttpResponse r = fallback_response(req, handler != nullptr, path_matched);
    co_await exchange.respond(std::move(r));
  }
  if (exchange.special() & Special::kHead) exchange.mutable_request().method = "HEAD";
  log_request(exchange);
}

}  // namespace glmgate
