// PathPattern: a route's path with parameters, matched against a request's decoded path.
//   /v1/models                          literal segments only
//   /v1/responses/{id}                  a parameter: one whole segment, never empty, no '/'
//   /v1/responses/{id}/cancel
//   /v1beta/models/{model}:{method}     a parameter, ':' and a literal or a second parameter,
//   /v1beta/models/{model}:countTokens  split at the segment's last ':' (so "qwen3:8b:x" is the
//                                       model "qwen3:8b" and the method "x")
//   /v1/models/{model...}               `...`: the last segment takes the rest of the path,
//                                       slashes included ("Qwen/Qwen3-8B"); may end in ":…" too
// Built at start-up (a malformed pattern throws std::invalid_argument, naming it), then
// immutable; match() is a pure function and allocates only for the parameters it returns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace glmgate {

class PathPattern {
 public:
  explicit PathPattern(std::string pattern);

  // True when `path` matches; then `params` (when given) gets the parameters, in pattern order.
  bool match(std::string_view path, PathParams* params) const;
  // True when the pattern has no parameter.
  bool literal() const { return literal_; }
  const std::string& text() const { return text_; }

 private:
  struct Segment {
    std::string literal;       // a literal segment, or the literal after ':'
    std::string param;         // the parameter's name; empty for a literal segment
    std::string suffix_param;  // the parameter after ':'
    bool suffix = false;       // a ':' part follows the parameter
    bool rest = false;         // {name...}: the rest of the path
  };
  bool match_segment(const Segment& s, std::string_view text, PathParams* params) const;

  std::string text_;
  std::vector<Segment> segments_;
  bool literal_ = true;
};

}  // namespace glmgate
