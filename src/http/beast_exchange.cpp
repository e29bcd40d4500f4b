// BeastExchange; see beast_exchange.hpp.
#include "http/beast_exchange.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "http/asio_util.hpp"
#include "http/cors.hpp"
#include "http/wire.hpp"

namespace glmgate {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr auto kWatchDelay = std::chrono::milliseconds(20);
}  // namespace

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
namespace {

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

}  // namespace

std::string BeastExchange::remote_address() const {
  boost::system::error_code ec;
  auto peer = stream_.socket().remote_endpoint(ec);
  return ec ? std::string() : peer.address().to_string();
}

asio::awaitable<void> BeastExchange::respond(HttpResponse r) {
  if (responded_) co_return;
  responded_ = true;
  status_ = r.status;
  r.headers.push_back({"x-request-id", request_id_});
  if (special_) add_special_headers(r.headers);
  std::string out = wire::response(r.status, r.content_type, r.headers, r.body, keep_alive_);
  if (head_only_ && r.status != 204) out.resize(out.size() - r.body.size());
  co_await send(out);
}

asio::awaitable<bool> BeastExchange::begin_stream(int status, Headers headers) {
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

asio::awaitable<bool> BeastExchange::write(std::string_view data) {
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

asio::awaitable<void> BeastExchange::end_stream() {
  if (failed_ || !streaming_) co_return;
  co_await lock();
  std::string out = std::move(pending_head_);
  pending_head_.clear();
  if (!close_delimited()) out += wire::kLastChunk;
  if (!out.empty()) co_await send(out);
  unlock();
  streaming_ = false;
}

void BeastExchange::watch_client(std::function<void()> on_closed) {
  unwatch_client();
  watch_ = std::make_shared<ClientWatch>();
  watch_->on_closed = std::move(on_closed);
  watch_->arm = [this](std::shared_ptr<ClientWatch> w) { arm(std::move(w)); };
  LateWatches::on_this_thread(stream_.get_executor()).add(watch_);
}

void BeastExchange::unwatch_client() {
  if (!watch_) return;
  watch_->active = false;
  if (watch_->armed) watch_->cancel.emit(asio::cancellation_type::all);
  watch_.reset();
}

void BeastExchange::add_special_headers(Headers& headers) const {
  if (!cors_origin_.empty()) CorsPolicy::mark_answer(headers, cors_origin_);
  if ((special_ & RequestParser::Special::kHttp10) && keep_alive_ && !streaming_)
    headers.push_back({"connection", "keep-alive"});
}

void BeastExchange::arm(std::shared_ptr<ClientWatch> watch) {
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

asio::awaitable<void> BeastExchange::send(const std::string& out) {
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

asio::awaitable<void> BeastExchange::drain_writes() {
  co_await lock();
  unlock();
}

asio::awaitable<void> BeastExchange::lock() {
  // Made on first use: only a stream writes from two coroutines (its pings), and making one
  // looks its service up under the io_context's registry mutex.
  if (!write_lock_) write_lock_.emplace(executor_, 1);
  co_await write_lock_->async_send(boost::system::error_code{}, kNoThrow);
}

void BeastExchange::unlock() {
  write_lock_->try_receive([](boost::system::error_code) {});
}

}  // namespace glmgate
