// PathPattern; see path_pattern.hpp.
#include "http/path_pattern.hpp"

#include <stdexcept>

namespace glmgate {

namespace {

// "{name}" or "{name...}" at the start of `s`: the name, and how many characters it took.
bool read_param(std::string_view s, std::string& name, bool& rest, std::size_t& used) {
  if (s.empty() || s.front() != '{') return false;
  auto close = s.find('}');
  if (close == std::string_view::npos || close < 2) return false;
  std::string_view inner = s.substr(1, close - 1);
  rest = inner.ends_with("...");
  if (rest) inner.remove_suffix(3);
  if (inner.empty() || inner.find_first_of("{}:/") != std::string_view::npos) return false;
  name = std::string(inner);
  used = close + 1;
  return true;
}

}  // namespace

PathPattern::PathPattern(std::string pattern) : text_(std::move(pattern)) {
  auto bad = [this](const char* why) {
    return std::invalid_argument("route pattern \"" + text_ + "\": " + why);
  };
  if (text_.empty() || text_.front() != '/') throw bad("must start with '/'");
  std::string_view rest = std::string_view(text_).substr(1);
  for (;;) {
    auto slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    Segment s;
    std::size_t used = 0;
    if (read_param(part, s.param, s.rest, used)) {
      literal_ = false;
      std::string_view after = part.substr(used);
      if (!after.empty()) {
        if (after.front() != ':' || after.size() < 2)
          throw bad("a parameter ends its segment or ':'");
        s.suffix = true;
        bool suffix_rest = false;
        std::size_t suffix_used = 0;
        std::string_view tail = after.substr(1);
        if (read_param(tail, s.suffix_param, suffix_rest, suffix_used)) {
          if (suffix_rest || suffix_used != tail.size()) throw bad("malformed ':' parameter");
        } else if (tail.find_first_of("{}:") == std::string_view::npos) {
          s.literal = std::string(tail);
        } else {
          throw bad("malformed ':' suffix");
        }
      }
    } else if (part.find_first_of("{}") != std::string_view::npos) {
      throw bad("a parameter must be a whole segment, as {name}");
    } else {
      s.literal = std::string(part);
    }
    segments_.push_back(std::move(s));
    if (slash == std::string_view::npos) break;
    if (segments_.back().rest) throw bad("{name...} must be the last segment");
    rest.remove_prefix(slash + 1);
  }
}

bool PathPattern::match_segment(const Segment& s, std::string_view text, PathParams* params) const {
  if (s.param.empty()) return text == s.literal;
  std::string_view value = text;
  std::string_view after;
  if (s.suffix) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    value = text.substr(0, colon);
    after = text.substr(colon + 1);
    if (after.empty() || (s.suffix_param.empty() && after != s.literal)) return false;
  }
  if (value.empty()) return false;
  if (params) {
    params->push_back({s.param, std::string(value)});
    if (!s.suffix_param.empty()) params->push_back({s.suffix_param, std::string(after)});
  }
  return true;
}

bool PathPattern::match(std::string_view path, PathParams* params) const {
  if (literal_) return path == text_;
  if (path.empty() || path.front() != '/') return false;
  std::size_t first = params ? params->size() : 0;
  std::string_view rest = path.substr(1);
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    const bool last = i + 1 == segments_.size();
    auto slash = rest.find('/');
    std::string_view text = s.rest ? rest : rest.substr(0, slash);
    bool ok =
        match_segment(s, text, params) &&
        (s.rest || (last ? slash == std::string_view::npos : slash != std::string_view::npos));
    if (!ok) {
      if (params) params->resize(first);
      return false;
    }
    if (!last) rest.remove_prefix(slash + 1);
  }
  return true;
}

}  // namespace glmgate
