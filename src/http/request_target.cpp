// Request targets; see request_target.hpp.
#include "http/request_target.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>

namespace glmgate {

namespace {

// An absolute-form target (RFC 9112 3.2.2: "http://host/path?query", as sent to a proxy; servers
// must accept it) is served by its path and query; `origin_form` gets the origin-form
// equivalent for handlers that read the target. Other schemes and host-less URLs are refused.
bool split_absolute(const std::string& target, std::string& path, std::string& query,
                    std::string& origin_form) {
  auto url = boost::urls::parse_absolute_uri(target);
  if (!url) return false;
  auto scheme = url->scheme_id();
  if ((scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) ||
      !url->has_authority() || url->encoded_host().empty())
    return false;
  path = std::string(url->path());
  if (path.empty()) path = "/";
  query = std::string(url->encoded_query());
  origin_form = url->encoded_path().empty() ? std::string("/") : std::string(url->encoded_path());
  if (url->has_query()) origin_form += "?" + query;
  return true;
}

}  // namespace

// Every API path is unreserved characters and slashes only: such a target is its own path,
// without a trip through Boost.URL's parser; anything else (a query, escapes) takes that trip.
bool split_target(const std::string& target, std::string& path, std::string& query,
                  std::string& origin_form) {
  auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '-' || c == '.' || c == '_' || c == '~';
  };
  if (!target.empty() && target[0] == '/' && std::all_of(target.begin(), target.end(), plain)) {
    path = target;
    return true;
  }
  if (!target.empty() && target[0] != '/') return split_absolute(target, path, query, origin_form);
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return false;
  path = std::string(url->path());
  query = std::string(url->encoded_query());
  return true;
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

}  // namespace glmgate
