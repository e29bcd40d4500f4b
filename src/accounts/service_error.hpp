// ServiceError: a request the account and key services refuse, with the HTTP status the admin
// API answers and a message the CLI prints as is. Plain exception type.
#pragma once

#include <stdexcept>
#include <string>

namespace glmgate {

struct ServiceError : std::runtime_error {
  ServiceError(int status, const std::string& message, long long retry_after_s = 0)
      : std::runtime_error(message), status(status), retry_after_s(retry_after_s) {}
  int status;               // 400 bad input, 404 unknown, 409 conflict, 429 wait
  long long retry_after_s;  // with a 429: when to try again
};

}  // namespace glmgate
