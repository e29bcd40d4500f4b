// BeastExchange: the Exchange of one request on a client connection, over Beast's TCP stream:
// complete answers and chunked (or, for HTTP/1.0, close-delimited) streams, HEAD answers without
// their body, CORS headers, writes serialized between a stream and its pings, and a watch on the
// socket that tells the handler when the client leaves. Internal to http/ (it brings in Beast);
// lives on its connection's I/O thread, created by the session for each request and gone when
// the request is.
#pragma once

#include <boost/asio/experimental/channel.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/exchange.hpp"
#include "http/request_parser.hpp"

namespace glmgate {

struct ClientWatch;

class BeastExchange final : public Exchange {
 public:
  BeastExchange(boost::beast::tcp_stream& stream, HttpRequest request, std::string request_id,
                bool keep_alive, unsigned special,
                std::chrono::steady_clock::time_point received_at,
                const boost::asio::any_io_executor& executor)
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
  std::chrono::steady_clock::time_point received_at() const override { return received_at_; }
  std::string remote_address() const override;
  std::chrono::steady_clock::time_point last_write() const override { return last_write_; }
  bool responded() const { return responded_; }
  bool connection_usable() const { return responded_ && !failed_ && keep_alive_; }
  int status() const { return status_; }

  boost::asio::awaitable<void> respond(HttpResponse r) override;

  // The head is held back and leaves with the first chunk: one send instead of two, and the
  // client sees the stream begin with data. A ping or the end sends it as well. An HTTP/1.0
  // client cannot read chunked: its stream is the raw bytes, ended by closing the connection.
  boost::asio::awaitable<bool> begin_stream(int status, Headers headers) override;

  boost::asio::awaitable<bool> write(std::string_view data) override;

  boost::asio::awaitable<void> end_stream() override;

  boost::asio::awaitable<void> drain_writes() override;

  void watch_client(std::function<void()> on_closed) override;

  void unwatch_client() override;

  ~BeastExchange() override { unwatch_client(); }

 private:
  bool close_delimited() const { return special_ & RequestParser::Special::kHttp10; }

  // CORS, and the keep-alive an HTTP/1.0 client must be told of (it assumes a close otherwise).
  void add_special_headers(Headers& headers) const;

  // A peek, not async_wait: Asio re-registers the descriptor with epoll (a syscall) for every
  // wait, not for a receive.
  void arm(std::shared_ptr<ClientWatch> watch);

  boost::asio::awaitable<void> send(const std::string& out);

  boost::asio::awaitable<void> lock();
  void unlock();

  boost::beast::tcp_stream& stream_;
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
  std::chrono::steady_clock::time_point received_at_;
  std::chrono::steady_clock::time_point last_write_;
  std::shared_ptr<ClientWatch> watch_;
  boost::asio::any_io_executor executor_;
  // A one-slot channel used as an async mutex: a ping and a data chunk never interleave.
  std::optional<boost::asio::experimental::channel<void(boost::system::error_code)>> write_lock_;
};
}  // namespace glmgate
