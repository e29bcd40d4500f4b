// HttpCall and HttpProvider; see http_call.hpp.
#include "providers/http_call.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <cstdlib>

#include "http/wire.hpp"
#include "providers/upstream_errors.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {
constexpr std::size_t kMaxErrorBytes = 1024 * 1024;

// The wait an upstream asked for: OpenAI's retry-after-ms, else Retry-After in seconds (an
// HTTP date is not worth a parser here: treated as no wait). Capped at a minute.
std::int64_t retry_after_ms(const std::string& ms, const std::string& seconds) {
  auto number = [](const std::string& s) -> std::int64_t {
    if (s.empty() || s.size() > 9) return -1;
    std::int64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  std::int64_t v = number(ms);
  if (v < 0) v = number(seconds) >= 0 ? number(seconds) * 1000 : 0;
  return std::min<std::int64_t>(v, 60'000);
}

StreamItem error_item(ApiError error) {
  StreamItem item;
  item.kind = StreamItem::Kind::error;
  item.error = std::move(error);
  return item;
}
}  // namespace

HttpProvider make_http_provider(const ProviderConfig& config, std::size_t key, std::string route,
                                const Headers& extra_headers,
                                Headers (*auth_headers)(const std::string& key)) {
  HttpProvider p;
  p.config = config;
  if (key < config.api_key_env.size()) {
    const std::string& env = config.api_key_env[key];
    const char* value = std::getenv(env.c_str());
    if (value && *value)
      p.api_key = value;
    else
      spdlog::warn("provider {}: environment variable {} is not set; calls go without a key",
                   config.name, env);
  }
  p.endpoint = make_endpoint(config);
  p.target = config.base_path + route;
  std::string common;
  wire::header(common, "Content-Type", "application/json");
  wire::header(common, "User-Agent", "glmgate/0.1");
  for (const auto& h : extra_headers)
    wire::header(common, h.name, h.value);
  if (!p.api_key.empty())
    for (const auto& h : auth_headers(p.api_key))
      wire::header(common, h.name, h.value);
  p.fixed_headers_unary = common;
  wire::header(p.fixed_headers_unary, "Accept", "application/json");
  p.fixed_headers_stream = common;
  wire::header(p.fixed_headers_stream, "Accept", "text/event-stream");
  return p;
}

HttpCall::HttpCall(const HttpProvider& provider, CallContext context, std::string body, bool stream)
    : provider_(provider), context_(std::move(context)), call_(provider.endpoint) {
  Headers headers{{"x-request-id", context_.request_id}};
  if (!context_.traceparent.empty()) {
    headers.push_back({"traceparent", context_.traceparent});
    if (!context_.tracestate.empty()) headers.push_back({"tracestate", context_.tracestate});
  }
  request_ = wire::post_request(
      provider_.target, provider_.endpoint.host_header,
      stream ? provider_.fixed_headers_stream : provider_.fixed_headers_unary, headers, body);
}

asio::awaitable<std::optional<ApiError>> HttpCall::open() {
  auto err = co_await call_.start(std::move(request_));
  if (err) co_return map_transport_error(provider_.config.name, *err);
  if (call_.status() != 200) {
    std::string body;
    auto read_err = co_await call_.read_all(body, kMaxErrorBytes);
    if (read_err && read_err->kind == UpstreamFailure::aborted)
      co_return map_transport_error(provider_.config.name, *read_err);
    ApiError e =
        map_upstream_response(provider_.config.name, call_.status(), body, provider_.api_key);
    e.retry_after_ms = retry_after_ms(call_.header("retry-after-ms"), call_.header("retry-after"));
    co_return e;
  }
  co_return std::nullopt;
}

asio::awaitable<Result<json::object>> HttpCall::response(json::storage_ptr storage) {
  std::string body;
  if (auto err = co_await call_.read_all(body, provider_.endpoint.max_body_bytes))
    co_return map_transport_error(provider_.config.name, *err);
  boost::system::error_code ec;
  std::array<TextSpan, 2> spans;
  json::value parsed = answer_is_canonical()
                           ? parse_locating(body, kUpstreamTextKeys, spans, ec, std::move(storage))
                           : json::parse(body, ec, std::move(storage));
  if (ec || !parsed.is_object())
    co_return ApiError::upstream("Upstream " + provider_.config.name +
                                 " returned a body that is not a JSON object");
  auto& obj = parsed.get_object();
  if (obj.contains("error"))
    co_return map_upstream_response(provider_.config.name, 502, body, provider_.api_key);
  if (spans[0].found() && spans[1].found()) text_.emplace(UpstreamText{std::move(body), spans});
  co_return convert_response(obj, text_ ? text_->body : body);
}

asio::awaitable<StreamItem> HttpCall::next() {
  for (;;) {
    if (next_pending_ < pending_.size()) co_return take_pending();
    if (finished_) co_return StreamItem{};
    // Every chunk handed out before has been consumed (see provider.hpp): start a fresh arena.
    // A fresh one, not release(): release() keeps the doubled block size, so an arena reused
    // for every read of a long stream would soon ask for gigabytes.
    chunk_arena_.emplace(chunk_buffer_, sizeof chunk_buffer_);
    std::string bytes;
    bool done = false;
    std::optional<UpstreamError> err = co_await call_.read_some(bytes, done);
    if (err) {
      finished_ = true;
      push_error(map_transport_error(provider_.config.name, *err));
    } else {
      absorb(bytes, done);
    }
  }
}

// Out of next()'s coroutine frame, which a waiting stream keeps: its temporaries stay on the
// stack.
StreamItem HttpCall::take_pending() {
  StreamItem item = std::move(pending_[next_pending_++]);
  if (next_pending_ == pending_.size()) {
    pending_.clear();
    next_pending_ = 0;
  }
  return item;
}

void HttpCall::absorb(const std::string& bytes, bool done) {
  std::vector<SseEvent> events;
  if (!parser_.feed(bytes, events)) {
    call_.abort();
    push_error(ApiError::upstream("Upstream " + provider_.config.name +
                                  " sent an oversized stream event"));
    return;
  }
  for (auto& e : events) {
    if (finished_) break;
    handle_event(e, json::storage_ptr(&*chunk_arena_));
  }
  if (done && !finished_) {
    finished_ = true;
    // Some servers end without a terminator; without a finish reason the stream was cut.
    if (!saw_finish_)
      pending_.push_back(error_item(ApiError::upstream("Upstream " + provider_.config.name +
                                                       " closed the stream before it finished")));
  }
}

asio::awaitable<void> HttpCall::recycle() {
  // A server writes the terminator right after the last event, so it arrives with it or just
  // after, whatever the distance. One that sends more, or nothing for 100 ms, loses its
  // connection (the next request pays a connect) rather than holding the client's connection,
  // whose next request waits for this.
  constexpr std::size_t kMaxTrailingBytes = 16 * 1024;
  co_await call_.finish_body(kMaxTrailingBytes, std::chrono::milliseconds(100));
}

void HttpCall::push_chunk(json::object chunk, bool finishes) {
  saw_finish_ = saw_finish_ || finishes;
  // Move-constructed, so the chunk stays in its arena (assignment would copy it out).
  pending_.push_back(StreamItem{StreamItem::Kind::chunk, std::move(chunk), {}});
}

void HttpCall::push_error(ApiError error) {
  finished_ = true;
  // Whatever built it (a converter reading the upstream's error event), no field of it may
  // carry the provider's key.
  for (std::string* field : {&error.message, &error.code, &error.type, &error.param})
    *field = redact(*field, provider_.api_key);
  pending_.push_back(error_item(std::move(error)));
}

}  // namespace glmgate
