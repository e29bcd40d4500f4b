// RequestParser: Beast's HTTP/1 request parser writing straight into an HttpRequest (method,
// target, header fields with lower-cased names, body). Beast's own request_parser kept every field
// in a node of its own, which the server then copied once more into the HttpRequest. Limits
// (header_limit, body_limit) and framing stay Beast's. One per request read, on one thread; the
// request is taken with release() once the parser is done. Include only where Beast is already
// compiled (the server).
//
// Framing (RFC 9112 6.1, 6.3): a Transfer-Encoding other than exactly one `chunked` coding, or
// any in HTTP/1.0, fails the parse with bad_transfer_encoding: Beast alone takes `identity`,
// `xchunked` or `chunked, identity` for a body without framing, and would then read the body as
// the next request (request smuggling). Beast already refuses Transfer-Encoding together with
// Content-Length. The server answers 400 and closes.
//
// While parsing, the few fields and methods that need more than the common path (Expect,
// Content-Encoding, Origin, HEAD, OPTIONS, HTTP/1.0) are noted by Beast's field enum, so that
// the common request is never scanned for them.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <utility>

#include "http/message.hpp"

namespace glmgate {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  // What the request carries beyond the common case (see above).
  enum Special : unsigned {
    kExpect = 1,
    kContentEncoding = 2,
    kOrigin = 4,
    kHead = 8,
    kOptions = 16,
    kHttp10 = 32,
  };

  const HttpRequest& request() const { return request_; }
  HttpRequest release() { return std::move(request_); }
  unsigned special() const { return special_; }

 private:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;
  using field = boost::beast::http::field;

  void on_request_impl(boost::beast::http::verb verb, string_view method, string_view target,
                       int version, error_code&) override {
    request_.method.assign(method.data(), method.size());
    request_.target.assign(target.data(), target.size());
    if (verb == boost::beast::http::verb::head) special_ |= kHead;
    if (verb == boost::beast::http::verb::options) special_ |= kOptions;
    if (version < 11) special_ |= kHttp10;
  }
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(field f, string_view name, string_view value, error_code& ec) override {
    switch (f) {
      case field::transfer_encoding:
        if ((special_ & kHttp10) || !only_chunked(value))
          ec = boost::beast::http::error::bad_transfer_encoding;
        break;
      case field::expect:
        special_ |= kExpect;
        break;
      case field::content_encoding:
        special_ |= kContentEncoding;
        break;
      case field::origin:
        special_ |= kOrigin;
        break;
      default:
        break;
    }
    Header& h = request_.headers.emplace_back();
    h.name.assign(name.data(), name.size());
    for (auto& ch : h.name)  // ASCII only, as HTTP field names are; no locale lookup per char
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    h.value.assign(value.data(), value.size());
  }
  void on_header_impl(error_code&) override {}
  // A Content-Length over body_limit has already failed the parse by now.
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) request_.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  // Exactly one coding, `chunked` in any case, with optional whitespace around it.
  static bool only_chunked(string_view v) { return iequals_ascii(trim_ows(v), "chunked"); }

  HttpRequest request_;
  unsigned special_ = 0;
};

}  // namespace glmgate
