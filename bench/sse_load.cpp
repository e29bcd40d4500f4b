// sse_load: the streaming load client of `make bench`. Holds thousands of concurrent SSE streams
// (POST, chunked text/event-stream) on one Asio thread and reports, as one JSON line, how many
// failed, the time to first event and how late each event arrived against the expected interval.
// Modes: --streams N (concurrent soak) or --sequential N (one stream after another, for TTFT).
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::string port;
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int streams = 0;
  int sequential = 0;
  int interval_ms = 1000;
  int ramp_batch = 250;  // connections opened per 10 ms while ramping up
};

struct Stats {
  std::vector<double> ttft_us;        // request sent -> first data event
  std::vector<double> gap_excess_ms;  // (gap between data events) - interval
  long events = 0;
  long errors = 0;
  long completed = 0;
  std::string first_error;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

asio::awaitable<void> one_stream(const Options& o, const tcp::resolver::results_type& endpoints,
                                 Stats& stats) {
  auto fail = [&](const std::string& what) {
    stats.errors++;
    if (stats.first_error.empty()) stats.first_error = what;
  };
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  auto [cec, ep] = co_await stream.async_connect(endpoints, kNoThrow);
  if (cec) co_return fail("connect: " + cec.message());
  http::request<http::string_body> req{http::verb::post, o.target, 11};
  req.set(http::field::host, o.host + ":" + o.port);
  req.set(http::field::content_type, "application/json");
  for (auto& [k, v] : o.headers)
    req.set(k, v);
  req.body() = o.body;
  req.prepare_payload();
  auto sent = Clock::now();
  auto [wec, wn] = co_await http::async_write(stream, req, kNoThrow);
  if (wec) co_return fail("write: " + wec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
  if (hec) co_return fail("read header: " + hec.message());
  if (parser.get().result_int() != 200)
    co_return fail("status " + std::to_string(parser.get().result_int()));
  char chunk[8192];
  std::string pending;
  std::optional<Clock::time_point> last;
  bool saw_done = false;
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, kNoThrow);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return fail("read: " + ec.message());
    auto now = Clock::now();
    pending.append(chunk, sizeof chunk - parser.get().body().size);
    for (std::size_t end; (end = pending.find("\n\n")) != std::string::npos;) {
      std::string event = pending.substr(0, end);
      pending.erase(0, end + 2);
      if (event.empty() || event[0] == ':') continue;  // keep-alive comment
      if (event.find("[DONE]") != std::string::npos) {
        saw_done = true;
        continue;
      }
      if (event.find("\"error\"") != std::string::npos) co_return fail("error event");
      stats.events++;
      if (!last) {
        stats.ttft_us.push_back(std::chrono::duration<double, std::micro>(now - sent).count());
      } else if (o.streams > 0) {
        double gap = std::chrono::duration<double, std::milli>(now - *last).count();
        stats.gap_excess_ms.push_back(gap - o.interval_ms);
      }
      last = now;
    }
  }
  if (!saw_done) co_return fail("stream ended without [DONE]");
  stats.completed++;
}

asio::awaitable<void> soak(const Options& o, Stats& stats) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto endpoints = co_await resolver.async_resolve(o.host, o.port, asio::use_awaitable);
  asio::steady_timer pace(ex);
  for (int i = 0; i < o.streams; ++i) {
    asio::co_spawn(ex, one_stream(o, endpoints, stats), asio::detached);
    if ((i + 1) % o.ramp_batch == 0) {
      pace.expires_after(std::chrono::milliseconds(10));
      co_await pace.async_wait(asio::use_awaitable);
    }
  }
}

asio::awaitable<void> sequential(const Options& o, Stats& stats) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto endpoints = co_await resolver.async_resolve(o.host, o.port, asio::use_awaitable);
  for (int i = 0; i < o.sequential; ++i)
    co_await one_stream(o, endpoints, stats);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string url;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--url")
      url = v;
    else if (a == "--body-file") {
      std::ifstream in(v);
      std::stringstream ss;
      ss << in.rdbuf();
      o.body = ss.str();
    } else if (a == "--header") {
      auto c = v.find(':');
      o.headers.emplace_back(v.substr(0, c), v.substr(c + 1));
    } else if (a == "--streams")
      o.streams = std::stoi(v);
    else if (a == "--sequential")
      o.sequential = std::stoi(v);
    else if (a == "--interval-ms")
      o.interval_ms = std::stoi(v);
    else {
      std::cerr << "usage: sse_load --url URL --body-file F [--header K:V]... "
                   "(--streams N [--interval-ms MS] | --sequential N)\n";
      return 2;
    }
  }
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || o.body.empty() || (o.streams <= 0) == (o.sequential <= 0)) {
    std::cerr << "sse_load: need --url, --body-file and one of --streams / --sequential\n";
    return 2;
  }
  o.host = std::string(parsed->host());
  o.port = parsed->has_port() ? std::string(parsed->port()) : "80";
  o.target = std::string(parsed->encoded_path());

  asio::io_context ctx(1);
  Stats stats;
  auto start = Clock::now();
  if (o.streams > 0)
    asio::co_spawn(ctx, soak(o, stats), asio::detached);
  else
    asio::co_spawn(ctx, sequential(o, stats), asio::detached);
  ctx.run();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "{\"streams\":%d,\"completed\":%ld,\"errors\":%ld,\"events\":%ld,\"seconds\":%.2f,"
      "\"ttft_us\":{\"p50\":%.1f,\"p99\":%.1f},"
      "\"gap_excess_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f},"
      "\"first_error\":\"%s\"}\n",
      o.streams > 0 ? o.streams : o.sequential, stats.completed, stats.errors, stats.events,
      seconds, percentile(stats.ttft_us, 50), percentile(stats.ttft_us, 99),
      percentile(stats.gap_excess_ms, 50), percentile(stats.gap_excess_ms, 99),
      percentile(stats.gap_excess_ms, 99.9), percentile(stats.gap_excess_ms, 100),
      stats.first_error.c_str());
  return 0;
}
