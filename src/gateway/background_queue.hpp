// BackgroundQueue: where the pipeline sends a request that asks to run in the background
// (Responses' `background: true`); the task runner implements it. The pipeline's seam, not a
// shared contract: it hands over the surface the request came in on.
// Threading: awaited from I/O threads; the implementation writes the task before it answers.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "canonical/request.hpp"
#include "contracts/key_info.hpp"
#include "http/message.hpp"

namespace glmgate {

class Surface;

class BackgroundQueue {
 public:
  virtual ~BackgroundQueue() = default;
  // Queues `body` (the request as sent) to run as `key` on `surface`; the answer to send now.
  virtual boost::asio::awaitable<HttpResponse> submit_background(
      std::shared_ptr<const KeyInfo> key, const Surface& surface, const std::string& path,
      const std::string& body, const CanonicalRequest& request) = 0;
};

}  // namespace glmgate
