// StringHash: a transparent hash for std::unordered_map<std::string, ...> with std::equal_to<>,
// so that a lookup by std::string_view (or a literal) builds no std::string. Stateless.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace glmgate {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace glmgate
