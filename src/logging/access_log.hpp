// The access log: one line per answered request, "[time] [glmgate] [info] <request id> <method>
// <path> <status> <duration>ms", as spdlog's default pattern would print it. Formatted by hand
// into the logging thread's buffer of the BufferedSink that serve installs (no format-string
// parsing, the clock's date part made once a second per thread): the line of every request costs
// a few hundred instructions and no system call. Without an installed sink the line goes through
// spdlog. Thread-safe; the installed sink must outlive every thread that logs.
#pragma once

#include <chrono>
#include <string_view>

namespace glmgate {

class BufferedSink;

struct AccessLine {
  std::string_view request_id;
  std::string_view method;
  std::string_view path;
  int status = 0;
  std::chrono::microseconds duration{0};
};

// Where log_access() writes; null: through spdlog::info.
void install_access_log(BufferedSink* sink);
// Writes the line when the log level lets info lines through.
void log_access(const AccessLine& line);

}  // namespace glmgate
