// TaskExchange; see task_exchange.hpp.
#include "tasks/task_exchange.hpp"

namespace glmgate {

namespace asio = boost::asio;

TaskExchange::TaskExchange(HttpRequest request, std::string request_id)
    : request_(std::move(request)),
      request_id_(std::move(request_id)),
      received_at_(std::chrono::steady_clock::now()) {}

asio::awaitable<void> TaskExchange::respond(HttpResponse response) {
  response_ = std::move(response);
  co_return;
}

asio::awaitable<bool> TaskExchange::begin_stream(int, Headers) {
  co_return false;
}

asio::awaitable<bool> TaskExchange::write(std::string_view) {
  co_return false;
}

asio::awaitable<void> TaskExchange::end_stream() {
  co_return;
}

asio::awaitable<void> TaskExchange::drain_writes() {
  co_return;
}

void TaskExchange::watch_client(std::function<void()> on_closed) {
  // Cancelled before the upstream call began: it is stopped as soon as it exists.
  if (cancelled_) {
    on_closed();
    return;
  }
  on_closed_ = std::move(on_closed);
}

void TaskExchange::unwatch_client() {
  on_closed_ = nullptr;
}

void TaskExchange::cancel() {
  cancelled_ = true;
  if (auto f = std::move(on_closed_)) {
    on_closed_ = nullptr;
    f();
  }
}

}  // namespace glmgate
