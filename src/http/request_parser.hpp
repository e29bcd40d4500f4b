// RequestParser: Beast's HTTP/1 request parser writing straight into an HttpRequest (method,
// target, header fields with lower-cased names, body). Beast's own request_parser kept every field
// in a node of its own, which the server then copied once more into the HttpRequest. Limits
// (header_limit, body_limit) and framing stay Beast's. One per request read, on one thread; the
// request is taken with release() once the parser is done. Include only where Beast is already
// compiled (the server).
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <utility>

#include "http/message.hpp"

namespace glmgate {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  const HttpRequest& request() const { return request_; }
  HttpRequest release() { return std::move(request_); }

 private:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int,
                       error_code&) override {
    request_.method.assign(method.data(), method.size());
    request_.target.assign(target.data(), target.size());
  }
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                     error_code&) override {
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

  HttpRequest request_;
};

}  // namespace glmgate
