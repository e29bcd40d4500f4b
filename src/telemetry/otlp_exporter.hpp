// OtlpExporter: the SpanSink of `otlp_endpoint`: spans queue in memory (at most `max_queued`;
// beyond, a call's spans are dropped and counted, with one warning per second of drops) and its
// own thread POSTs them in batches (every `interval`, or sooner past `batch` spans) as OTLP/HTTP
// JSON to http://host:port/path over one kept-alive connection. A collector that is down or
// answers an error loses that batch (logged, rate-limited), as OpenTelemetry SDKs do after their
// retries; the gateway's calls never wait for it.
// Threading: add() from any thread (a mutex held to move a vector); the POSTs on the exporter's
// thread, between start() and stop() (stop() sends what is queued first, within a second).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/spans.hpp"

namespace glmgate {

class OtlpExporter final : public SpanSink {
 public:
  struct Options {
    std::string host;
    std::string port;
    std::string path = "/v1/traces";
    std::string service = "glmgate";
    std::chrono::milliseconds interval{1000};
    std::size_t batch = 512;
    std::size_t max_queued = 16384;
    std::chrono::milliseconds timeout{5000};  // per POST
  };

  explicit OtlpExporter(Options options);
  ~OtlpExporter() override;
  void start();
  void stop();

  void add(std::vector<Span> spans) override;
  std::uint64_t dropped() const;
  std::uint64_t exported() const;

 private:
  struct Connection;
  void loop();
  bool post(const std::string& body);

  const Options options_;
  mutable std::mutex mutex_;  // queue_, stopping_, the counters
  std::condition_variable wake_;
  std::vector<Span> queue_;
  bool stopping_ = false;
  std::uint64_t dropped_ = 0;
  std::uint64_t exported_ = 0;
  std::unique_ptr<Connection> connection_;  // the exporter's thread only
  std::thread thread_;
};

}  // namespace glmgate
