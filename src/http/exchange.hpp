// Exchange: one request and its response on a client connection, as a handler sees it. The
// server implements it over Beast; handlers only see this interface. All calls happen on the
// connection's own executor (one I/O thread); the Exchange lives until the handler returns.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace glmgate {

class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const HttpRequest& request() const = 0;
  virtual const std::string& request_id() const = 0;
  virtual std::chrono::steady_clock::time_point received_at() const = 0;
  // The peer's IP address as text ("127.0.0.1", "::1"); empty when not known (an exchange not on
  // a socket, or one already closed). A proxy's, behind one: console/client_address.hpp reads
  // X-Forwarded-For from the proxies it trusts.
  virtual std::string remote_address() const { return {}; }

  // A complete response. Call at most once, and not after begin_stream().
  virtual boost::asio::awaitable<void> respond(HttpResponse response) = 0;

  // Starts a chunked streaming response. Returns false when the client is gone.
  virtual boost::asio::awaitable<bool> begin_stream(int status, Headers headers) = 0;
  // Sends one chunk. Writes are serialized, so two coroutines of one stream may both call it.
  virtual boost::asio::awaitable<bool> write(std::string_view data) = 0;
  virtual boost::asio::awaitable<void> end_stream() = 0;
  // Completes when no write is in flight (a handler waits for this before it returns).
  virtual boost::asio::awaitable<void> drain_writes() = 0;
  // Calls `on_closed` (on this connection's thread) if the client closes its side of the
  // connection before unwatch_client() is called. One watch at a time; unwatch before the
  // handler returns.
  virtual void watch_client(std::function<void()> on_closed) = 0;
  virtual void unwatch_client() = 0;
  // When the last byte was written to the client (for keep-alive pings).
  virtual std::chrono::steady_clock::time_point last_write() const = 0;
};

}  // namespace glmgate
