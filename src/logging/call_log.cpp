// CallLog; see call_log.hpp.
#include "logging/call_log.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "logging/buffered_sink.hpp"

namespace glmgate {

namespace {

void number(std::string& out, long long v) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out.append(digits, end);
}

// A JSON string: quotes, backslashes and control characters escaped (the values are IDs and
// names, but a client chooses its model's name).
void string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  string(out, value);
}

void field(std::string& out, std::string_view name, long long value) {
  out += ",\"";
  out += name;
  out += "\":";
  number(out, value);
}

}  // namespace

CallLog::CallLog(const std::string& destination, BufferedSink* stderr_sink) {
  if (destination == "off") return;
  if (destination == "stderr") {
    sink_ = stderr_sink;
    through_spdlog_ = !stderr_sink;
    return;
  }
  fd_ = ::open(destination.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0)
    throw std::runtime_error("access_log: cannot open \"" + destination +
                             "\": " + std::strerror(errno));
  own_ = std::make_unique<BufferedSink>(fd_, std::chrono::milliseconds(100));
  sink_ = own_.get();
}

CallLog::~CallLog() {
  own_.reset();  // writes what is left
  if (fd_ >= 0) ::close(fd_);
}

std::string CallLog::format(const CallLine& l, std::int64_t unix_ms) {
  std::string out;
  out.reserve(400);
  out += "{\"ts\":";
  number(out, unix_ms);
  field(out, "request_id", l.request_id);
  field(out, "key_prefix", l.key_prefix);
  field(out, "account", l.account);
  field(out, "surface", l.surface);
  field(out, "model", l.model);
  field(out, "served_model", l.served_model);
  field(out, "deployment", l.deployment);
  field(out, "status", l.status);
  field(out, "prompt_tokens", l.prompt_tokens);
  field(out, "completion_tokens", l.completion_tokens);
  out += ",\"estimated\":";
  out += l.estimated ? "true" : "false";
  field(out, "cost_nano_usd", l.cost_nano_usd);
  field(out, "latency_ms", l.latency_us / 1000);
  field(out, "ttft_ms", l.ttft_us / 1000);
  field(out, "attempts", l.attempts);
  if (!l.error_class.empty()) field(out, "error_class", l.error_class);
  out += "}\n";
  return out;
}

void CallLog::write(const CallLine& line) {
  if (!enabled()) return;
  const auto now = std::chrono::system_clock::now();
  const std::int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  thread_local std::string text;
  text = format(line, ms);
  if (through_spdlog_) {
    text.pop_back();
    spdlog::info("{}", text);
    return;
  }
  sink_->append(spdlog::level::info, now, text);
}

}  // namespace glmgate
