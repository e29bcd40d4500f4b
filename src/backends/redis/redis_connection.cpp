// RedisConnection; see redis_connection.hpp.
#include "backends/redis/redis_connection.hpp"

#include "backends/redis/redis_resp.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <optional>

namespace glmgate {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr const char* kClosedByRedis = "Redis closed the connection";

class Connection final : public RedisConnection, public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::any_io_executor executor, std::shared_ptr<const RedisSettings> settings)
      : executor_(std::move(executor)), settings_(std::move(settings)) {
    io_.emplace(executor_);
  }

  void begin() {
    asio::co_spawn(executor_, run(shared_from_this()), asio::detached);
    if (settings_->on_tick && settings_->tick_period.count() > 0) tick();
  }

  void request(std::span<const std::string> args, Handler handler) override {
    if (!accepting()) {
      if (handler) deliver(std::move(handler), RedisReply::failure(unavailable()));
      return;
    }
    append_command(out_, args);
    pending_.push_back({Clock::now() + settings_->deadline, std::move(handler)});
    arm_watchdog();
    // Written once this handler's turn ends: the commands of one turn (a call's release and its
    // tokens, the requests that arrived together) share one write.
    if (!flush_posted_ && !writing_) {
      flush_posted_ = true;
      asio::post(executor_, [self = shared_from_this()] {
        self->flush_posted_ = false;
        if (self->io_) self->flush();
      });
    }
  }

  bool accepting() const override {
    return state_ == State::up || (state_ == State::connecting && first_attempt_);
  }

  bool up_now() const override { return up_now_.load(std::memory_order_relaxed); }

  void stop() override {
    if (state_ == State::stopped) return;
    state_ = State::stopped;
    up_now_.store(false, std::memory_order_relaxed);
    if (!io_) return;
    close_socket();
    io_->backoff.cancel();
    io_->attempt.cancel();
    io_->watchdog.cancel();
    io_->tick.cancel();
    io_->resolver.cancel();
    fail_pending("Redis client stopped");
  }

  void drop_io() override {
    state_ = State::stopped;
    io_.reset();
  }

  const asio::any_io_executor& executor() const override { return executor_; }

 private:
  enum class State : unsigned char { connecting, up, down, stopped };
  struct Pending {
    Clock::time_point deadline;
    Handler handler;
  };
  // The Asio objects, destroyed with the io_context (drop_io) rather than with this object, which
  // its pending operations may keep a little longer.
  struct Io {
    explicit Io(const asio::any_io_executor& ex)
        : resolver(ex), watchdog(ex), attempt(ex), backoff(ex), tick(ex) {}
    tcp::resolver resolver;
    std::optional<tcp::socket> plain;
    std::optional<asio::ssl::stream<tcp::socket>> tls;
    asio::steady_timer watchdog;  // the oldest command's deadline
    asio::steady_timer attempt;   // a connection attempt's deadline
    asio::steady_timer backoff;
    asio::steady_timer tick;
  };

  std::string unavailable() const {
    return "Redis is unavailable" + (down_reason_.empty() ? "" : " (" + down_reason_ + ")");
  }

  void deliver(Handler handler, RedisReply reply) {
    // Posted, not called: the awaiting coroutine resumes on its own turn, outside this one. Every
    // caller is on this connection's io_context (RedisClient sees to it).
    asio::post(executor_, [h = std::move(handler), r = std::move(reply)]() mutable {
      std::move(h)(std::move(r));
    });
  }

  void fail_pending(const std::string& why) {
    auto pending = std::move(pending_);
    pending_.clear();
    out_.clear();
    for (auto& p : pending)
      if (p.handler) deliver(std::move(p.handler), RedisReply::failure(why));
  }

  void close_socket() {
    boost::system::error_code ignored;
    if (io_->tls) io_->tls->next_layer().close(ignored);
    if (io_->plain) io_->plain->close(ignored);
  }

  // Takes the connection for broken: the read loop ends and run() fails what is pending. Before
  // a connection is up, only what waits for it fails.
  void break_connection(std::string why) {
    if (state_ != State::up) return fail_pending(why);
    if (break_reason_.empty()) break_reason_ = std::move(why);
    close_socket();
  }

  void arm_watchdog() {
    if (watchdog_armed_ || pending_.empty() || !io_) return;
    watchdog_armed_ = true;
    io_->watchdog.expires_at(pending_.front().deadline);
    io_->watchdog.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      self->watchdog_armed_ = false;
      if (ec || !self->io_ || self->state_ == State::stopped) return;
      if (!self->pending_.empty() && self->pending_.front().deadline <= Clock::now())
        return self->break_connection("Redis did not answer within " +
                                      std::to_string(self->settings_->deadline.count()) + " ms");
      self->arm_watchdog();
    });
  }

  void flush() {
    if (writing_ || out_.empty() || state_ != State::up) return;
    writing_ = true;
    writing_buf_.swap(out_);
    out_.clear();
    auto done = [self = shared_from_this(), gen = generation_](boost::system::error_code ec,
                                                               std::size_t) {
      if (gen != self->generation_) return;  // a connection since closed
      self->writing_ = false;
      self->writing_buf_.clear();
      if (ec) return self->break_connection("writing to Redis failed: " + ec.message());
      self->flush();
    };
    if (io_->tls)
      asio::async_write(*io_->tls, asio::buffer(writing_buf_), std::move(done));
    else
      asio::async_write(*io_->plain, asio::buffer(writing_buf_), std::move(done));
  }

  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read_some() {
    if (io_->tls) co_return co_await io_->tls->async_read_some(asio::buffer(read_buf_), kNoThrow);
    co_return co_await io_->plain->async_read_some(asio::buffer(read_buf_), kNoThrow);
  }

  // Feeds what was read to the reader and takes every complete reply out; false (with
  // break_reason_) when the bytes are not RESP.
  bool take_replies(std::size_t n, std::vector<RedisReply>* into) {
    if (!reader_.feed(read_buf_.data(), n)) {
      break_reason_ = "unreadable reply from Redis: " + reader_.error();
      return false;
    }
    for (;;) {
      std::optional<RedisReply> next = reader_.next();
      if (!next) {
        if (reader_.error().empty()) return true;
        break_reason_ = "unreadable reply from Redis: " + reader_.error();
        return false;
      }
      RedisReply& reply = *next;
      if (into) {
        into->push_back(std::move(reply));
        continue;
      }
      if (pending_.empty()) {
        break_reason_ = "Redis sent a reply to no command";
        return false;
      }
      Pending p = std::move(pending_.front());
      pending_.pop_front();
      if (p.handler) deliver(std::move(p.handler), std::move(reply));
    }
  }

  // TCP (and TLS), then AUTH, SELECT and the script loads, within connect_timeout. Empty when
  // connected, else why not.
  asio::awaitable<std::string> connect_once() {
    const RedisUrl& url = settings_->url;
    const std::uint64_t attempt = ++attempts_;
    attempt_timed_out_ = false;
    io_->attempt.expires_after(settings_->connect_timeout);
    io_->attempt.async_wait([self = shared_from_this(), attempt](boost::system::error_code ec) {
      // A handler already queued when the attempt ended is for an older attempt: ignored.
      if (ec || !self->io_ || attempt != self->attempts_) return;
      self->attempt_timed_out_ = true;
      self->io_->resolver.cancel();
      self->close_socket();
    });
    struct Disarm {
      Connection* c;
      ~Disarm() {
        ++c->attempts_;
        if (c->io_) c->io_->attempt.cancel();
      }
    } disarm{this};
    auto why = [this](const std::string& what) {
      return attempt_timed_out_ ? "no connection within " +
                                      std::to_string(settings_->connect_timeout.count()) + " ms"
                                : what;
    };

    auto [rec, endpoints] =
        co_await io_->resolver.async_resolve(url.host, std::to_string(url.port), kNoThrow);
    if (rec) co_return why("cannot resolve " + url.host + ": " + rec.message());
    io_->tls.reset();
    io_->plain.reset();
    tcp::socket* socket = nullptr;
    if (url.tls) {
      io_->tls.emplace(executor_, *settings_->tls);
      boost::system::error_code not_an_address;
      asio::ip::make_address(url.host, not_an_address);
      if (not_an_address) SSL_set_tlsext_host_name(io_->tls->native_handle(), url.host.c_str());
      io_->tls->set_verify_mode(asio::ssl::verify_peer);
      io_->tls->set_verify_callback(asio::ssl::host_name_verification(url.host));
      socket = &io_->tls->next_layer();
    } else {
      socket = &io_->plain.emplace(executor_);
    }
    auto [cec, ep] = co_await asio::async_connect(*socket, endpoints, kNoThrow);
    if (cec)
      co_return why("cannot connect to " + url.host + ":" + std::to_string(url.port) + ": " +
                    cec.message());
    boost::system::error_code ignored;
    socket->set_option(tcp::no_delay(true), ignored);
    if (url.tls) {
      auto [hec] = co_await io_->tls->async_handshake(asio::ssl::stream_base::client, kNoThrow);
      if (hec) co_return why("TLS handshake with Redis failed: " + hec.message());
    }

    std::string hello;
    std::vector<std::string> what;  // the command of each reply, for messages
    if (!url.password.empty()) {
      if (url.user.empty())
        append_command(hello, std::vector<std::string>{"AUTH", url.password});
      else
        append_command(hello, std::vector<std::string>{"AUTH", url.user, url.password});
      what.push_back("AUTH");
    }
    if (url.db != 0) {
      append_command(hello, std::vector<std::string>{"SELECT", std::to_string(url.db)});
      what.push_back("SELECT");
    }
    for (const auto& script : settings_->preload) {
      append_command(hello, std::vector<std::string>{"SCRIPT", "LOAD", script});
      what.push_back("SCRIPT LOAD");
    }
    append_command(hello, std::vector<std::string>{"PING"});
    what.push_back("PING");
    boost::system::error_code wec;
    if (io_->tls)
      std::tie(wec, std::ignore) =
          co_await asio::async_write(*io_->tls, asio::buffer(hello), kNoThrow);
    else
      std::tie(wec, std::ignore) =
          co_await asio::async_write(*io_->plain, asio::buffer(hello), kNoThrow);
    if (wec) co_return why("writing to Redis failed: " + wec.message());
    std::vector<RedisReply> replies;
    while (replies.size() < what.size()) {
      auto [ec, n] = co_await read_some();
      if (ec) co_return why("Redis closed the connection while it was set up: " + ec.message());
      if (!take_replies(n, &replies)) co_return break_reason_;
    }
    for (std::size_t i = 0; i < what.size(); ++i)
      if (replies[i].type == RedisReply::Type::error)
        co_return what[i] + " failed: " + replies[i].str;  // Redis's words, never the password
    co_return std::string();
  }

  asio::awaitable<void> read_loop() {
    for (;;) {
      auto [ec, n] = co_await read_some();
      if (ec) {
        if (break_reason_.empty())
          break_reason_ = ec == asio::error::eof ? kClosedByRedis
                                                 : "reading from Redis failed: " + ec.message();
        co_return;
      }
      if (!take_replies(n, nullptr)) co_return;
    }
  }

  // Tells on_state when an outage of this connection begins (it went down, or never came up)
  // and when it ends: once each.
  void set_state(State s) {
    state_ = s;
    up_now_.store(s == State::up, std::memory_order_relaxed);
    const bool down = s != State::up;
    if (down == reported_down_) return;
    reported_down_ = down;
    if (settings_->on_state) settings_->on_state(!down, down_reason_);
  }

  static asio::awaitable<void> run(std::shared_ptr<Connection> self) {
    auto backoff = self->settings_->backoff_min;
    while (self->state_ != State::stopped && self->io_) {
      self->break_reason_.clear();
      std::string failed = co_await self->connect_once();
      self->first_attempt_ = false;
      if (self->state_ == State::stopped || !self->io_) co_return;
      if (failed.empty()) {
        ++self->generation_;
        self->quiet_retry_ = false;
        self->down_reason_.clear();
        self->set_state(State::up);
        backoff = self->settings_->backoff_min;
        self->flush();
        co_await self->read_loop();
        if (self->state_ == State::stopped || !self->io_) co_return;
        failed = self->break_reason_;
        ++self->generation_;  // a write in flight belongs to the closed connection
        self->writing_ = false;
        self->writing_buf_.clear();
        // An idle connection that Redis closed (its `timeout` setting) is no outage: connect
        // again at once, and say so only if that fails.
        if (self->pending_.empty() && failed == kClosedByRedis && !self->quiet_retry_) {
          self->close_socket();
          self->reader_ = RespReader();
          self->quiet_retry_ = true;
          self->state_ = State::connecting;
          self->up_now_.store(false, std::memory_order_relaxed);
          continue;
        }
      }
      self->quiet_retry_ = false;
      self->close_socket();
      self->reader_ = RespReader();  // a half-read reply goes with the connection
      self->down_reason_ = failed;
      self->set_state(State::down);
      self->fail_pending(self->unavailable());
      self->io_->backoff.expires_after(backoff);
      co_await self->io_->backoff.async_wait(kNoThrow);
      backoff = std::min(backoff * 2, self->settings_->backoff_max);
      if (self->state_ == State::stopped || !self->io_) co_return;
      self->state_ = State::connecting;
    }
  }

  void tick() {
    io_->tick.expires_after(settings_->tick_period);
    io_->tick.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || !self->io_ || self->state_ == State::stopped) return;
      if (self->state_ == State::up) self->settings_->on_tick(*self);
      self->tick();
    });
  }

  asio::any_io_executor executor_;
  std::shared_ptr<const RedisSettings> settings_;
  std::optional<Io> io_;
  RespReader reader_;
  State state_ = State::connecting;
  bool first_attempt_ = true;  // its commands wait for it; later attempts' fail at once
  std::atomic<bool> up_now_{false};
  bool reported_down_ = false;
  bool attempt_timed_out_ = false;
  std::uint64_t attempts_ = 0;
  bool writing_ = false;
  bool flush_posted_ = false;
  bool quiet_retry_ = false;  // reconnecting at once after Redis closed an idle connection
  bool watchdog_armed_ = false;
  std::uint64_t generation_ = 0;
  std::deque<Pending> pending_;
  std::string out_;          // commands not yet written
  std::string writing_buf_;  // the ones being written
  std::array<char, 16 * 1024> read_buf_;
  std::string break_reason_;  // why the current connection ends
  std::string down_reason_;   // why the last one ended, for "unavailable" messages
};

}  // namespace

std::shared_ptr<RedisConnection> RedisConnection::start(
    asio::any_io_executor executor, std::shared_ptr<const RedisSettings> settings) {
  auto c = std::make_shared<Connection>(std::move(executor), std::move(settings));
  c->begin();
  return c;
}

asio::awaitable<RedisReply> RedisConnection::command(std::span<const std::string> args) {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(RedisReply)>(
      [this, args](auto handler) { request(args, Handler(std::move(handler))); },
      asio::use_awaitable);
}

}  // namespace glmgate
