// Server over Boost.Asio; see server.hpp. The listener: one acceptor hands connections
// round-robin to the I/O threads, each of which runs one io_context; a connection is a Session
// coroutine on its thread (session.hpp), a request on it a BeastExchange (beast_exchange.hpp),
// and the Dispatcher finds its handler (dispatcher.hpp), as Beast's examples separate listener,
// session and the handling of a request.
#include "http/server.hpp"

#include <spdlog/spdlog.h>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>

#include "http/asio_util.hpp"
#include "http/session.hpp"

namespace glmgate {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Server::Impl {
  ServerOptions options;
  CorsPolicy cors;
  Dispatcher dispatcher;
  std::atomic<std::int64_t> open_connections{0};
  Session sessions;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::atomic<bool> stopped{false};
  std::size_t next_context = 0;

  Impl(ServerOptions o, const Router& router)
      : options(std::move(o)),
        cors(options.cors_origins),
        dispatcher(router, cors, options.max_body_bytes),
        sessions(options, dispatcher, open_connections) {
    int n = options.threads > 0
                ? options.threads
                : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < n; ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
      guards.push_back(asio::make_work_guard(*contexts.back()));
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto& target = *contexts[next_context++ % contexts.size()];
      auto [ec, socket] = co_await acceptor->async_accept(target, kNoThrow);
      if (ec) {
        if (stopped || ec == asio::error::operation_aborted) co_return;
        // EMFILE and friends: back off briefly instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        asio::steady_timer t(acceptor->get_executor(), std::chrono::milliseconds(50));
        co_await t.async_wait(kNoThrow);
        continue;
      }
      if (open_connections.load(std::memory_order_relaxed) >= options.max_connections) {
        boost::system::error_code ignored;
        socket.close(ignored);  // over the cap: refuse at once rather than queue
        continue;
      }
      open_connections.fetch_add(1, std::memory_order_relaxed);
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(target, sessions.run(std::move(socket)), asio::detached);
    }
  }
};

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() {
  stop();
}

void Server::bind() {
  auto& ctx = *impl_->contexts[0];
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) throw std::runtime_error("listen: \"" + impl_->options.host + "\" is not an IP address");
  tcp::endpoint endpoint(address, impl_->options.port);
  auto acceptor = std::make_unique<tcp::acceptor>(ctx);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  // Asio has no option of its own for it. Set before bind: the kernel then lets every socket
  // that set it (of the same user) bind the address, and spreads connections over them.
  if (!ec && impl_->options.reuse_port)
    acceptor->set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string message = "cannot listen on " + impl_->options.host + ":" +
                          std::to_string(impl_->options.port) + ": " + ec.message();
    if (ec == asio::error::address_in_use)
      message += impl_->options.reuse_port
                     ? " (another process listens there without reuse_port = true)"
                     : " (another process listens there; glmgate servers on one machine share an "
                       "address when each sets reuse_port = true)";
    throw std::runtime_error(message);
  }
  impl_->acceptor = std::move(acceptor);
}

std::uint16_t Server::port() const {
  return impl_->acceptor->local_endpoint().port();
}

void Server::run() {
  auto& ctx = *impl_->contexts[0];
  asio::signal_set signals(ctx, SIGINT, SIGTERM);
  signals.async_wait([this](boost::system::error_code ec, int) {
    if (!ec) stop();
  });
  asio::co_spawn(ctx, impl_->accept_loop(), asio::detached);
  // Every context runs on a thread of its own, never the caller's: thread-local upstream pools
  // are then destroyed as each worker exits, while its io_context still exists.
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < impl_->contexts.size(); ++i)
    threads.emplace_back([this, i] { impl_->contexts[i]->run(); });
  for (auto& t : threads)
    t.join();
}

void Server::stop() {
  if (impl_->stopped.exchange(true)) return;
  for (auto& ctx : impl_->contexts)
    ctx->stop();
}

}  // namespace glmgate
