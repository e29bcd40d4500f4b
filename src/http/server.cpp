// Server implementation over Boost.Beast; see server.hpp. Each connection runs session() on its
// own io_context; the Exchange given to handlers writes through the same stream. The common
// request (origin-form, HTTP/1.1, no Expect, Origin or Content-Encoding, not HEAD or OPTIONS)
// takes none of the detours below: RequestParser flags the rest while parsing, and prepare()
// handles them.
#include "http/server.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <cerrno>
#include <optional>
#include <thread>

#include "core/api_error.hpp"
#include "core/random.hpp"
#include "http/asio_util.hpp"
#include "http/body_decoding.hpp"
#include "http/cors.hpp"
#include "http/request_parser.hpp"
#include "http/wire.hpp"
#include "logging/access_log.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kHeaderLimit = 64 * 1024;
constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr auto kWatchDelay = std::chrono::milliseconds(20);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
using Special = RequestParser::Special;

// An absolute-form target (RFC 9112 3.2.2: "http://host/path?query", as sent to a proxy; servers
// must accept it) is served by its path and query; `origin_form` gets the origin-form
// equivalent for handlers that read the target. Other schemes and host-less URLs are refused.
bool split_absolute(const std::string& target, std::string& path, std::string& query,
                    std::string& origin_form) {
  auto url = boost::urls::parse_absolute_uri(target);
  if (!url) return false;
  auto scheme = url->scheme_id();
  if ((scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) ||
      !url->has_authority() || url->encoded_host().empty())
    return false;
  path = std::string(url->path());
  if (path.empty()) path = "/";
  query = std::string(url->encoded_query());
  origin_form = url->encoded_path().empty() ? std::string("/") : std::string(url->encoded_path());
  if (url->has_query()) origin_form += "?" + query;
  return true;
}

// The decoded path and the raw query of a request target; false when it is malformed or neither
// origin-form nor absolute-form (`OPTIONS *` included, as nginx does). A target of unreserved
// characters and slashes only (every API path) is its own path, without a trip through
// Boost.URL's parser; anything else (a query, escapes) takes that trip.
bool split_target(const std::string& target, std::string& path, std::string& query,
                  std::string& origin_form) {
  auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '-' || c == '.' || c == '_' || c == '~';
  };
  if (!target.empty() && target[0] == '/' && std::all_of(target.begin(), target.end(), plain)) {
    path = target;
    return true;
  }
  if (!target.empty() && target[0] != '/') return split_absolute(target, path, query, origin_form);
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return false;
  path = std::string(url->path());
  query = std::string(url->encoded_query());
  return true;
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

// A watch on a client socket for as long as a handler waits on the upstream. The peek that
// watches owns it, so a cancelled peek completing after the exchange is gone touches nothing
// else; `active` turns false when the exchange unwatches (its owner may be gone after that).
struct ClientWatch {
  bool active = true;
  bool armed = false;
  char peeked = 0;
  Clock::time_point since = Clock::now();
  std::function<void()> on_closed;
  std::function<void(std::shared_ptr<ClientWatch>)> arm;
  asio::cancellation_signal cancel;
};

// Watches start late: arming one costs a receive syscall (Asio tries the read at once) and a
// cancelled completion, and most calls end before a client could usefully be noticed leaving.
// One timer per I/O thread arms the watches of calls still running after kWatchDelay, and sleeps
// while there are none. Only for the server's I/O threads: each runs one io_context, the one
// whose executor first asks, for its whole life, and holds all its connections.
class LateWatches {
 public:
  static LateWatches& on_this_thread(const asio::any_io_executor& executor) {
    thread_local LateWatches watches(executor);
    return watches;
  }

  void add(std::shared_ptr<ClientWatch> watch) {
    pending_.push_back(std::move(watch));
    if (!ticking_) tick();
  }

 private:
  explicit LateWatches(const asio::any_io_executor& executor) : timer_(executor) {}

  void tick() {
    ticking_ = true;
    timer_.expires_after(kWatchDelay / 2);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      sweep();
    });
  }

  void sweep() {
    const auto due = Clock::now() - kWatchDelay;
    std::erase_if(pending_, [due](std::shared_ptr<ClientWatch>& w) {
      if (!w->active) return true;
      if (w->since > due) return false;
      w->arm(w);
      return true;
    });
    ticking_ = false;
    if (!pending_.empty()) tick();
  }

  std::vector<std::shared_ptr<ClientWatch>> pending_;
  asio::steady_timer timer_;
  bool ticking_ = false;
};

