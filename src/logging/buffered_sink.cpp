// BufferedSink; see buffered_sink.hpp.
#include "logging/buffered_sink.hpp"

#include <pthread.h>
#include <spdlog/pattern_formatter.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace glmgate {

namespace {

std::atomic<std::uint64_t> next_sink_id{1};

}  // namespace

struct BufferedSink::ThreadBuffer {
  // Where each line of `text` ends and when it was logged, so that a drain can put the lines of
  // all threads in time order.
  struct Line {
    std::int64_t time_ns;
    std::size_t end;
  };
  std::mutex mutex;  // guards text, lines and dropped
  std::string text;
  std::vector<Line> lines;
  std::uint64_t dropped = 0;
  // The logging thread's own: its formatter (spdlog's caches its time fields, so one per thread)
  // and the scratch line it formats into.
  std::unique_ptr<spdlog::formatter> formatter;
  std::uint64_t formatter_version = 0;
  spdlog::memory_buf_t line;
  // The writer's: what it took at the last drain, kept for its capacity so that the logging
  // thread's next buffer needs no allocation.
  std::string spare;
  std::vector<Line> spare_lines;
};

BufferedSink::BufferedSink(int fd, std::chrono::milliseconds interval, std::size_t max_buffer_bytes)
    : id_(next_sink_id.fetch_add(1)),
      fd_(fd),
      interval_(interval),
      max_buffer_bytes_(max_buffer_bytes),
      formatter_(std::make_unique<spdlog::pattern_formatter>()) {
  writer_ = std::thread([this] { run(); });
}

BufferedSink::~BufferedSink() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
  drain();
}

BufferedSink::ThreadBuffer& BufferedSink::buffer_of_this_thread() {
  // A thread logs to one sink for its whole life in practice; tests make several.
  thread_local std::vector<std::pair<std::uint64_t, std::shared_ptr<ThreadBuffer>>> mine;
  for (auto& [id, buffer] : mine)
    if (id == id_) return *buffer;
  auto buffer = std::make_shared<ThreadBuffer>();
  {
    std::lock_guard lock(registry_mutex_);
    buffers_.push_back(buffer);
  }
  mine.emplace_back(id_, buffer);
  return *buffer;
}

void BufferedSink::log(const spdlog::details::log_msg& msg) {
  ThreadBuffer& b = buffer_of_this_thread();
  if (b.formatter_version != formatter_version_.load(std::memory_order_acquire)) {
    std::lock_guard lock(formatter_mutex_);
    b.formatter = formatter_->clone();
    b.formatter_version = formatter_version_.load(std::memory_order_relaxed);
  }
  b.line.clear();
  b.formatter->format(msg, b.line);
  keep(b, msg.level, msg.time, std::string_view(b.line.data(), b.line.size()));
}

void BufferedSink::append(spdlog::level::level_enum level, spdlog::log_clock::time_point time,
                          std::string_view line) {
  keep(buffer_of_this_thread(), level, time, line);
}

void BufferedSink::keep(ThreadBuffer& b, spdlog::level::level_enum level,
                        spdlog::log_clock::time_point time, std::string_view line) {
  {
    std::lock_guard lock(b.mutex);
    if (b.text.size() + line.size() > max_buffer_bytes_) {
      ++b.dropped;
    } else {
      b.text.append(line);
      b.lines.push_back({time.time_since_epoch().count(), b.text.size()});
    }
  }
  if (level >= spdlog::level::err) {
    std::lock_guard lock(wake_mutex_);
    wake_now_ = true;
    wake_.notify_one();
  }
}

void BufferedSink::flush() {
  drain();
}

void BufferedSink::set_pattern(const std::string& pattern) {
  set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern));
}

void BufferedSink::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
  std::lock_guard lock(formatter_mutex_);
  formatter_ = std::move(formatter);
  formatter_version_.fetch_add(1, std::memory_order_release);
}

std::uint64_t BufferedSink::dropped() const {
  std::uint64_t n = 0;
  std::lock_guard registry(registry_mutex_);
  for (auto& b : buffers_) {
    std::lock_guard lock(b->mutex);
    n += b->dropped;
  }
  return n;
}

void BufferedSink::run() {
  pthread_setname_np(pthread_self(), "glmgate-log");
  std::unique_lock lock(wake_mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return stopping_ || wake_now_; });
    wake_now_ = false;
    lock.unlock();
    drain();
    lock.lock();
  }
}

void BufferedSink::drain() {
  std::lock_guard drain_lock(drain_mutex_);
  std::vector<std::shared_ptr<ThreadBuffer>> buffers;
  {
    std::lock_guard lock(registry_mutex_);
    // A buffer only the registry holds belongs to a thread that has ended: written below for the
    // last time, then forgotten.
    std::erase_if(buffers_, [](const std::shared_ptr<ThreadBuffer>& b) {
      return b.use_count() == 1 && b->text.empty() && b->dropped == 0;
    });
    buffers = buffers_;
  }
  std::uint64_t dropped = 0;
  for (auto& b : buffers) {
    std::lock_guard lock(b->mutex);
    b->text.swap(b->spare);
    b->lines.swap(b->spare_lines);
    dropped += std::exchange(b->dropped, 0);
  }
  out_.clear();
  merge_by_time(buffers);
  if (dropped > 0)
    out_ += "[glmgate] " + std::to_string(dropped) +
            " log lines were dropped: the log output did not keep up\n";
  write_all(out_);
  for (auto& b : buffers) {
    b->spare.clear();
    b->spare_lines.clear();
  }
}

// Each thread's lines are in time order already: a k-way merge of a handful of threads.
void BufferedSink::merge_by_time(const std::vector<std::shared_ptr<ThreadBuffer>>& buffers) {
  std::vector<std::size_t> next(buffers.size(), 0);
  for (;;) {
    std::size_t best = buffers.size();
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      const auto& lines = buffers[i]->spare_lines;
      if (next[i] == lines.size()) continue;
      if (best == buffers.size() ||
          lines[next[i]].time_ns < buffers[best]->spare_lines[next[best]].time_ns)
        best = i;
    }
    if (best == buffers.size()) return;
    const auto& b = *buffers[best];
    std::size_t begin = next[best] == 0 ? 0 : b.spare_lines[next[best] - 1].end;
    out_.append(b.spare, begin, b.spare_lines[next[best]].end - begin);
    ++next[best];
  }
}

void BufferedSink::write_all(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to write: the lines are lost, the server goes on
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace glmgate
