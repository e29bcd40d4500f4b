// Session; see session.hpp.
#include "http/session.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include "core/api_error.hpp"
#include "core/random.hpp"
#include "http/asio_util.hpp"
#include "http/request_target.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Special = RequestParser::Special;

namespace {

constexpr std::size_t kHeaderLimit = 64 * 1024;
constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// After refusing a request whose body is still arriving, read and drop what the client sends
// for a moment before closing: closing at once would reset the connection, and most clients
// then report a broken pipe instead of the 413 they were sent.
asio::awaitable<void> lingering_close(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(5));
  std::vector<char> scratch(64 * 1024);
  std::size_t drained = 0;
  while (drained < 256u * 1024 * 1024) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(scratch), kNoThrow);
    if (rec) break;
    drained += n;
  }
}

// `Expect: 100-continue` from an HTTP/1.1 client (RFC 9110 10.1.1: never to HTTP/1.0). Other
// expectations are ignored, as nginx does.
bool expects_continue(const RequestParser& parser) {
  if (parser.special() & Special::kHttp10) return false;
  return iequals_ascii(trim_ows(parser.request().header("expect")), "100-continue");
}

}  // namespace

// A connection's coroutine. What a request needs lives in read_request's frame and in the
// exchange on the heap, both gone when the request is: a coroutine frame keeps every local for
// its whole life, and this one lasts as long as the connection (a stream, an idle keep-alive).
asio::awaitable<void> Session::run(tcp::socket socket) const {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  boost::system::error_code nb_ec;
  stream.socket().non_blocking(true, nb_ec);  // for write_now()
  for (;;) {
    if (buffer.size() == 0) {
      // Idle keep-alive: wait for the first byte of the next request.
      // expires_at, not expires_after: Beast's expires_after reads the clock once for each of
      // its two timers, and a clock read is not free in a VM.
      stream.expires_at(Clock::now() + std::chrono::milliseconds(options_.idle_timeout_ms));
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(1024), kNoThrow);
      if (ec) break;
      buffer.commit(n);
    }
    std::unique_ptr<BeastExchange> exchange = co_await read_request(stream, buffer);
    if (!exchange) break;
    co_await dispatcher_.dispatch(*exchange);
    if (!exchange->connection_usable()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.close();
  open_connections_.fetch_sub(1, std::memory_order_relaxed);
}

// Reads one request's header and body. A request that cannot be served (malformed, too large,
// cut off) is answered here when it can be, and gives nullptr: the connection closes.
asio::awaitable<std::unique_ptr<BeastExchange>> Session::read_request(
    beast::tcp_stream& stream, beast::flat_buffer& buffer) const {
  const auto idle = std::chrono::milliseconds(options_.idle_timeout_ms);
  const auto header_timeout = std::chrono::milliseconds(options_.header_timeout_ms);
  RequestParser parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(static_cast<std::uint64_t>(options_.max_body_bytes));
  // A request that arrived whole (the common case) is parsed from the buffer here; Beast's
  // asynchronous reads (header, then body) would each go through the scheduler for it.
  boost::system::error_code hec;
  feed_parser(parser, buffer, hec);
  // The whole header must arrive within the header timeout: a trickling client is cut off.
  const auto started = Clock::now();
  if (!hec && !parser.is_header_done()) {
    stream.expires_at(started + header_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
    hec = ec;
  }
  if (hec == http::error::body_limit) {  // Content-Length over the limit
    std::string path, query, origin_form;
    if (!split_target(parser.request().target, path, query, origin_form)) path = "/";
    std::string rid = fast_id("req_", 24);
    co_await refuse_too_large(stream, path, rid, parser.request());
    co_return nullptr;
  }
  if (hec) {
    if (hec != beast::error::timeout && hec != http::error::end_of_stream &&
        hec != asio::error::eof && hec != asio::error::connection_reset) {
      std::string rid = fast_id("req_", 24);
      auto err = ApiError::invalid_request("Malformed HTTP request: " + hec.message());
      if (hec == http::error::header_limit) err.status = 431;
      const std::string root = "/";
      co_await write_error(stream, root, err, rid);
    }
    co_return nullptr;
  }
  std::string path, query, origin_form;
  const bool target_ok = split_target(parser.request().target, path, query, origin_form);
  std::string request_id(parser.request().header("x-request-id"));
  if (!valid_request_id(request_id)) request_id = fast_id("req_", 24);

  if (auto len = parser.content_length();
      len && *len > static_cast<std::uint64_t>(options_.max_body_bytes)) {
    co_await refuse_too_large(stream, path, request_id, parser.request());
    co_return nullptr;
  }
  if (!target_ok) {
    ApiError malformed = ApiError::invalid_request("Malformed request target");
    const std::string root = "/";
    co_await write_error(stream, root, malformed, request_id, &parser.request());
    co_return nullptr;
  }
  // The whole request gets the longer of the idle and header timeouts, counted from its start:
  // slow but moving uploads of big prompts are fine.
  if (!parser.is_done()) {
    stream.expires_at(started + std::max(idle, header_timeout));
    if ((parser.special() & Special::kExpect) && expects_continue(parser)) {
      // The client waits for this before it sends the body (curl for a second).
      auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(kContinue), kNoThrow);
      if (cec) co_return nullptr;
    }
    auto [bec, bn] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (bec) {
      if (bec == http::error::body_limit)
        co_await refuse_too_large(stream, path, request_id, parser.request());
      co_return nullptr;
    }
  }
  stream.expires_never();

  // A long stream should not keep the capacity its request needed.
  if (buffer.size() == 0) buffer.shrink_to_fit();
  bool keep_alive = parser.keep_alive();
  HttpRequest req = parser.release();
  req.path = std::move(path);
  req.query = std::move(query);
  if (!origin_form.empty()) req.target = std::move(origin_form);
  co_return std::make_unique<BeastExchange>(stream, std::move(req), std::move(request_id),
                                            keep_alive, parser.special(), started,
                                            stream.get_executor());
}

asio::awaitable<void> Session::write_error(beast::tcp_stream& stream, const std::string& path,
                                           const ApiError& error, const std::string& request_id,
                                           const HttpRequest* request) const {
  std::string out = dispatcher_.early_answer(path, error, request_id, request);
  stream.expires_after(kWriteTimeout);
  co_await asio::async_write(stream, asio::buffer(out), kNoThrow);
}

// 413 for a body over max_body_bytes, then a lingering close.
asio::awaitable<void> Session::refuse_too_large(beast::tcp_stream& stream, const std::string& path,
                                                const std::string& request_id,
                                                const HttpRequest& request) const {
  ApiError too_large = ApiError::body_too_large(static_cast<std::size_t>(options_.max_body_bytes));
  co_await write_error(stream, path, too_large, request_id, &request);
  co_await lingering_close(stream);
}

}  // namespace glmgate
