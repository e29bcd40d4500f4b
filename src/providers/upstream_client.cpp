// UpstreamCall implementation over Beast; see upstream_client.hpp.
#include "providers/upstream_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <unordered_map>

#include "http/asio_util.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxIdlePerEndpoint = 1024;
constexpr auto kMaxIdleAge = std::chrono::seconds(30);
constexpr auto kResolveTtl = std::chrono::seconds(60);

struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;  // bytes read past one response belong to the connection
  Clock::time_point idle_since;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  template <class F>
  auto with_stream(F&& f) {
    return tls ? f(*tls) : f(*plain);
  }
};

// Idle connections and resolved addresses of this I/O thread.
struct ThreadPool {
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
  std::unordered_map<std::string, std::pair<tcp::resolver::results_type, Clock::time_point>>
      resolved;
};
thread_local ThreadPool t_pool;

// When a wait of at most `a` must end, and never after the call's deadline (but at least 1 ms
// from now). A time point for expires_at: Beast's expires_after reads the clock for each of its
// two timers.
Clock::time_point due(std::chrono::milliseconds a, Clock::time_point deadline) {
  const auto now = Clock::now();
  return std::max(std::min(now + a, deadline), now + std::chrono::milliseconds(1));
}

}  // namespace

UpstreamEndpoint make_endpoint(const ProviderConfig& p) {
  UpstreamEndpoint e;
  e.name = p.name;
  e.tls = p.tls;
  e.host = p.host;
  e.port = p.port;
  bool default_port = (p.tls && p.port == "443") || (!p.tls && p.port == "80");
  std::string host = p.host.find(':') != std::string::npos ? "[" + p.host + "]" : p.host;
  e.host_header = default_port ? host : host + ":" + p.port;
  e.pool_key = p.name + (p.tls ? "|s|" : "|p|") + p.host + ":" + p.port;
  e.connect_timeout = std::chrono::milliseconds(p.connect_timeout_ms);
  e.first_byte_timeout = std::chrono::milliseconds(p.first_byte_timeout_ms);
  e.idle_timeout = std::chrono::milliseconds(p.idle_timeout_ms);
  e.total_timeout = std::chrono::milliseconds(p.total_timeout_ms);
  e.max_body_bytes = static_cast<std::size_t>(p.max_output_bytes);
  if (p.tls) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (!p.ca_file.empty()) {
      ctx->load_verify_file(p.ca_file, ec);
      if (ec)
        throw ConfigError("provider \"" + p.name + "\": ca_file \"" + p.ca_file +
                          "\" is not a PEM certificate file: " + ec.message());
    } else {
      ctx->set_default_verify_paths(ec);
    }
    e.ssl = std::move(ctx);
  }
  return e;
}

struct UpstreamCall::Impl {
  const UpstreamEndpoint& endpoint;
  std::unique_ptr<Connection> conn;
  std::unique_ptr<http::response_parser<http::buffer_body>> parser;
  std::string request;  // the request's bytes, kept for a retry
  Clock::time_point deadline;
  std::size_t body_bytes = 0;  // of the response being read
  bool aborted = false;
  int attempts = 0;

  explicit Impl(const UpstreamEndpoint& e) : endpoint(e) {}

  std::unique_ptr<Connection> take_pooled() {
    auto it = t_pool.idle.find(endpoint.pool_key);
    if (it == t_pool.idle.end()) return nullptr;
    auto& list = it->second;
    while (!list.empty()) {
      auto c = std::move(list.back());
      list.pop_back();
      if (Clock::now() - c->idle_since < kMaxIdleAge) return c;
    }
    return nullptr;
  }

  void release() {
    if (!conn) return;
    if (!aborted && parser && parser->is_done() && parser->keep_alive()) {
      auto& list = t_pool.idle[endpoint.pool_key];
      if (list.size() < kMaxIdlePerEndpoint) {
        conn->idle_since = Clock::now();
        list.push_back(std::move(conn));
      }
    }
    conn.reset();
  }

