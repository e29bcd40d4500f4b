// Wall-clock time as glmgate stores and prints it: unix milliseconds, and ISO 8601 in UTC.
// Thread-safe; no state.
#pragma once

#include <cstdint>
#include <string>

namespace glmgate {

std::int64_t unix_ms_now();
std::int64_t unix_seconds_now();
// "2026-11-22T04:25:00Z" (seconds precision).
std::string iso_utc(std::int64_t unix_ms);

}  // namespace glmgate