class BeastExchange final : public Exchange {
 public:
  BeastExchange(beast::tcp_stream& stream, HttpRequest request, std::string request_id,
                bool keep_alive, unsigned special, Clock::time_point received_at,
                const asio::any_io_executor& executor)
      : stream_(stream),
        request_(std::move(request)),
        request_id_(std::move(request_id)),
        keep_alive_(keep_alive),
        special_(special),
        received_at_(received_at),
        last_write_(received_at),
        executor_(executor) {}

  const HttpRequest& request() const override { return request_; }
  // For prepare(), before any handler runs.
  HttpRequest& mutable_request() { return request_; }
  unsigned special() const { return special_; }
  // HEAD: the answer's head only; its Content-Length stays that of the body left off.
  void set_head_only() { head_only_ = true; }
  // The Access-Control-Allow-Origin value of every answer; owned by the CorsPolicy.
  void set_cors(std::string_view allow_origin) { cors_origin_ = allow_origin; }
  const std::string& request_id() const override { return request_id_; }
  Clock::time_point received_at() const override { return received_at_; }
  Clock::time_point last_write() const override { return last_write_; }
  bool responded() const { return responded_; }
  bool connection_usable() const { return responded_ && !failed_ && keep_alive_; }
  int status() const { return status_; }

  asio::awaitable<void> respond(HttpResponse r) override {
    if (responded_) co_return;
    responded_ = true;
    status_ = r.status;
    r.headers.push_back({"x-request-id", request_id_});
    if (special_) add_special_headers(r.headers);
    std::string out = wire::response(r.status, r.content_type, r.headers, r.body, keep_alive_);
    if (head_only_ && r.status != 204) out.resize(out.size() - r.body.size());
    co_await send(out);
  }

  // The head is held back and leaves with the first chunk: one send instead of two, and the
  // client sees the stream begin with data. A ping or the end sends it as well. An HTTP/1.0
  // client cannot read chunked: its stream is the raw bytes, ended by closing the connection.
  asio::awaitable<bool> begin_stream(int status, Headers headers) override {
    if (responded_) co_return false;
    responded_ = true;
    streaming_ = true;
    status_ = status;
    if (special_) add_special_headers(headers);
    pending_head_.reserve(256);
    wire::start_response(pending_head_, status);
    wire::header(pending_head_, "x-request-id", request_id_);
    for (auto& h : headers)
      wire::header(pending_head_, h.name, h.value);
    if (close_delimited()) {
      keep_alive_ = false;
      wire::finish_until_close(pending_head_);
    } else {
      wire::finish_chunked(pending_head_, keep_alive_);
    }
    if (head_only_) {  // the head alone, and the handler is told to stop
      std::string out = std::move(pending_head_);
      streaming_ = false;
      co_await send(out);
      co_return false;
    }
    co_return true;
  }

  asio::awaitable<bool> write(std::string_view data) override {
    if (failed_ || !streaming_) co_return false;
    if (data.empty()) co_return true;
    co_await lock();
    if (!failed_) {
      std::string out = std::move(pending_head_);
      pending_head_.clear();
      if (close_delimited())
        out += data;
      else
        wire::chunk(out, data);
      co_await send(out);
    }
    unlock();
    co_return !failed_;
  }

  asio::awaitable<void> end_stream() override {
    if (failed_ || !streaming_) co_return;
    co_await lock();
    std::string out = std::move(pending_head_);
    pending_head_.clear();
    if (!close_delimited()) out += wire::kLastChunk;
    if (!out.empty()) co_await send(out);
    unlock();
    streaming_ = false;
  }

  asio::awaitable<void> drain_writes() override {
    co_await lock();
    unlock();
  }

  void watch_client(std::function<void()> on_closed) override {
    unwatch_client();
    watch_ = std::make_shared<ClientWatch>();
    watch_->on_closed = std::move(on_closed);
    watch_->arm = [this](std::shared_ptr<ClientWatch> w) { arm(std::move(w)); };
    LateWatches::on_this_thread(stream_.get_executor()).add(watch_);
  }

  void unwatch_client() override {
    if (!watch_) return;
    watch_->active = false;
    if (watch_->armed) watch_->cancel.emit(asio::cancellation_type::all);
    watch_.reset();
  }

  ~BeastExchange() override { unwatch_client(); }