  asio::awaitable<std::optional<UpstreamError>> connect() {
    auto executor = co_await asio::this_coro::executor;
    std::string key = endpoint.host + ":" + endpoint.port;
    tcp::resolver::results_type results;
    if (auto it = t_pool.resolved.find(key);
        it != t_pool.resolved.end() && it->second.second > Clock::now()) {
      results = it->second.first;
    } else {
      tcp::resolver resolver(executor);
      auto [ec, r] = co_await resolver.async_resolve(endpoint.host, endpoint.port, kNoThrow);
      if (ec)
        co_return UpstreamError{UpstreamFailure::connect,
                                "cannot resolve " + endpoint.host + ": " + ec.message()};
      results = r;
      t_pool.resolved[key] = {results, Clock::now() + kResolveTtl};
    }
    auto c = std::make_unique<Connection>();
    auto stream = std::make_unique<beast::tcp_stream>(executor);
    stream->expires_at(due(endpoint.connect_timeout, deadline));
    auto [ec, ep] = co_await stream->async_connect(results, kNoThrow);
    if (ec)
      co_return UpstreamError{UpstreamFailure::connect, "cannot connect to " + endpoint.host + ":" +
                                                            endpoint.port + ": " + ec.message()};
    stream->socket().set_option(tcp::no_delay(true), ec);
    stream->socket().non_blocking(true, ec);  // for write_now()
    if (endpoint.tls) {
      c->tls =
          std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), *endpoint.ssl);
      boost::system::error_code addr_ec;
      asio::ip::make_address(endpoint.host, addr_ec);
      if (addr_ec)  // SNI only for names, never for IP literals
        SSL_set_tlsext_host_name(c->tls->native_handle(), endpoint.host.c_str());
      c->tls->set_verify_callback(ssl::host_name_verification(endpoint.host));
      c->lowest().expires_at(due(endpoint.connect_timeout, deadline));
      auto [hec] = co_await c->tls->async_handshake(ssl::stream_base::client, kNoThrow);
      if (hec)
        co_return UpstreamError{UpstreamFailure::connect, "TLS handshake with " + endpoint.host +
                                                              " failed: " + hec.message()};
    } else {
      c->plain = std::move(stream);
    }
    conn = std::move(c);
    co_return std::nullopt;
  }

  UpstreamError read_error(const boost::system::error_code& ec, UpstreamFailure timeout_kind) {
    if (aborted) return {UpstreamFailure::aborted, "cancelled"};
    if (ec == beast::error::timeout) {
      if (Clock::now() >= deadline) return {UpstreamFailure::timeout_total, "total timeout"};
      return {timeout_kind, timeout_kind == UpstreamFailure::timeout_first_byte
                                ? "no response within the first-byte timeout"
                                : "no data within the idle timeout"};
    }
    static const auto& http_category = make_error_code(http::error::end_of_stream).category();
    if (ec.category() == http_category && ec != http::error::end_of_stream &&
        ec != http::error::partial_message)
      return {UpstreamFailure::protocol, "invalid HTTP from upstream: " + ec.message()};
    return {UpstreamFailure::reset, "connection closed: " + ec.message()};
  }

  // One try: a pooled connection (re-tried once on a fresh one if it turns out stale), the
  // request, and the response head.
  asio::awaitable<std::optional<UpstreamError>> attempt() {
    for (int stale_retries = 0;; ++stale_retries) {
      parser.reset();
      conn = stale_retries == 0 ? take_pooled() : nullptr;
      bool reused = conn != nullptr;
      if (!conn) {
        if (auto err = co_await connect()) co_return err;
      }
      if (aborted) co_return UpstreamError{UpstreamFailure::aborted, "cancelled"};
      conn->lowest().expires_at(due(endpoint.first_byte_timeout, deadline));
      boost::system::error_code wec;
      std::size_t sent =
          conn->tls ? 0 : write_now(conn->plain->socket(), asio::buffer(request), wec);
      if (!wec && sent < request.size()) {
        auto [aec, wn] = co_await conn->with_stream(
            [&](auto& s) { return asio::async_write(s, asio::buffer(request) + sent, kNoThrow); });
        wec = aec;
      }
      if (wec) {
        conn.reset();
        if (reused && !aborted) continue;
        co_return read_error(wec, UpstreamFailure::timeout_first_byte);
      }
      parser = std::make_unique<http::response_parser<http::buffer_body>>();
      body_bytes = 0;
      parser->body_limit(boost::none);
      parser->header_limit(64 * 1024);
      auto [rec, rn] = co_await conn->with_stream(
          [&](auto& s) { return http::async_read_header(s, conn->buffer, *parser, kNoThrow); });
      if (rec) {
        bool nothing_read = rn == 0;
        conn.reset();
        // A keep-alive connection the upstream closed while idle: not a failure of the call.
        if (reused && nothing_read && !aborted && rec != beast::error::timeout) continue;
        co_return read_error(rec, UpstreamFailure::timeout_first_byte);
      }
      co_return std::nullopt;
    }
  }

  // Parses the body bytes waiting in the connection's buffer into `out`; how many it appended.
  std::size_t take_buffered(std::string& out, boost::system::error_code& ec) {
    std::size_t available = conn->buffer.size();  // framing included: the body is no larger
    if (available == 0 || parser->is_done()) return 0;
    std::size_t old_size = out.size();
    out.resize(old_size + available);
    auto& body = parser->get().body();
    body.data = out.data() + old_size;
    body.size = available;
    feed_parser(*parser, conn->buffer, ec);
    std::size_t taken = available - parser->get().body().size;
    out.resize(old_size + taken);
    body.data = nullptr;
    body.size = 0;
    return taken;
  }

  asio::awaitable<std::optional<UpstreamError>> read_some(std::string& out, bool& done) {
    return read_some_within(out, done, endpoint.idle_timeout);
  }

  asio::awaitable<std::optional<UpstreamError>> read_some_within(std::string& out, bool& done,
                                                                 std::chrono::milliseconds idle) {
    done = false;
    if (!parser || !conn) {
      done = true;
      co_return std::nullopt;
    }
    // Here and not only in the timer: a read of data that is already there never waits, so a
    // timer set to the deadline never fires for an upstream that floods.
    if (Clock::now() >= deadline) {
      conn.reset();
      co_return UpstreamError{UpstreamFailure::timeout_total, "total timeout"};
    }
    const std::size_t before = out.size();
    // The read waits without a body buffer (an idle stream then holds none, which matters when
    // ten thousand streams sit idle): the parser stops at the first body byte with need_buffer,
    // and what the connection's buffer holds is then parsed into the caller's string at once.
    while (!parser->is_done()) {
      // Bytes that came with the head or a previous read first: Beast's read would hand them
      // over too, but through a completion posted to the scheduler.
      boost::system::error_code ec;
      std::size_t taken = take_buffered(out, ec);
      if (!ec && taken == 0 && !parser->is_done()) {
        auto& body = parser->get().body();
        body.data = nullptr;
        body.size = 0;
        conn->lowest().expires_at(due(idle, deadline));
        auto [rec, n] = co_await conn->with_stream(
            [&](auto& s) { return http::async_read_some(s, conn->buffer, *parser, kNoThrow); });
        ec = rec == http::error::need_buffer ? boost::system::error_code() : rec;
        if (!ec) taken = take_buffered(out, ec);
      }
      if (ec) {
        conn.reset();
        co_return read_error(ec, UpstreamFailure::timeout_idle);
      }
      if (taken > 0) break;
    }
    body_bytes += out.size() - before;
    if (body_bytes > endpoint.max_body_bytes) {
      conn.reset();
      co_return UpstreamError{UpstreamFailure::too_large,
                              "the answer is larger than max_output_bytes (" +
                                  std::to_string(endpoint.max_body_bytes) + " bytes)"};
    }
    if (parser->is_done()) {
      done = true;
      conn->lowest().expires_never();
      release();
    }
    co_return std::nullopt;
  }
};

