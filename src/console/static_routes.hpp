// The console's pages: GET / (index.html, revalidated each time: `no-cache` and an ETag) and
// GET /assets/{file} (content-hashed names: cached for a year, immutable). Each is sent gzipped
// to a client that accepts gzip, and inflated for one that does not, with the console's security
// headers. Registered only when the build embedded the pages (console/assets.hpp).
// Threading: read-only data; answers are built on the I/O thread (a few KB, no I/O).
#pragma once

#include <string_view>

#include "http/message.hpp"
#include "http/router.hpp"

namespace glmgate {

void register_console_pages(Router& router);

// `gz` inflated; empty when it is not gzip data.
std::string gunzip(std::string_view gz);

}  // namespace glmgate