 private:
  bool close_delimited() const { return special_ & Special::kHttp10; }

  // CORS, and the keep-alive an HTTP/1.0 client must be told of (it assumes a close otherwise).
  void add_special_headers(Headers& headers) const {
    if (!cors_origin_.empty()) CorsPolicy::mark_answer(headers, cors_origin_);
    if ((special_ & Special::kHttp10) && keep_alive_ && !streaming_)
      headers.push_back({"connection", "keep-alive"});
  }

  // A peek, not async_wait: Asio re-registers the descriptor with epoll (a syscall) for every
  // wait, not for a receive.
  void arm(std::shared_ptr<ClientWatch> watch) {
    watch->armed = true;
    auto slot = watch->cancel.slot();
    auto buffer = asio::buffer(&watch->peeked, 1);
    stream_.socket().async_receive(
        buffer, tcp::socket::message_peek,
        asio::bind_cancellation_slot(slot,
                                     [this, watch](boost::system::error_code ec, std::size_t n) {
                                       if (!watch->active) return;  // unwatched: `this` may be gone
                                       watch->active = false;
                                       if (!ec && n > 0)
                                         return;  // a pipelined request: the client is still there
                                       failed_ = true;  // end of stream or a reset
                                       watch->on_closed();
                                     }));
  }

  asio::awaitable<void> send(const std::string& out) {
    boost::system::error_code ec;
    std::size_t sent = write_now(stream_.socket(), asio::buffer(out), ec);
    if (!ec && sent < out.size()) {
      stream_.expires_after(kWriteTimeout);
      auto [wec, n] = co_await asio::async_write(stream_, asio::buffer(out) + sent, kNoThrow);
      stream_.expires_never();
      ec = wec;
    }
    if (ec) failed_ = true;
    last_write_ = Clock::now();
  }

  asio::awaitable<void> lock() {
    // Made on first use: only a stream writes from two coroutines (its pings), and making one
    // looks its service up under the io_context's registry mutex.
    if (!write_lock_) write_lock_.emplace(executor_, 1);
    co_await write_lock_->async_send(boost::system::error_code{}, kNoThrow);
  }
  void unlock() {
    write_lock_->try_receive([](boost::system::error_code) {});
  }

  beast::tcp_stream& stream_;
  HttpRequest request_;
  std::string request_id_;
  bool keep_alive_;
  unsigned special_;  // RequestParser::Special
  bool head_only_ = false;
  std::string_view cors_origin_;
  bool responded_ = false;
  bool streaming_ = false;
  bool failed_ = false;
  int status_ = 0;
  std::string pending_head_;  // a stream's head, until the first write
  Clock::time_point received_at_;
  Clock::time_point last_write_;
  std::shared_ptr<ClientWatch> watch_;
  asio::any_io_executor executor_;
  // A one-slot channel used as an async mutex: a ping and a data chunk never interleave.
  std::optional<asio::experimental::channel<void(boost::system::error_code)>> write_lock_;
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  const Router& router;
  CorsPolicy cors;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::atomic<std::int64_t> open_connections{0};
  std::atomic<bool> stopped{false};
  std::size_t next_context = 0;