UpstreamCall::UpstreamCall(const UpstreamEndpoint& endpoint)
    : impl_(std::make_unique<Impl>(endpoint)) {}

UpstreamCall::~UpstreamCall() = default;

asio::awaitable<std::optional<UpstreamError>> UpstreamCall::start(std::string request) {
  auto& im = *impl_;
  im.deadline = Clock::now() + im.endpoint.total_timeout;
  im.request = std::move(request);
  for (;;) {
    ++im.attempts;
    auto err = co_await im.attempt();
    bool retryable = err ? err->kind == UpstreamFailure::connect : status() >= 500;
    if (!retryable || im.attempts >= 2 || im.aborted) {
      // No retry can follow: a long stream need not hold on to a big prompt.
      im.request.clear();
      im.request.shrink_to_fit();
      co_return err;
    }
    if (!err) {
      // Drain the 5xx body so its connection can be reused, then try once more.
      std::string ignored;
      co_await read_all(ignored, 64 * 1024);
    }
  }
}

int UpstreamCall::status() const {
  return impl_->parser ? impl_->parser->get().result_int() : 0;
}

std::string UpstreamCall::header(std::string_view name) const {
  if (!impl_->parser) return {};
  return std::string(impl_->parser->get()[name]);
}

asio::awaitable<std::optional<UpstreamError>> UpstreamCall::read_some(std::string& out,
                                                                      bool& done) {
  return impl_->read_some(out, done);
}

asio::awaitable<std::optional<UpstreamError>> UpstreamCall::read_all(std::string& out,
                                                                     std::size_t limit) {
  for (;;) {
    bool done = false;
    if (auto err = co_await impl_->read_some(out, done)) co_return err;
    if (out.size() > limit) {
      abort();
      co_return UpstreamError{UpstreamFailure::too_large,
                              "the answer is larger than " + std::to_string(limit) + " bytes"};
    }
    if (done) co_return std::nullopt;
  }
}

asio::awaitable<void> UpstreamCall::finish_body(std::size_t limit,
                                                std::chrono::milliseconds timeout) {
  auto& im = *impl_;
  std::string rest;
  for (;;) {
    if (!im.conn || !im.parser || im.aborted) co_return;
    bool done = false;
    auto err = co_await im.read_some_within(rest, done, timeout);
    if (err || done) co_return;  // read_some released the connection, or dropped it
    if (rest.size() > limit) {
      im.conn.reset();
      co_return;
    }
  }
}

void UpstreamCall::abort() {
  auto& im = *impl_;
  im.aborted = true;
  if (im.conn) {
    boost::system::error_code ignored;
    im.conn->lowest().socket().close(ignored);
  }
}

int UpstreamCall::attempts() const {
  return impl_->attempts;
}

}  // namespace glmgate
