// The access log; see access_log.hpp.
#include "logging/access_log.hpp"

#include <spdlog/spdlog.h>
#include <time.h>

#include <atomic>
#include <charconv>
#include <string>

#include "logging/buffered_sink.hpp"

namespace glmgate {

namespace {

std::atomic<BufferedSink*> installed{nullptr};

// "[YYYY-mm-dd HH:MM:SS." of the second a line was logged in, made once a second per thread, in
// local time as spdlog's pattern prints it.
struct SecondPrefix {
  std::time_t second = -1;
  char text[32];
  std::size_t size = 0;

  std::string_view of(std::time_t now) {
    if (now != second) {
      second = now;
      std::tm tm{};
      localtime_r(&now, &tm);
      size = std::strftime(text, sizeof text, "[%Y-%m-%d %H:%M:%S.", &tm);
    }
    return {text, size};
  }
};

void append_number(std::string& out, long long value, int min_digits = 1) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  for (auto n = end - digits; n < min_digits; ++n)
    out += '0';
  out.append(digits, end);
}

}  // namespace

void install_access_log(BufferedSink* sink) {
  installed.store(sink, std::memory_order_release);
}

void log_access(const AccessLine& line) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  const auto micros = line.duration.count();
  BufferedSink* sink = installed.load(std::memory_order_acquire);
  if (!sink) {
    spdlog::info("{} {} {} {} {}.{}ms", line.request_id, line.method, line.path, line.status,
                 micros / 1000, micros / 100 % 10);
    return;
  }
  thread_local SecondPrefix prefix;
  thread_local std::string text;
  const auto now = std::chrono::system_clock::now();
  const auto since_epoch = now.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  text.clear();
  text += prefix.of(static_cast<std::time_t>(seconds.count()));
  append_number(
      text, std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count(),
      3);
  text += "] [glmgate] [info] ";
  text += line.request_id;
  text += ' ';
  text += line.method;
  text += ' ';
  text += line.path;
  text += ' ';
  append_number(text, line.status);
  text += ' ';
  append_number(text, micros / 1000);
  text += '.';
  append_number(text, micros / 100 % 10);
  text += "ms\n";
  sink->append(spdlog::level::info, now, text);
}

}  // namespace glmgate
