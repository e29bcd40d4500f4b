// Small Asio helpers shared by the Beast-using translation units (server, upstream client).
// Include only from .cpp files: it pulls in Asio.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace glmgate {

// Completion token that reports errors as a tuple instead of throwing: errors on the request path
// are expected (clients vanish, upstreams reset) and handled as values.
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace glmgate
