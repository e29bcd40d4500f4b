// Incremental Server-Sent Events parser (the WHATWG event-stream grammar): bytes in any split,
// events out. Handles LF, CRLF and CR line ends, comments, multi-line data and the `event:` name.
// One parser per stream; not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace glmgate {

struct SseEvent {
  std::string event;  // the `event:` name, empty for the default "message"
  std::string data;   // `data:` lines joined by '\n'
};

class SseParser {
 public:
  explicit SseParser(std::size_t max_event_bytes = 16 * 1024 * 1024)
      : max_event_bytes_(max_event_bytes) {}

  // Parses `bytes`, appending complete events to `out`. False when an event grew past the limit
  // (a broken or hostile upstream); the parser is then unusable.
  bool feed(std::string_view bytes, std::vector<SseEvent>& out);

 private:
  void line(std::string_view line, std::vector<SseEvent>& out);

  std::size_t max_event_bytes_;
  std::string partial_;  // an unfinished line
  SseEvent current_;
  bool has_data_ = false;
  bool last_was_cr_ = false;
};

}  // namespace glmgate
