// CallLog: one structured JSON line per generation call (the access log of `access_log`): its
// request ID, key prefix, account, surface, the model asked for and the one that answered, the
// deployment (provider), status, tokens, cost, latency, time to first token, attempts and error
// class; never a key, a prompt or an answer. Formatted on the calling thread into a BufferedSink's
// per-thread buffer, written by that sink's own thread: a line costs an I/O thread no system
// call. Destinations: "stderr" (the process's log sink, beside its other lines), a file path
// (appended to, created 0640, with a sink of its own), or "off".
// Threading: write() from any thread. Lifetime: made before serving, destroyed after the last
// call; a file's lines are written out by the destructor.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace glmgate {

class BufferedSink;

struct CallLine {
  std::string_view request_id, key_prefix, account, surface;
  std::string_view model, served_model, deployment;
  int status = 0;
  std::int64_t prompt_tokens = 0, completion_tokens = 0;
  bool estimated = false;
  std::int64_t cost_nano_usd = 0;
  std::int64_t latency_us = 0, ttft_us = 0;
  int attempts = 0;
  std::string_view error_class;  // empty when the call succeeded
};

class CallLog {
 public:
  // `destination`: "stderr", "off" or a file path; `stderr_sink` the process's sink (may be
  // null: then "stderr" writes straight through spdlog). Throws std::runtime_error naming the
  // path when a file cannot be opened.
  CallLog(const std::string& destination, BufferedSink* stderr_sink);
  ~CallLog();
  bool enabled() const { return sink_ != nullptr || through_spdlog_; }
  void write(const CallLine& line);

  // The line's JSON text, newline included (tests).
  static std::string format(const CallLine& line, std::int64_t unix_ms);

 private:
  std::unique_ptr<BufferedSink> own_;
  BufferedSink* sink_ = nullptr;
  bool through_spdlog_ = false;
  int fd_ = -1;
};

}  // namespace glmgate
