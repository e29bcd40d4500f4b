// OtlpExporter; see otlp_exporter.hpp. Its thread is not an I/O thread of the server, so its
// POSTs are plain blocking Beast calls with a deadline on the socket.
#include "telemetry/otlp_exporter.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>

#include "telemetry/otlp_json.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct OtlpExporter::Connection {
  asio::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

OtlpExporter::OtlpExporter(Options options)
    : options_(std::move(options)), connection_(std::make_unique<Connection>()) {}

OtlpExporter::~OtlpExporter() {
  stop();
}

void OtlpExporter::start() {
  thread_ = std::thread([this] { loop(); });
}

void OtlpExporter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OtlpExporter::add(std::vector<Span> spans) {
  bool full = false, wake = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() + spans.size() > options_.max_queued) {
      dropped_ += spans.size();
      full = true;
    } else {
      for (Span& s : spans)
        queue_.push_back(std::move(s));
      wake = queue_.size() >= options_.batch;
    }
  }
  if (wake) wake_.notify_one();
  if (full) {
    // At most one line a second however many calls are dropped.
    static std::atomic<std::int64_t> last_warned{0};
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
    if (last_warned.exchange(now) != now)
      spdlog::warn("spans dropped: the OTLP collector at {}:{} takes them slower than they come",
                   options_.host, options_.port);
  }
}

std::uint64_t OtlpExporter::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::uint64_t OtlpExporter::exported() const {
  std::lock_guard lock(mutex_);
  return exported_;
}

void OtlpExporter::loop() {
  std::int64_t failures = 0;
  for (;;) {
    std::vector<Span> batch;
    bool last = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.interval,
                     [this] { return stopping_ || queue_.size() >= options_.batch; });
      last = stopping_;
      const std::size_t n = std::min(queue_.size(), options_.batch);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      // What stop() leaves queued beyond one more batch is dropped: stopping takes a second.
      if (last && !queue_.empty()) {
        dropped_ += queue_.size();
        queue_.clear();
      }
    }
    if (!batch.empty()) {
      if (post(otlp_traces_json(batch, options_.service))) {
        std::lock_guard lock(mutex_);
        exported_ += batch.size();
        failures = 0;
      } else if (failures++ % 60 == 0) {
        spdlog::warn("the OTLP collector at {}:{} did not take {} spans (dropped)", options_.host,
                     options_.port, batch.size());
      }
    }
    if (last) return;
  }
}

bool OtlpExporter::post(const std::string& body) {
  Connection& c = *connection_;
  auto request =
      std::make_shared<http::request<http::string_body>>(http::verb::post, options_.path, 11);
  request->set(http::field::host, options_.host + ":" + options_.port);
  request->set(http::field::content_type, "application/json");
  request->set(http::field::user_agent, "glmgate");
  request->keep_alive(true);
  request->body() = body;
  request->prepare_payload();
  bool ok = false;
  // Async on the exporter's own io_context, run here: the stream's deadline covers every step.
  auto exchange = [&]() -> asio::awaitable<void> {
    // A kept-alive connection the collector closed fails the first try: one more on a new one.
    for (int tries = 0; tries < 2; ++tries) {
      boost::system::error_code ec;
      auto token = asio::redirect_error(asio::use_awaitable, ec);
      if (!c.stream) {
        asio::ip::tcp::resolver resolver(c.io);
        auto endpoints = co_await resolver.async_resolve(options_.host, options_.port, token);
        if (ec) co_return;
        c.stream.emplace(c.io);
        c.stream->expires_after(options_.timeout);
        co_await c.stream->async_connect(endpoints, token);
        if (ec) {
          c.stream.reset();
          co_return;
        }
      }
      c.stream->expires_after(options_.timeout);
      co_await http::async_write(*c.stream, *request, token);
      http::response<http::string_body> response;
      if (!ec) co_await http::async_read(*c.stream, c.buffer, response, token);
      if (ec) {
        c.stream.reset();
        c.buffer.clear();
        continue;
      }
      if (!response.keep_alive()) {
        c.stream.reset();
        c.buffer.clear();
      }
      ok = response.result_int() >= 200 && response.result_int() < 300;
      co_return;
    }
  };
  c.io.restart();
  asio::co_spawn(c.io, exchange(), [&c](std::exception_ptr) { c.io.stop(); });
  c.io.run();
  return ok;
}

}  // namespace glmgate
