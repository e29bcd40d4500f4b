// HTTP/1.1 message heads as flat bytes, so that one response or upstream request is one
// contiguous buffer and one send. Parsing stays with Beast; this only writes what glmgate itself
// decides. Header values come from glmgate's code, its config, or client values it validated
// (no CR or LF), so nothing here can split a header. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace glmgate::wire {

// "HTTP/1.1 <status> <reason>\r\n" and headers, without the blank line.
void start_response(std::string& out, int status);
void header(std::string& out, std::string_view name, std::string_view value);
// Content-Length, Connection: close when needed, the blank line, then the body.
void finish_with_body(std::string& out, std::string_view body, bool keep_alive);
// Transfer-Encoding: chunked, Connection: close when needed, the blank line.
void finish_chunked(std::string& out, bool keep_alive);
// Connection: close and the blank line: a body that ends when the connection does (a stream to
// an HTTP/1.0 client, which cannot read chunked).
void finish_until_close(std::string& out);
// One chunk of a chunked body: size line, data, CRLF.
void chunk(std::string& out, std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// A complete response with a body; a 204 gets neither body nor Content-Type nor Content-Length
// (RFC 9110 8.6).
std::string response(int status, std::string_view content_type, const Headers& headers,
                     std::string_view body, bool keep_alive);

// "POST <target> HTTP/1.1" with headers and the body, as sent upstream. `fixed_headers` is a
// block of complete header lines prepared once (see header()); `headers` vary per request.
std::string post_request(std::string_view target, std::string_view host,
                         std::string_view fixed_headers, const Headers& headers,
                         std::string_view body);

}  // namespace glmgate::wire
