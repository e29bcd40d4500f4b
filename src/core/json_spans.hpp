// JSON parsing that also says where some top-level string members sit in the text: the same
// json::value json::parse would build (Boost.JSON's parser, same limits and errors), plus, for each
// asked-for key, the byte range of its value's literal (quotes included). With those a caller can
// send the text on with one value replaced instead of serializing the whole document again.
// Stateless; thread-safe.
#pragma once

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace glmgate {

// Where a member's value literal sits in the parsed text: [begin, end), quotes included.
struct TextSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool found() const { return end > begin; }
};

// Parses `text` as json::parse(text, ec, storage) does. When the document is an object, spans[i]
// is where keys[i]'s value sits if that member appears once, at the top level, with a string
// value written without escapes; otherwise spans[i] stays not found(). keys and spans have the
// same size.
boost::json::value parse_locating(std::string_view text, std::span<const std::string_view> keys,
                                  std::span<TextSpan> spans, boost::system::error_code& ec,
                                  boost::json::storage_ptr storage = {});

// `text` with the string literals at `spans` (found, not overlapping) replaced by the JSON string
// literals of `values`, escaped as needed.
std::string replace_string_values(std::string_view text, std::span<const TextSpan> spans,
                                  std::span<const std::string_view> values);

}  // namespace glmgate
