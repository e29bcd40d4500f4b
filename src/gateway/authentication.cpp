// The authenticate step: the key from the cache, and from the store when the cache misses it;
// see pipeline.hpp.
#include "gateway/pipeline.hpp"

namespace glmgate {

namespace asio = boost::asio;

Result<std::shared_ptr<const KeyInfo>> Pipeline::authenticate(const Surface& surface,
                                                              const HttpRequest& request) const {
  std::string secret = surface.api_key(request);
  if (secret.empty())
    return ApiError::invalid_api_key(
        "You didn't provide an API key. Send it as 'Authorization: Bearer sk-glm-...'.");
  auto key = parts_.keys.find(secret);
  if (!key) {
    std::string shown = secret.size() > 10 ? secret.substr(0, 10) + "***" : "***";
    return ApiError::invalid_api_key("Incorrect API key provided: " + shown + ".");
  }
  return key;
}

asio::awaitable<Result<std::shared_ptr<const KeyInfo>>> Pipeline::authenticate_missed(
    const Surface& surface, const HttpRequest& request, ApiError refusal) const {
  std::string secret = surface.api_key(request);
  if (secret.empty() || !parts_.key_lookup) co_return refusal;
  auto key = co_await parts_.key_lookup->find_missed(std::move(secret));
  if (!key) co_return refusal;
  co_return key;
}

asio::awaitable<Result<std::shared_ptr<const KeyInfo>>> Pipeline::authenticate_any(
    const Surface& surface, const HttpRequest& request) const {
  auto key = authenticate(surface, request);
  if (!key) key = co_await authenticate_missed(surface, request, key.error());
  co_return key;
}

}  // namespace glmgate
