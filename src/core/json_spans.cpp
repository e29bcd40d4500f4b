// parse_locating(); see json_spans.hpp. A Boost.JSON basic_parser handler that builds the value
// with a value_stack, as Boost's own parser does, and watches the top-level members on the way.
#include "core/json_spans.hpp"

#include <algorithm>
#include <array>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_stack.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace glmgate {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxKeys = 4;

class LocatingHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  using error_code = boost::system::error_code;
  using string_view = json::string_view;

  LocatingHandler(unsigned char* buffer, std::size_t size, std::string_view text,
                  std::span<const std::string_view> keys, std::span<TextSpan> spans)
      : stack(json::storage_ptr(), buffer, size), text_(text), keys_(keys), spans_(spans) {}

  json::value_stack stack;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    value_begins();
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t n, error_code&) {
    --depth_;
    stack.push_object(n);
    return true;
  }
  bool on_array_begin(error_code&) {
    value_begins();
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t n, error_code&) {
    --depth_;
    stack.push_array(n);
    return true;
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    if (depth_ == 1) key_.append(s.data(), s.size());
    stack.push_chars(s);
    return true;
  }
  bool on_key(string_view s, std::size_t n, error_code&) {
    if (depth_ == 1) {
      // A key given in parts (escaped) is matched by its unescaped name, as the object has it.
      std::string_view name(s.data(), s.size());
      if (n != s.size()) {
        key_.append(s.data(), s.size());
        name = key_;
      }
      key_met(name);
      key_.clear();
    }
    stack.push_key(s);
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    value_begins();  // a string in parts has escapes: its literal is not its value
    stack.push_chars(s);
    return true;
  }
  bool on_string(string_view s, std::size_t n, error_code&) {
    if (depth_ == 1 && pending_ >= 0) {
      const char* begin = text_.data();
      bool literal =
          n == s.size() && s.data() > begin && s.data() + s.size() < begin + text_.size();
      if (literal) {
        auto offset = static_cast<std::size_t>(s.data() - begin);
        spans_[pending_] = {offset - 1, offset + s.size() + 1};
        state_[pending_] = State::found;
      } else {
        state_[pending_] = State::unusable;
      }
      pending_ = -1;
    }
    stack.push_string(s);
    return true;
  }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t i, string_view, error_code&) {
    value_begins();
    stack.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, string_view, error_code&) {
    value_begins();
    stack.push_uint64(u);
    return true;
  }
  bool on_double(double d, string_view, error_code&) {
    value_begins();
    stack.push_double(d);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    value_begins();
    stack.push_bool(b);
    return true;
  }
  bool on_null(error_code&) {
    value_begins();
    stack.push_null();
    return true;
  }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

  // Clears what was found for keys that turned out not to be usable.
  void settle() {
    for (std::size_t i = 0; i < keys_.size(); ++i)
      if (state_[i] != State::found) spans_[i] = {};
  }

 private:
  enum class State : std::uint8_t { unseen, found, unusable };

  void key_met(std::string_view name) {
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] != name) continue;
      // Seen twice: the object keeps one of them, and the text would still carry the other.
      if (state_[i] != State::unseen) {
        state_[i] = State::unusable;
        return;
      }
      state_[i] = State::unusable;  // until its value proves to be a plain string literal
      pending_ = static_cast<int>(i);
      return;
    }
  }

  // Any value but a string in one piece ends the wait for the pending key's literal.
  void value_begins() {
    if (depth_ == 1) pending_ = -1;
  }

  std::string_view text_;
  std::span<const std::string_view> keys_;
  std::span<TextSpan> spans_;
  std::array<State, kMaxKeys> state_{};
  std::string key_;
  int depth_ = 0;
  int pending_ = -1;
};

void append_string_literal(std::string& out, std::string_view value) {
  bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && c != '"' && c != '\\' && u != 0x7f;
  });
  if (plain) {
    out += '"';
    out += value;
    out += '"';
  } else {
    out += json::serialize(json::string(value));
  }
}

}  // namespace

json::value parse_locating(std::string_view text, std::span<const std::string_view> keys,
                           std::span<TextSpan> spans, boost::system::error_code& ec,
                           json::storage_ptr storage) {
  if (keys.size() > kMaxKeys || spans.size() != keys.size()) std::abort();  // a caller's bug
  for (auto& s : spans)
    s = {};
  unsigned char temp[BOOST_JSON_STACK_BUFFER_SIZE];
  json::basic_parser<LocatingHandler> parser(json::parse_options{}, temp, sizeof temp, text, keys,
                                             spans);
  parser.handler().stack.reset(std::move(storage));
  std::size_t n = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (ec) {
    for (auto& s : spans)
      s = {};
    return nullptr;
  }
  parser.handler().settle();
  return parser.handler().stack.release();
}

std::string replace_string_values(std::string_view text, std::span<const TextSpan> spans,
                                  std::span<const std::string_view> values) {
  std::array<std::size_t, kMaxKeys> order{};
  if (spans.size() > kMaxKeys || values.size() != spans.size()) std::abort();  // a caller's bug
  for (std::size_t i = 0; i < spans.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.begin() + spans.size(),
            [&](std::size_t a, std::size_t b) { return spans[a].begin < spans[b].begin; });
  std::size_t size = text.size();
  for (const auto& v : values)
    size += v.size() + 2;
  std::string out;
  out.reserve(size);
  std::size_t at = 0;
  for (std::size_t k = 0; k < spans.size(); ++k) {
    const TextSpan& span = spans[order[k]];
    out.append(text.substr(at, span.begin - at));
    append_string_literal(out, values[order[k]]);
    at = span.end;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace glmgate
