// HTTP/1.1 message heads; see wire.hpp.
#include "http/wire.hpp"

#include <ostream>  // boost/core string_view needs it complete

#include <boost/beast/http/status.hpp>
#include <charconv>

namespace glmgate::wire {

namespace {
void append_number(std::string& out, std::size_t n, int base = 10) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, n, base).ptr;
  out.append(buf, end);
}
}  // namespace

void start_response(std::string& out, int status) {
  out += "HTTP/1.1 ";
  append_number(out, static_cast<std::size_t>(status));
  out += ' ';
  auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
}

void header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

void finish_with_body(std::string& out, std::string_view body, bool keep_alive) {
  out += "Content-Length: ";
  append_number(out, body.size());
  out += "\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  out += body;
}

void finish_chunked(std::string& out, bool keep_alive) {
  out += "Transfer-Encoding: chunked\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
}

void finish_until_close(std::string& out) {
  out += "Connection: close\r\n\r\n";
}

void chunk(std::string& out, std::string_view data) {
  append_number(out, data.size(), 16);
  out += "\r\n";
  out += data;
  out += "\r\n";
}

std::string response(int status, std::string_view content_type, const Headers& headers,
                     std::string_view body, bool keep_alive) {
  std::string out;
  out.reserve(160 + body.size() + headers.size() * 48);
  start_response(out, status);
  if (status != 204) header(out, "Content-Type", content_type);
  for (const auto& h : headers)
    header(out, h.name, h.value);
  if (status == 204) {
    if (!keep_alive) out += "Connection: close\r\n";
    out += "\r\n";
    return out;
  }
  finish_with_body(out, body, keep_alive);
  return out;
}

std::string post_request(std::string_view target, std::string_view host,
                         std::string_view fixed_headers, const Headers& headers,
                         std::string_view body) {
  std::string out;
  out.reserve(64 + target.size() + fixed_headers.size() + body.size() + headers.size() * 48);
  out += "POST ";
  out += target;
  out += " HTTP/1.1\r\n";
  header(out, "Host", host);
  out += fixed_headers;
  for (const auto& h : headers)
    header(out, h.name, h.value);
  out += "Content-Length: ";
  append_number(out, body.size());
  out += "\r\n\r\n";
  out += body;
  return out;
}

}  // namespace glmgate::wire
