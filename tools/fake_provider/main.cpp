// fake_provider: a small, fast, deterministic OpenAI-compatible upstream for glmgate's tests and
// benchmarks. POST */chat/completions answers per the scenario of the request (scenario.hpp), and
// POST */v1/messages the same scenarios in Anthropic's format;
// GET /_fake/stats, /_fake/last and /_fake/requests (the last 64) let tests see what arrived; POST
// /_fake/reset clears them; POST /_fake/script sets a directive for every request until reset
// (a provider that is down, slow or refusing a key, whatever the request says). Plain HTTP or TLS
// (--tls-cert/--tls-key). One coroutine per connection on a shared io_context.
#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "canonical/usage_json.hpp"
#include "scenario.hpp"
#include "surfaces/anthropic/messages_request.hpp"
#include "surfaces/anthropic/messages_response.hpp"
#include "surfaces/anthropic/stream_encoder.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

struct Stats {
  std::mutex mutex;
  json::object last;   // headers and body of the last chat request
  json::array recent;  // the same for the last kRecent chat requests, oldest first
  std::unordered_map<std::string, int> attempts;  // by x-request-id, for fail_first
  std::string script;  // POST /_fake/script: a directive for every request (before x-fake's)
  std::atomic<long> requests{0};
  std::atomic<long> streams_completed{0};
  std::atomic<long> streams_cancelled{0};  // the client (glmgate) went away mid-stream
  std::atomic<long> active_streams{0};
  std::atomic<long> connections{0};       // open now
  std::atomic<long> chat_connections{0};  // connections that carried a chat request: keep-alive
};

Stats g_stats;
constexpr std::size_t kRecent = 64;

bool peer_closed(int fd) {
  char c;
  ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

// Sleeps `ms` unless the peer closes first (false then). Waits on the timer and the socket at
// once, so ten thousand sleeping streams cost nothing until something happens.
asio::awaitable<bool> watchful_sleep(tcp::socket& socket, int ms) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(std::chrono::milliseconds(ms));
  auto woke =
      co_await (timer.async_wait(kNoThrow) || socket.async_wait(tcp::socket::wait_read, kNoThrow));
  if (woke.index() == 0) co_return !peer_closed(socket.native_handle());
  if (peer_closed(socket.native_handle())) co_return false;
  // Readable but open (a pipelined request): sleep out the rest without watching.
  co_await timer.async_wait(kNoThrow);
  co_return true;
}

template <class Stream>
asio::awaitable<bool> send(Stream& stream, int status, std::string_view content_type,
                           std::string_view body, bool keep_alive, int retry_after = -1) {
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, content_type);
  if (retry_after >= 0) res.set(http::field::retry_after, std::to_string(retry_after));
  res.keep_alive(keep_alive);
  res.body() = std::string(body);
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(stream, res, kNoThrow);
  co_return !ec;
}

template <class Stream>
asio::awaitable<bool> stream_chat(Stream& stream, const fake::Scenario& s,
                                  const std::vector<std::string>& events) {
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "text/event-stream");
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  auto [hec, hn] = co_await http::async_write_header(stream, sr, kNoThrow);
  if (hec) co_return false;
  g_stats.active_streams++;
  struct Active {
    ~Active() { g_stats.active_streams--; }
  } active;
  for (std::size_t i = 0; i < events.size(); ++i) {
    int index = static_cast<int>(i);
    if (index == s.reset_after) {
      auto& sock = beast::get_lowest_layer(stream).socket();
      boost::system::error_code ec;
      sock.set_option(asio::socket_base::linger(true, 0), ec);  // RST, not FIN
      sock.close(ec);
      co_return false;
    }
    if (index == s.stall_after && s.stall_ms > 0 &&
        !co_await watchful_sleep(beast::get_lowest_layer(stream).socket(), s.stall_ms)) {
      g_stats.streams_cancelled++;
      co_return false;
    }
    if (i > 0 && s.delay_ms > 0 &&
        !co_await watchful_sleep(beast::get_lowest_layer(stream).socket(), s.delay_ms)) {
      g_stats.streams_cancelled++;
      co_return false;
    }
    if (events[i].empty())
      continue;  // a converted event that says nothing (an empty chunk ends the body)
    auto [ec, n] =
        co_await asio::async_write(stream, http::make_chunk(asio::buffer(events[i])), kNoThrow);
    if (ec) {
      g_stats.streams_cancelled++;
      co_return false;
    }
  }
  auto [ec, n] = co_await asio::async_write(stream, http::make_chunk_last(), kNoThrow);
  g_stats.streams_completed++;
  co_return !ec;
}

