// SSE parser; see sse_parser.hpp.
#include "providers/sse_parser.hpp"

namespace glmgate {

bool SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c != '\n' && c != '\r') continue;
    if (c == '\n' && last_was_cr_ && i == start && partial_.empty()) {
      // The LF of a CRLF whose CR ended the previous line.
      last_was_cr_ = false;
      start = i + 1;
      continue;
    }
    last_was_cr_ = c == '\r';
    if (partial_.empty()) {
      line(bytes.substr(start, i - start), out);
    } else {
      partial_.append(bytes.substr(start, i - start));
      line(partial_, out);
      partial_.clear();
    }
    start = i + 1;
    if (c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') {
      ++i;
      start = i + 1;
      last_was_cr_ = false;
    }
  }
  if (start < bytes.size()) {
    last_was_cr_ = false;
    partial_.append(bytes.substr(start));
  }
  return partial_.size() + current_.data.size() <= max_event_bytes_;
}

void SseParser::line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    if (has_data_) out.push_back(std::move(current_));
    current_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment / keep-alive
  auto colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) current_.data.push_back('\n');
    current_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    current_.event = std::string(value);
  }
}

}  // namespace glmgate
