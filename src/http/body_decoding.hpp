// Undoes a request body's Content-Encoding (RFC 9110 8.4) before any handler sees it: gzip /
// x-gzip, deflate (zlib-wrapped, or raw as some clients send it) and identity, in a list undone
// from the last coding to the first. Output is capped at `max_bytes`, so a small "zip bomb" stops
// inflating at the limit instead of filling memory. Pure functions over strings (zlib inside), no
// I/O; callable from any thread.
//
// Errors are ApiErrors the server renders in the owning surface's shape: 415
// (`unsupported_content_encoding`, naming the coding) for a coding glmgate cannot undo, 400
// (`invalid_content_encoding`, naming the coding and what is wrong) for corrupt or truncated data,
// 413 (`request_too_large`) when the inflated body passes `max_bytes`.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/api_error.hpp"

namespace glmgate {

// Replaces `body` by its decoded form; on error `body` is left in an unspecified state.
// `encoding` is the Content-Encoding field value (fields given several times joined by ", ").
std::optional<ApiError> decode_content_encoding(std::string_view encoding, std::string& body,
                                                std::size_t max_bytes);

}  // namespace glmgate