// flood=1: chunks as fast as the socket takes them, never a wait, until the client goes away.
template <class Stream>
asio::awaitable<bool> flood(Stream& stream, const fake::Scenario& s) {
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::content_type, s.stream ? "text/event-stream" : "application/json");
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  auto [hec, hn] = co_await http::async_write_header(stream, sr, kNoThrow);
  if (hec) co_return false;
  const std::string id = "chatcmpl-flood";
  std::string piece;
  if (s.stream) {
    for (int i = 0; i < 64; ++i)
      piece += fake::flood_event(s, id);
  } else {
    auto [ec, n] = co_await asio::async_write(
        stream, http::make_chunk(asio::buffer(fake::flood_body_head(s, id))), kNoThrow);
    if (ec) co_return false;
    piece.assign(64 * 1024, 'f');
  }
  for (;;) {
    auto [ec, n] =
        co_await asio::async_write(stream, http::make_chunk(asio::buffer(piece)), kNoThrow);
    if (ec) break;
  }
  g_stats.streams_cancelled++;
  co_return false;
}

json::object headers_json(const http::request<http::string_body>& req) {
  json::object h;
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    h[name] = std::string(f.value());
  }
  return h;
}

// The answer for scenarios without directives is built once per (model, stream, usage) and
// reused, so the fake is never the bottleneck of a benchmark.
struct Prebuilt {
  std::string body;
  std::vector<std::string> events;
};
thread_local std::unordered_map<std::string, Prebuilt> t_prebuilt;

// The Anthropic endpoint answers the same scenarios in Anthropic's wire format, converted by
// glmgate's Anthropic encoders (golden-tested and checked against the official SDK separately).
std::string anthropic_body(const std::string& openai_body) {
  json::object completion = json::parse(openai_body).as_object();
  return json::serialize(glmgate::anthropic::message_from_completion(completion));
}

std::vector<std::string> anthropic_events(const std::vector<std::string>& openai_events) {
  auto encoder = glmgate::anthropic::make_stream_encoder();
  std::optional<glmgate::Usage> usage;
  std::vector<std::string> out;
  for (const auto& e : openai_events) {
    std::string converted;
    std::string_view data = std::string_view(e).substr(6);  // "data: "
    while (!data.empty() && data.back() == '\n')
      data.remove_suffix(1);
    if (data == "[DONE]") {
      encoder->done(usage, converted);
    } else {
      json::object chunk = json::parse(data).as_object();
      if (auto u = glmgate::read_usage(chunk)) usage = u;
      encoder->chunk(chunk, converted);
    }
    out.push_back(std::move(converted));
  }
  return out;
}

