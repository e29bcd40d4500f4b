// Helpers every surface's decoder shares: type names for messages, the typed 400s that name the
// offending field, integer checks, and parsing a body into a JSON object. Pure functions.
#pragma once

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/api_error.hpp"

namespace glmgate {

// "a string", "an array"... for error messages.
const char* json_kind_name(const boost::json::value& v);

ApiError type_error(const std::string& field, std::string_view expected,
                    const boost::json::value& got);
ApiError missing_field(const std::string& field);

bool is_json_integer(const boost::json::value& v);
std::int64_t json_integer(const boost::json::value& v);

// Parses `text` into `out` (in `storage`); a 400 naming the problem when it is not a JSON object.
std::optional<ApiError> parse_body_object(std::string_view text, boost::json::storage_ptr storage,
                                          boost::json::value& out);

}  // namespace glmgate
