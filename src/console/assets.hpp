// The console's pages as the build embedded them (web/build.mjs, cmake/embed_assets.cmake):
// index.html and the hashed files under /assets/, each only gzipped. Static data; any thread.
// Empty when the build was told not to build them (GLMGATE_CONSOLE_ASSETS=OFF).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace glmgate {

struct ConsoleAsset {
  std::string_view path;          // "/index.html", "/assets/main-HASH.js"
  std::string_view content_type;  // a literal
  std::string_view gz;            // the file, gzipped
  std::size_t size = 0;           // its size inflated
  std::string_view etag;          // quoted, from its content
};

std::span<const ConsoleAsset> console_assets();

}  // namespace glmgate
