// The console's pages; see static_routes.hpp.
#include "console/static_routes.hpp"

#include <zlib.h>

#include "console/assets.hpp"
#include "console/console_routes.hpp"

namespace glmgate {

namespace {

const ConsoleAsset* find_asset(std::string_view path) {
  for (const auto& a : console_assets())
    if (a.path == path) return &a;
  return nullptr;
}

bool accepts_gzip(const HttpRequest& request) {
  const std::string_view accept = request.header("accept-encoding");
  // "gzip" listed and not refused with q=0 (as browsers never do).
  const auto at = accept.find("gzip");
  return at != std::string_view::npos && accept.substr(at).rfind("gzip;q=0", 0) != 0;
}

HttpResponse answer(const HttpRequest& request, const ConsoleAsset& asset,
                    std::string_view cache_control) {
  HttpResponse r;
  r.content_type = asset.content_type;
  r.headers = console_security_headers();
  r.headers.push_back({"cache-control", std::string(cache_control)});
  r.headers.push_back({"etag", std::string(asset.etag)});
  r.headers.push_back({"vary", "Accept-Encoding"});
  if (request.header("if-none-match") == asset.etag) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  if (accepts_gzip(request)) {
    r.headers.push_back({"content-encoding", "gzip"});
    r.body = std::string(asset.gz);
  } else {
    r.body = gunzip(asset.gz);
  }
  return r;
}

}  // namespace

std::string gunzip(std::string_view gz) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return {};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buffer[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

void register_console_pages(Router& router) {
  const ConsoleAsset* index = find_asset("/index.html");
  if (!index) return;
  router.add("GET", "/", [index](Exchange& ex) -> boost::asio::awaitable<void> {
    HttpResponse r = answer(ex.request(), *index, "no-cache");
    co_await ex.respond(std::move(r));
  });
  router.add("GET", "/assets/{file}", [](Exchange& ex) -> boost::asio::awaitable<void> {
    const ConsoleAsset* asset = find_asset(ex.request().path);
    HttpResponse r;
    if (asset && asset->path != "/index.html") {
      r = answer(ex.request(), *asset, "public, max-age=31536000, immutable");
    } else {
      r = HttpResponse{404, "text/plain; charset=utf-8", console_security_headers(),
                       "no such file\n"};
    }
    co_await ex.respond(std::move(r));
  });
}

}  // namespace glmgate