template <class Stream>
asio::awaitable<bool> handle_chat(Stream& stream, http::request<http::string_body>& req,
                                  bool anthropic) {
  g_stats.requests++;
  boost::system::error_code ec;
  json::value parsed = json::parse(req.body(), ec);
  if (ec || !parsed.is_object())
    co_return co_await send(
        stream, 400, "application/json",
        R"({"error":{"message":"fake: body is not JSON","type":"invalid_request_error"}})",
        req.keep_alive());
  std::string request_id(req["x-request-id"]);
  {
    std::lock_guard lock(g_stats.mutex);
    g_stats.last = json::object{{"headers", headers_json(req)}, {"body", parsed}};
    if (g_stats.recent.size() == kRecent) g_stats.recent.erase(g_stats.recent.begin());
    g_stats.recent.push_back(g_stats.last);
  }
  if (anthropic) {
    auto canonical = glmgate::anthropic::decode_messages_request(req.body());
    if (!canonical) {
      std::string body = glmgate::anthropic::error_body(canonical.error());
      co_return co_await send(stream, 400, "application/json", body, req.keep_alive());
    }
    parsed = std::move(canonical->body);
  }
  std::string directive(req["x-fake"]);
  {
    std::lock_guard lock(g_stats.mutex);
    if (!g_stats.script.empty()) directive = g_stats.script + " " + directive;
  }
  fake::Scenario s = fake::parse_scenario(parsed.get_object(), directive);
  if (!s.refuse_key.empty() && req[http::field::authorization] == "Bearer " + s.refuse_key) {
    s.status = 401;
    s.error_message = "Incorrect API key provided";
    s.fail_first = 0;
  }
  if (anthropic) s.include_usage = true;  // Anthropic streams always report usage

  if (s.fail_first > 0) {
    int attempt;
    {
      std::lock_guard lock(g_stats.mutex);
      attempt = ++g_stats.attempts[request_id];
    }
    if (attempt <= s.fail_first) {
      std::string body = fake::error_body(s);
      co_return co_await send(stream, s.status == 200 ? 500 : s.status, "application/json", body,
                              req.keep_alive(), s.retry_after);
    }
  } else if (s.status != 200) {
    std::string body = fake::error_body(s);
    co_return co_await send(stream, s.status, "application/json", body, req.keep_alive(),
                            s.retry_after);
  }
  if (s.head_delay_ms > 0 &&
      !co_await watchful_sleep(beast::get_lowest_layer(stream).socket(), s.head_delay_ms)) {
    g_stats.streams_cancelled++;
    co_return false;
  }

  bool plain = !anthropic && directive.empty() && req.body().find("fake:") == std::string::npos;
  std::string cache_key = s.model + (s.stream ? "|s" : "|n") + (s.include_usage ? "|u" : "");
  if (s.n != 1) cache_key += "|" + std::to_string(s.n);
  Prebuilt* built = nullptr;
  Prebuilt fresh;
  if (plain) {
    auto it = t_prebuilt.find(cache_key);
    if (it == t_prebuilt.end()) {
      Prebuilt p{fake::completion_body(s, "chatcmpl-fake"),
                 fake::stream_events(s, "chatcmpl-fake")};
      it = t_prebuilt.emplace(cache_key, std::move(p)).first;
    }
    built = &it->second;
  } else {
    std::string id = "chatcmpl-fake-" + std::to_string(g_stats.requests.load());
    fresh = Prebuilt{s.stream ? std::string() : fake::completion_body(s, id),
                     s.stream ? fake::stream_events(s, id) : std::vector<std::string>{}};
    if (anthropic) {
      if (s.stream)
        fresh.events = anthropic_events(fresh.events);
      else
        fresh.body = anthropic_body(fresh.body);
    }
    built = &fresh;
  }
  if (s.flood) co_return co_await flood(stream, s);
  if (!s.stream)
    co_return co_await send(stream, 200, "application/json", built->body, req.keep_alive());
  bool ok = co_await stream_chat(stream, s, built->events);
  co_return ok&& req.keep_alive();
}

