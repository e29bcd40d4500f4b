// TaskExchange: the Exchange a background task's generation runs against. There is no client
// socket: the response is captured for the task's result, and cancel() plays the part of a client
// that went away (the pipeline then aborts the upstream call and refunds). Lives on the task
// thread for the length of one run; cancel() must be called on that thread too.
#pragma once

#include <optional>

#include "http/exchange.hpp"

namespace glmgate {

class TaskExchange final : public Exchange {
 public:
  TaskExchange(HttpRequest request, std::string request_id);

  const HttpRequest& request() const override { return request_; }
  const std::string& request_id() const override { return request_id_; }
  std::chrono::steady_clock::time_point received_at() const override { return received_at_; }

  boost::asio::awaitable<void> respond(HttpResponse response) override;
  // A task never streams: a stream here means the client of it is gone.
  boost::asio::awaitable<bool> begin_stream(int status, Headers headers) override;
  boost::asio::awaitable<bool> write(std::string_view data) override;
  boost::asio::awaitable<void> end_stream() override;
  boost::asio::awaitable<void> drain_writes() override;
  void watch_client(std::function<void()> on_closed) override;
  void unwatch_client() override;
  std::chrono::steady_clock::time_point last_write() const override { return received_at_; }

  void cancel();
  bool cancelled() const { return cancelled_; }
  // The response the generation sent, if it sent one.
  const std::optional<HttpResponse>& response() const { return response_; }

 private:
  HttpRequest request_;
  std::string request_id_;
  std::chrono::steady_clock::time_point received_at_;
  std::optional<HttpResponse> response_;
  std::function<void()> on_closed_;
  bool cancelled_ = false;
};

}  // namespace glmgate
