// Server: the HTTP/1.1 listener. One acceptor hands connections round-robin to N single-threaded
// io_contexts; each connection is one coroutine on its context, so a connection's state is never
// touched by two threads. Enforces a body limit, a header-read timeout, an idle keep-alive timeout
// and a cap on open connections. Beast stays inside http/'s own .cpp files and private headers
// (beast_exchange.hpp, session.hpp, dispatcher.hpp).
//
// HTTP details (RFC 9110/9112) it takes care of so that handlers need not: HEAD is served by the
// GET handler with the body left off; 405 answers carry Allow; `Expect: 100-continue` gets
// `100 Continue` before the body is read; gzip/deflate request bodies are inflated (within
// max_body_bytes) and handlers see them plain; HTTP/1.0 clients get streams close-delimited;
// absolute-form targets are served by their path; CORS answers and preflights follow
// `cors_origins`; a Transfer-Encoding other than a single `chunked` is 400 and closes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "http/router.hpp"

namespace glmgate {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  bool reuse_port = false;    // SO_REUSEPORT: processes that all set it share host:port
  int threads = 0;            // 0: one per core
  std::int64_t max_body_bytes = 16 * 1024 * 1024;
  std::int64_t header_timeout_ms = 10'000;
  std::int64_t idle_timeout_ms = 60'000;
  std::int64_t max_connections = 20'000;
  std::vector<std::string> cors_origins;  // "scheme://host[:port]" or "*"; empty: no CORS
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();
  // Binds and listens; throws std::runtime_error naming the address when it cannot (and, when
  // another process listens there, how processes share an address: reuse_port).
  void bind();
  std::uint16_t port() const;
  // Serves on the worker threads until stop(); blocks the calling thread.
  void run();
  // Safe from any thread and from a signal-handling coroutine.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace glmgate
