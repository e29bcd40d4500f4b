// Small Asio helpers shared by the Beast-using translation units (server, upstream client).
// Include only from .cpp files: it pulls in Asio.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>

namespace glmgate {

// Completion token that reports errors as a tuple instead of throwing: errors on the request path
// are expected (clients vanish, upstreams reset) and handled as values.
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

// Sends what `socket` (in non-blocking mode) takes at once and returns how many bytes went out; an
// error other than "would block" is left in `ec`. Most answers, chunks and upstream requests fit
// the socket's send buffer: written here they skip an asynchronous round trip and the stream's
// timeout timer, and only a rest that does not fit has to wait.
inline std::size_t write_now(boost::asio::ip::tcp::socket& socket, boost::asio::const_buffer data,
                             boost::system::error_code& ec) {
  std::size_t n = socket.write_some(data, ec);
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
    ec = {};
    n = 0;
  }
  return n;
}

// Feeds a Beast parser what `buffer` holds, until the message is done or the bytes run out; what
// it used is consumed. Running out (need_more, or need_buffer for a parser whose body buffer is
// full) is not an error; one that is stays in `ec`. Parsing what is already buffered spares an
// asynchronous read, which posts its completion through the scheduler even with nothing to read.
template <class Parser, class Buffer>
void feed_parser(Parser& parser, Buffer& buffer, boost::system::error_code& ec) {
  namespace http = boost::beast::http;
  while (buffer.size() > 0 && !parser.is_done()) {
    std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more || ec == http::error::need_buffer) {
      ec = {};
      return;
    }
    if (ec || used == 0) return;
  }
}

}  // namespace glmgate