  Impl(ServerOptions o, const Router& r)
      : options(std::move(o)), router(r), cors(options.cors_origins) {
    int n = options.threads > 0
                ? options.threads
                : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < n; ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
      guards.push_back(asio::make_work_guard(*contexts.back()));
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto& target = *contexts[next_context++ % contexts.size()];
      auto [ec, socket] = co_await acceptor->async_accept(target, kNoThrow);
      if (ec) {
        if (stopped || ec == asio::error::operation_aborted) co_return;
        // EMFILE and friends: back off briefly instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        asio::steady_timer t(acceptor->get_executor(), std::chrono::milliseconds(50));
        co_await t.async_wait(kNoThrow);
        continue;
      }
      if (open_connections.load(std::memory_order_relaxed) >= options.max_connections) {
        boost::system::error_code ignored;
        socket.close(ignored);  // over the cap: refuse at once rather than queue
        continue;
      }
      open_connections.fetch_add(1, std::memory_order_relaxed);
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(target, session(std::move(socket)), asio::detached);
    }
  }

  // An answer before the request is whole (the connection closes after it); `request`, when its
  // head was read, gets its CORS headers.
  asio::awaitable<void> write_error(beast::tcp_stream& stream, const std::string& path,
                                    const ApiError& error, const std::string& request_id,
                                    const HttpRequest* request = nullptr) {
    HttpResponse r = router.render_error(path, error);
    r.headers.push_back({"x-request-id", request_id});
    if (request && cors.enabled())
      if (auto origin = cors.allow_origin(request->header("origin")); !origin.empty())
        CorsPolicy::mark_answer(r.headers, origin);
    std::string out = wire::response(r.status, r.content_type, r.headers, r.body, false);
    stream.expires_after(kWriteTimeout);
    co_await asio::async_write(stream, asio::buffer(out), kNoThrow);
  }

  // 413 for a body over max_body_bytes, then the lingering close below.
  asio::awaitable<void> refuse_too_large(beast::tcp_stream& stream, const std::string& path,
                                         const std::string& request_id,
                                         const HttpRequest& request) {
    ApiError too_large = ApiError::body_too_large(static_cast<std::size_t>(options.max_body_bytes));
    co_await write_error(stream, path, too_large, request_id, &request);
    co_await lingering_close(stream);
  }

  // After refusing a request whose body is still arriving, read and drop what the client sends
  // for a moment before closing: closing at once would reset the connection, and most clients
  // then report a broken pipe instead of the 413 they were sent.
  static asio::awaitable<void> lingering_close(beast::tcp_stream& stream) {
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

  // A connection's coroutine. What a request needs lives in read_request's frame and in the
  // exchange on the heap, both gone when the request is: a coroutine frame keeps every local for
  // its whole life, and this one lasts as long as the connection (a stream, an idle keep-alive).
  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    boost::system::error_code nb_ec;
    stream.socket().non_blocking(true, nb_ec);  // for write_now()
    for (;;) {
      if (buffer.size() == 0) {
        // Idle keep-alive: wait for the first byte of the next request.
        // expires_at, not expires_after: Beast's expires_after reads the clock once for each of
        // its two timers, and a clock read is not free in a VM.
        stream.expires_at(Clock::now() + std::chrono::milliseconds(options.idle_timeout_ms));
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(1024), kNoThrow);
        if (ec) break;
        buffer.commit(n);
      }
      std::unique_ptr<BeastExchange> exchange = co_await read_request(stream, buffer);
      if (!exchange) break;
      co_await dispatch(*exchange);
      if (!exchange->connection_usable()) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    open_connections.fetch_sub(1, std::memory_order_relaxed);
  }

  // Reads one request's header and body. A request that cannot be served (malformed, too large,
  // cut off) is answered here when it can be, and gives nullptr: the connection closes.
  asio::awaitable<std::unique_ptr<BeastExchange>> read_request(beast::tcp_stream& stream,
                                                               beast::flat_buffer& buffer) {
    const auto idle = std::chrono::milliseconds(options.idle_timeout_ms);
    const auto header_timeout = std::chrono::milliseconds(options.header_timeout_ms);
    RequestParser parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(static_cast<std::uint64_t>(options.max_body_bytes));
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
        len && *len > static_cast<std::uint64_t>(options.max_body_bytes)) {
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

  // `Expect: 100-continue` from an HTTP/1.1 client (RFC 9110 10.1.1: never to HTTP/1.0). Other
  // expectations are ignored, as nginx does.
  static bool expects_continue(const RequestParser& parser) {
    if (parser.special() & Special::kHttp10) return false;
    return iequals_ascii(trim_ows(parser.request().header("expect")), "100-continue");
  }

  // Plain functions, not coroutine code: their temporaries stay off the request's frame.
  HttpResponse fallback_response(const HttpRequest& req, bool routed, bool path_matched) const {
    if (routed) return router.render_error(req.path, ApiError::internal("Internal error"));
    ApiError err =
        path_matched
            ? ApiError{405,
                       "invalid_request_error",
                       "method_not_allowed",
                       "Method " + req.method + " is not allowed on " + req.path,
                       {}}
            : ApiError::not_found("Unknown path: " + req.method + " " + req.path, "unknown_url");
    HttpResponse r = router.render_error(req.path, err);
    if (path_matched) r.headers.push_back({"allow", router.allowed_methods(req.path)});
    return r;
  }

  // The uncommon parts of a request (RequestParser::Special), before its handler runs: CORS,
  // preflights, HEAD (served by the GET handler), compressed bodies. Finds the handler, and
  // gives the answer instead when it is decided here.
  std::optional<HttpResponse> prepare(BeastExchange& exchange, const Handler*& handler,
                                      bool& path_matched) const {
    HttpRequest& req = exchange.mutable_request();
    const unsigned special = exchange.special();
    std::string_view allow_origin;
    if (special & Special::kOrigin) {
      allow_origin = cors.allow_origin(req.header("origin"));
      if ((special & Special::kOptions) && !req.header("access-control-request-method").empty())
        return preflight(exchange, allow_origin);
      exchange.set_cors(allow_origin);
    }
    const bool head = special & Special::kHead;
    if (head) exchange.set_head_only();
    static const std::string kGet = "GET";
    handler = router.find(head ? kGet : req.method, req.path, path_matched);
    if (handler && (special & Special::kContentEncoding)) {
      if (auto error = decode_body(req)) return router.render_error(req.path, *error);
    }
    // Handlers branch on the method; to them a HEAD is the GET it stands for (dispatch puts
    // HEAD back for the log once the handler is done).
    if (head && handler) req.method = kGet;
    return std::nullopt;
  }

  // A CORS preflight: 204 with what the path allows for an allowed origin (no key needed: a
  // browser never sends one with a preflight); 403 without CORS headers for any other.
  HttpResponse preflight(BeastExchange& exchange, std::string_view allow_origin) const {
    const HttpRequest& req = exchange.request();
    if (allow_origin.empty()) {
      std::string origin(req.header("origin").substr(0, 200));
      std::string why = "Origin \"" + origin + "\" may not call this server from a browser: ";
      why += cors.enabled() ? "it is not in cors_origins." : "cors_origins is empty.";
      return router.render_error(
          req.path, ApiError{403, "permission_error", "cors_origin_not_allowed", why, {}});
    }
    std::string methods = router.allowed_methods(req.path);
    if (methods.empty()) {
      exchange.set_cors(allow_origin);
      return router.render_error(req.path,
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
  std::optional<ApiError> decode_body(HttpRequest& req) const {
    std::string encoding;
    for (const auto& h : req.headers)
      if (h.name == "content-encoding")
        encoding.append(encoding.empty() ? "" : ", ").append(h.value);
    const auto max = static_cast<std::size_t>(options.max_body_bytes);
    if (auto error = decode_content_encoding(encoding, req.body, max)) return error;
    std::erase_if(req.headers, [](const Header& h) { return h.name == "content-encoding"; });
    for (auto& h : req.headers)
      if (h.name == "content-length") h.value = std::to_string(req.body.size());
    return std::nullopt;
  }

  static void log_request(const BeastExchange& exchange) {
    if (!spdlog::should_log(spdlog::level::info)) return;  // spares the clock read
    const auto& req = exchange.request();
    log_access({exchange.request_id(), req.method, req.path, exchange.status(),
                std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                                      exchange.received_at())});
  }

  static void log_crash(const BeastExchange& exchange, const std::exception& e) {
    spdlog::error("request {}: handler failed: {}", exchange.request_id(), e.what());
  }

  asio::awaitable<void> dispatch(BeastExchange& exchange) {
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
      handler = router.find(req.method, req.path, path_matched);
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
};

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() {
  stop();
}

void Server::bind() {
  auto& ctx = *impl_->contexts[0];
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) throw std::runtime_error("listen: \"" + impl_->options.host + "\" is not an IP address");
  tcp::endpoint endpoint(address, impl_->options.port);
  auto acceptor = std::make_unique<tcp::acceptor>(ctx);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + impl_->options.host + ":" +
                             std::to_string(impl_->options.port) + ": " + ec.message());
  impl_->acceptor = std::move(acceptor);
}

std::uint16_t Server::port() const {
  return impl_->acceptor->local_endpoint().port();
}

void Server::run() {
  auto& ctx = *impl_->contexts[0];
  asio::signal_set signals(ctx, SIGINT, SIGTERM);
  signals.async_wait([this](boost::system::error_code ec, int) {
    if (!ec) stop();
  });
  asio::co_spawn(ctx, impl_->accept_loop(), asio::detached);
  // Every context runs on a thread of its own, never the caller's: thread-local upstream pools
  // are then destroyed as each worker exits, while its io_context still exists.
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < impl_->contexts.size(); ++i)
    threads.emplace_back([this, i] { impl_->contexts[i]->run(); });
  for (auto& t : threads)
    t.join();
}

void Server::stop() {
  if (impl_->stopped.exchange(true)) return;
  for (auto& ctx : impl_->contexts)
    ctx->stop();
}

}  // namespace glmgate
