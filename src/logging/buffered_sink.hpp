// BufferedSink: the spdlog sink of a serving process, so that logging (the access log line of
// every request included) costs an I/O thread no system call, no wait and no wake-up. A line is
// formatted on the thread that logs it, into a buffer of that thread's own (its lock is taken by
// that thread and, for a pointer swap every interval, by the writer: never contended for long);
// one writer thread moves every buffer to the descriptor each `interval`, one write per buffer.
// A line at level error or above wakes the writer at once. A buffer that reaches `max_buffer_bytes`
// (the descriptor blocks, e.g. a stalled pipe) drops further lines of that thread and says how many
// when it can write again: the request path never waits for a log.
//
// Threading: log() from any thread; flush() from any thread, blocking until what was logged before
// it is written. Lifetime: the destructor stops the writer and writes what is left; a thread may
// outlive the sink only if it logs nothing after it.
#pragma once

#include <spdlog/sinks/sink.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace glmgate {

class BufferedSink final : public spdlog::sinks::sink {
 public:
  static constexpr std::size_t kDefaultMaxBufferBytes = 4 * 1024 * 1024;

  BufferedSink(int fd, std::chrono::milliseconds interval,
               std::size_t max_buffer_bytes = kDefaultMaxBufferBytes);
  ~BufferedSink() override;
  BufferedSink(const BufferedSink&) = delete;
  BufferedSink& operator=(const BufferedSink&) = delete;

  void log(const spdlog::details::log_msg& msg) override;
  // A line formatted elsewhere (the access log), newline included, logged at `time`.
  void append(spdlog::level::level_enum level, spdlog::log_clock::time_point time,
              std::string_view line);
  void flush() override;
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

  // Lines dropped so far because a buffer was full.
  std::uint64_t dropped() const;

 private:
  struct ThreadBuffer;
  ThreadBuffer& buffer_of_this_thread();
  void keep(ThreadBuffer& buffer, spdlog::level::level_enum level,
            spdlog::log_clock::time_point time, std::string_view line);
  void run();
  // Takes every buffer's text and writes it, the lines of all threads in time order; the writer
  // thread or flush(), one at a time.
  void drain();
  void merge_by_time(const std::vector<std::shared_ptr<ThreadBuffer>>& buffers);
  void write_all(const std::string& text);

  const std::uint64_t id_;  // tells this sink's thread buffers from another's
  const int fd_;
  const std::chrono::milliseconds interval_;
  const std::size_t max_buffer_bytes_;

  std::mutex formatter_mutex_;
  std::unique_ptr<spdlog::formatter> formatter_;  // the model each thread clones
  std::atomic<std::uint64_t> formatter_version_{1};

  mutable std::mutex registry_mutex_;
  std::vector<std::shared_ptr<ThreadBuffer>> buffers_;

  std::mutex drain_mutex_;  // one drain at a time; guards out_
  std::string out_;         // what a drain writes, kept for its capacity
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool wake_now_ = false;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace glmgate
