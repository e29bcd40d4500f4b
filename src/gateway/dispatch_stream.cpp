// The streamed dispatch; see steps.hpp. A stream is one coroutine, the relay (upstream chunks to
// the client), plus two callbacks: a watcher on the client socket that cancels the upstream call
// when the client goes away, and a keep-alive timer that pings while the upstream is silent.
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "gateway/dispatch.hpp"
#include "gateway/steps.hpp"

namespace glmgate::steps {

namespace asio = boost::asio;
using Clock = Call::Clock;

namespace {

asio::awaitable<std::optional<ApiError>> open_stream(Call& call) {
  std::optional<ApiError> err = co_await open_upstream(call);
  if (!err && !call.upstream.client_gone) release_request(call);
  co_return err;
}

// One upstream item into the client's bytes. A plain function: relay()'s frame, which a waiting
// stream keeps, then holds none of its temporaries.
void encode_item(Call& call, StreamEncoder& encoder, StreamItem& item, std::string& out) {
  auto& upstream = call.upstream;
  switch (item.kind) {
    case StreamItem::Kind::chunk:
      if (!upstream.first_token) upstream.first_token = Clock::now();
      item.chunk["model"] = call.route.answered->id;
      item.chunk["id"] = call.output_id;
      if (auto u = read_usage(item.chunk)) upstream.usage = u;
      upstream.generated_chars += generated_chars(item.chunk, "delta");
      if (call.output.accumulated) call.output.accumulated->add(item.chunk);
      encoder.chunk(item.chunk, out);
      break;
    case StreamItem::Kind::end:
      finish_usage(call);  // the client is told the tokens it is charged for, estimates too
      encoder.done(call.record.usage.estimated ? call.record.usage : upstream.usage, out);
      call.record.status = 200;
      settle(call);  // before the client sees the end, so its next request sees the charge
      break;
    case StreamItem::Kind::error:
      encoder.error(item.error, out);
      call.record.status = item.error.status;
      call.error_code = item.error.code;
      spdlog::warn("request {}: upstream failed mid-stream: {}", call.record.request_id,
                   item.error.message);
      break;
  }
}

void client_left(Call& call) {
  call.upstream.client_gone = true;
  call.upstream.call->abort();
}

void log_relay_failure(Call& call, const std::exception& e) {
  spdlog::error("request {}: stream relay failed: {}", call.record.request_id, e.what());
}

asio::awaitable<void> relay(Call& call, StreamEncoder& encoder) {
  try {
    for (;;) {
      StreamItem item = co_await call.upstream.call->next();
      if (item.kind == StreamItem::Kind::error && call.upstream.client_gone) co_return;
      std::string out;
      encode_item(call, encoder, item, out);
      if (!out.empty() && !co_await call.exchange.write(out)) {
        client_left(call);
        co_return;
      }
      if (item.kind != StreamItem::Kind::chunk) co_return;
    }
  } catch (const std::exception& e) {
    log_relay_failure(call, e);
    call.upstream.call->abort();
    if (!call.record.status) call.record.status = 500;
  }
}

// Sends the encoder's ping when the stream has been silent for `interval`. A timer callback, not
// a coroutine: ten thousand quiet streams then cost a timer each. Owned by a shared_ptr that the
// pending wait holds, so a wait completing after stop() touches nothing else.
class KeepAlive : public std::enable_shared_from_this<KeepAlive> {
 public:
  KeepAlive(const asio::any_io_executor& ex, Call& call, StreamEncoder& encoder,
            std::chrono::milliseconds interval)
      : timer_(ex), call_(call), encoder_(encoder), interval_(interval) {}

  void start() { arm(); }
  void stop() {
    active_ = false;
    timer_.cancel();
  }

 private:
  void arm() {
    timer_.expires_after(interval_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || !self->active_) return;
      if (!self->pinging_ && Clock::now() - self->call_.exchange.last_write() >= self->interval_) {
        self->pinging_ = true;
        asio::co_spawn(self->timer_.get_executor(), self->ping(), asio::detached);
      }
      self->arm();
    });
  }

  asio::awaitable<void> ping() {
    auto self = shared_from_this();
    bool ok = false;
    try {
      ok = co_await call_.exchange.write(encoder_.ping());
    } catch (const std::exception&) {
    }
    pinging_ = false;
    if (!ok && active_) client_left(call_);
  }

  asio::steady_timer timer_;
  Call& call_;
  StreamEncoder& encoder_;
  std::chrono::milliseconds interval_;
  bool active_ = true;
  bool pinging_ = false;
};

}  // namespace

asio::awaitable<void> dispatch_stream(Call& call, std::chrono::milliseconds ping_interval) {
  watch_client(call);
  std::optional<ApiError> open_error = co_await open_stream(call);
  if (call.upstream.client_gone || open_error) {
    call.exchange.unwatch_client();
    if (call.upstream.client_gone)
      call.record.status = kClientClosedStatus;
    else
      co_await send_error(call, *open_error);
    co_return;
  }
  call.upstream.opened = true;
  auto encoder = call.surface.stream_encoder(call.request);
  Headers headers = encoder->headers();
  for (auto& h : call.extra_headers)
    headers.push_back(h);
  if (!co_await call.exchange.begin_stream(200, std::move(headers))) {
    client_left(call);
  } else {
    // Counted open until the relay ends, however it ends (the guard runs on unwinding too).
    struct OpenStream {
      CallMetrics* m;
      explicit OpenStream(CallMetrics* metrics) : m(metrics) {
        if (m) m->stream_opened();
      }
      ~OpenStream() {
        if (m) m->stream_closed();
      }
    } open_stream_count(call.parts.metrics);
    auto pinger = std::make_shared<KeepAlive>(co_await asio::this_coro::executor, call, *encoder,
                                              ping_interval);
    pinger->start();
    co_await relay(call, *encoder);
    pinger->stop();
    // The upstream call is over: a client leaving now must not abort it (which would close a
    // connection recycle() can still give back to the pool).
    call.exchange.unwatch_client();
    if (!call.upstream.client_gone) co_await call.exchange.end_stream();
    co_await call.exchange.drain_writes();  // a ping in flight must finish before `call` dies
  }
  call.exchange.unwatch_client();
  if (call.upstream.client_gone)
    call.record.status = kClientClosedStatus;
  else if (call.record.status == 200)
    co_await call.upstream.call->recycle();
}

}  // namespace glmgate::steps
