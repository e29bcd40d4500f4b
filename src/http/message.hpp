// Plain HTTP request/response values handed between the server and handlers, so that surfaces and
// the pipeline never include Beast. Header names are stored lower-case.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace glmgate {

struct Header {
  std::string name;  // lower-case
  std::string value;
};

using Headers = std::vector<Header>;

inline std::string_view find_header(const Headers& headers, std::string_view name) {
  for (const auto& h : headers)
    if (h.name == name) return h.value;
  return {};
}

// Header values are ASCII and compared without regard to case; list elements and values may carry
// optional whitespace (spaces and tabs) around them.
inline bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// One {parameter} of a route's path pattern and the text of the path it matched. The name
// points into the router's pattern, which outlives every request.
struct PathParam {
  std::string_view name;
  std::string value;
};

using PathParams = std::vector<PathParam>;

struct HttpRequest {
  std::string method;  // "GET", "POST"...
  std::string target;  // as received, with the query
  std::string path;    // decoded path without the query
  std::string query;   // raw query string without '?'
  Headers headers;
  std::string body;
  PathParams params;  // the route's path parameters, set by the router

  std::string_view header(std::string_view name) const { return find_header(headers, name); }
  // The raw value of one query parameter, or empty.
  std::string query_param(std::string_view name) const;
  // The value of the route's path parameter `name`, or empty.
  std::string_view param(std::string_view name) const {
    for (const auto& p : params)
      if (p.name == name) return p.value;
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  // A literal (every answer here is JSON): a std::string would allocate for it per response.
  std::string_view content_type = "application/json";
  Headers headers;
  std::string body;
};

}  // namespace glmgate