template <class Stream>
asio::awaitable<void> session(Stream stream) {
  g_stats.connections++;
  bool carried_chat = false;
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (ec) break;
    auto req = parser.release();
    std::string target(req.target());
    bool keep = true;
    if (target == "/_fake/stats") {
      json::object o{{"requests", g_stats.requests.load()},
                     {"streams_completed", g_stats.streams_completed.load()},
                     {"streams_cancelled", g_stats.streams_cancelled.load()},
                     {"active_streams", g_stats.active_streams.load()},
                     {"connections", g_stats.connections.load()},
                     {"chat_connections", g_stats.chat_connections.load()}};
      std::string body = json::serialize(o);
      keep = co_await send(stream, 200, "application/json", body, req.keep_alive());
    } else if (target == "/_fake/last") {
      std::string body;
      {
        std::lock_guard lock(g_stats.mutex);
        body = json::serialize(g_stats.last);
      }
      keep = co_await send(stream, 200, "application/json", body, req.keep_alive());
    } else if (target == "/_fake/requests") {
      std::string body;
      {
        std::lock_guard lock(g_stats.mutex);
        body = json::serialize(g_stats.recent);
      }
      keep = co_await send(stream, 200, "application/json", body, req.keep_alive());
    } else if (target == "/_fake/script") {
      {
        std::lock_guard lock(g_stats.mutex);
        g_stats.script = req.body();
      }
      keep = co_await send(stream, 200, "application/json", "{}", req.keep_alive());
    } else if (target == "/_fake/reset") {
      {
        std::lock_guard lock(g_stats.mutex);
        g_stats.last = {};
        g_stats.recent.clear();
        g_stats.attempts.clear();
        g_stats.script.clear();
      }
      g_stats.requests = 0;
      g_stats.streams_completed = 0;
      g_stats.streams_cancelled = 0;
      g_stats.chat_connections = 0;
      keep = co_await send(stream, 200, "application/json", "{}", req.keep_alive());
    } else if (req.method() == http::verb::post && target.size() >= 17 &&
               target.compare(target.size() - 17, 17, "/chat/completions") == 0) {
      if (!carried_chat) {
        carried_chat = true;
        g_stats.chat_connections++;
      }
      keep = co_await handle_chat(stream, req, false);
    } else if (req.method() == http::verb::post && target.size() >= 12 &&
               target.compare(target.size() - 12, 12, "/v1/messages") == 0) {
      keep = co_await handle_chat(stream, req, true);
    } else {
      keep = co_await send(
          stream, 404, "application/json",
          R"({"error":{"message":"fake: unknown path","type":"invalid_request_error"}})",
          req.keep_alive());
    }
    if (!keep || !req.keep_alive()) break;
  }
  g_stats.connections--;
  boost::system::error_code ec;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
}

asio::awaitable<void> tls_session(tcp::socket socket, asio::ssl::context& ctx) {
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), ctx);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
  if (ec) co_return;
  co_await session(std::move(stream));
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, asio::ssl::context* tls) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
    if (ec) continue;
    socket.set_option(tcp::no_delay(true), ec);
    // A strand per connection: with --threads > 1 a connection's coroutines never run at once.
    auto executor = asio::make_strand(socket.get_executor());
    if (tls) {
      asio::co_spawn(executor, tls_session(std::move(socket), *tls), asio::detached);
    } else {
      asio::co_spawn(executor, session(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", cert, key;
  unsigned short port = 0;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--port")
      port = static_cast<unsigned short>(std::stoi(v));
    else if (a == "--host")
      host = v;
    else if (a == "--tls-cert")
      cert = v;
    else if (a == "--tls-key")
      key = v;
    else if (a == "--threads")
      threads = std::max(1, std::stoi(v));
    else {
      std::cerr << "usage: fake_provider [--host H] [--port P] [--threads N] "
                   "[--tls-cert FILE --tls-key FILE]\n";
      return 2;
    }
  }
  asio::io_context ctx(threads);
  std::unique_ptr<asio::ssl::context> tls;
  if (!cert.empty()) {
    tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls->use_certificate_chain_file(cert);
    tls->use_private_key_file(key, asio::ssl::context::pem);
  }
  tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address(host), port));
  std::cout << "fake_provider listening on " << (tls ? "https" : "http") << "://" << host << ":"
            << acceptor.local_endpoint().port() << std::endl;
  asio::co_spawn(ctx, accept_loop(acceptor, tls.get()), asio::detached);
  asio::signal_set signals(ctx, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { ctx.stop(); });
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i)
    pool.emplace_back([&] { ctx.run(); });
  ctx.run();
  for (auto& t : pool)
    t.join();
  return 0;
}
