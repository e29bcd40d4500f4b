// Reading and writing the canonical (OpenAI) usage object. Pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>

#include "canonical/usage.hpp"

namespace glmgate {

// Reads `usage` from an OpenAI response or chunk; nullopt when absent or null.
std::optional<Usage> read_usage(const boost::json::object& message);

// The OpenAI usage object for `usage`.
boost::json::object usage_to_json(const Usage& usage);

}  // namespace glmgate
