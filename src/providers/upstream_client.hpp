// UpstreamCall: one HTTP/1.1 exchange with a model provider, over keep-alive connections pooled
// per I/O thread, with TLS certificate and host-name verification, connect / first-byte /
// idle-between-chunks / total timeouts, a cap on the body's size, and one retry for connect
// errors and 5xx before the first byte. The total deadline and the cap are checked on every
// read, so an upstream whose data is always ready (a flood: no read ever waits for a timer)
// cannot outrun them. A call lives on one I/O thread (the coroutine that owns it); the pool is
// thread-local so no lock is taken. Beast stays in upstream_client.cpp.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "http/message.hpp"

namespace boost::asio::ssl {
class context;
}

namespace glmgate {

struct UpstreamEndpoint {
  std::string name;  // provider name, for logs and errors
  bool tls = false;
  std::string host;
  std::string port;
  std::string host_header;
  std::string pool_key;  // which idle connections fit this endpoint
  std::shared_ptr<boost::asio::ssl::context> ssl;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds first_byte_timeout{300'000};
  std::chrono::milliseconds idle_timeout{120'000};
  std::chrono::milliseconds total_timeout{900'000};
  std::size_t max_body_bytes = 32 * 1024 * 1024;  // a response body past this is too_large
};

// Builds the endpoint of a provider, loading its CA file or the system trust store. Throws
// ConfigError when the CA file cannot be used.
UpstreamEndpoint make_endpoint(const ProviderConfig& provider);

enum class UpstreamFailure {
  connect,             // resolve, connect or TLS handshake failed
  timeout_first_byte,  // no response head in time
  timeout_idle,        // silence between two body reads
  timeout_total,       // the whole call took too long
  reset,               // the connection broke (before or during the body)
  protocol,            // not valid HTTP
  aborted,             // abort() was called (client went away)
  too_large,           // a body over the endpoint's max_body_bytes or read_all()'s limit
};

struct UpstreamError {
  UpstreamFailure kind;
  std::string detail;
  bool is_timeout() const {
    return kind == UpstreamFailure::timeout_first_byte || kind == UpstreamFailure::timeout_idle ||
           kind == UpstreamFailure::timeout_total;
  }
};

class UpstreamCall {
 public:
  explicit UpstreamCall(const UpstreamEndpoint& endpoint);
  ~UpstreamCall();
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;

  // Sends `request` (a whole HTTP/1.1 request, see wire::post_request) and reads the response
  // head.
  boost::asio::awaitable<std::optional<UpstreamError>> start(std::string request);
  int status() const;
  std::string header(std::string_view name) const;
  // Appends the next piece of the body to `out` (as soon as any arrives); `done` at its end.
  boost::asio::awaitable<std::optional<UpstreamError>> read_some(std::string& out, bool& done);
  boost::asio::awaitable<std::optional<UpstreamError>> read_all(std::string& out,
                                                                std::size_t limit);
  // Reads and drops what is left of the body (a stream's terminator after its last event), for at
  // most `limit` bytes and `timeout`, so the connection can go back to the pool; closes it
  // otherwise.
  boost::asio::awaitable<void> finish_body(std::size_t limit, std::chrono::milliseconds timeout);
  // Closes the connection; a pending read completes with UpstreamFailure::aborted.
  void abort();
  // How many attempts start() made (1, or 2 after a retry).
  int attempts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace glmgate
