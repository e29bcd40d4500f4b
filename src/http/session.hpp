// Session: the connections of one server. run() is one connection's coroutine, on the I/O
// thread the listener gave it: it reads each request (a body limit; header and body timeouts;
// `Expect: 100-continue` answered before the body is read), answers what cannot be served before
// a handler could (malformed, too large, cut off) and hands the rest to the Dispatcher, for as
// long as the connection is kept alive. Internal to http/; one per server, shared by its I/O
// threads; a connection's state lives in its own coroutine frames.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <memory>

#include "http/dispatcher.hpp"
#include "http/server.hpp"

namespace glmgate {

class Session {
 public:
  // `open_connections` is the listener's count, which run() decrements when its connection ends.
  Session(const ServerOptions& options, const Dispatcher& dispatcher,
          std::atomic<std::int64_t>& open_connections)
      : options_(options), dispatcher_(dispatcher), open_connections_(open_connections) {}

  boost::asio::awaitable<void> run(boost::asio::ip::tcp::socket socket) const;

 private:
  boost::asio::awaitable<std::unique_ptr<BeastExchange>> read_request(
      boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer) const;
  boost::asio::awaitable<void> write_error(boost::beast::tcp_stream& stream,
                                           const std::string& path, const ApiError& error,
                                           const std::string& request_id,
                                           const HttpRequest* request = nullptr) const;
  boost::asio::awaitable<void> refuse_too_large(boost::beast::tcp_stream& stream,
                                                const std::string& path,
                                                const std::string& request_id,
                                                const HttpRequest& request) const;

  const ServerOptions& options_;
  const Dispatcher& dispatcher_;
  std::atomic<std::int64_t>& open_connections_;
};

}  // namespace glmgate
